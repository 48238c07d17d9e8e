import Foundation
import MregStore
import MregSupport
#if canImport(Glibc)
import Glibc
#endif

/// The machine a version was registered on: OS, kernel, CPU architecture, cores, memory, and
/// its NVIDIA GPUs (driver and CUDA versions) when `nvidia-smi` is there.
public enum SystemInfo {
    /// How long `nvidia-smi` may take (each of its two runs).
    static let nvidiaTimeout: Duration = .seconds(3)

    /// `{os, kernel, arch, cores, memory}` (memory in bytes).
    public static func capture() -> [String: JSONValue] {
        var name = utsname()
        uname(&name)
        func field<T>(_ value: inout T) -> String {
            withUnsafeBytes(of: &value) { raw in
                let bytes = raw.prefix { $0 != 0 }
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        let sysname = field(&name.sysname), release = field(&name.release), machine = field(&name.machine)
        return [
            "os": .string(osName() ?? sysname),
            "kernel": .string(sysname + " " + release),
            "arch": .string(machine),
            "cores": .int(Int64(ProcessInfo.processInfo.activeProcessorCount)),
            "memory": .int(Int64(clamping: ProcessInfo.processInfo.physicalMemory)),
        ]
    }

    /// `PRETTY_NAME` of `/etc/os-release` (Linux), or the macOS version.
    static func osName() -> String? {
        #if os(macOS)
        return "macOS " + ProcessInfo.processInfo.operatingSystemVersionString
        #else
        guard let bytes = PythonEnvironment.readSmall("/etc/os-release", limit: 64 * 1024) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) where line.hasPrefix("PRETTY_NAME=") {
            let value = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            return value.isEmpty ? nil : value
        }
        return nil
        #endif
    }

    /// `{driver, cuda, gpus: [{name, memory_mib}]}` from `nvidia-smi` on `path`; nil when it is not
    /// there, fails or takes too long (a machine without a GPU is not an error).
    public static func nvidia(path: String) -> JSONValue? {
        guard let tool = PythonEnvironment.onPath("nvidia-smi", path: path) else { return nil }
        let query = try? ProcessRunner.run(tool, ["--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"],
                                           timeout: nvidiaTimeout)
        guard let query, query.status == 0, !query.timedOut else { return nil }
        var gpus = [JSONValue]()
        var driver: String?
        for line in query.stdout.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count >= 3, !parts[0].isEmpty else { continue }
            gpus.append(.object(["name": .string(parts[0]), "memory_mib": Int64(parts[1]).map(JSONValue.int) ?? .null]))
            driver = driver ?? parts[2]
        }
        guard !gpus.isEmpty else { return nil }
        // The CUDA version the driver supports is only in the plain report's header.
        var cuda: String?
        if let plain = try? ProcessRunner.run(tool, [], timeout: nvidiaTimeout), plain.status == 0, !plain.timedOut,
           let range = plain.stdout.range(of: "CUDA Version:") {
            let rest = plain.stdout[range.upperBound...].drop { $0 == " " }
            let v = rest.prefix { $0.isNumber || $0 == "." }
            if !v.isEmpty { cuda = String(v) }
        }
        return .object(["driver": JSONValue(driver), "cuda": JSONValue(cuda), "gpus": .array(gpus)])
    }
}
