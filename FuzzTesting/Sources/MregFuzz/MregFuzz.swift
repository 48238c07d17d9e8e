import CLibFuzzer
import Foundation
import MregFuzzTargets

// mreg's libFuzzer binary: `MregFuzz TARGET [libFuzzer options] [corpus folders]`,
// `MregFuzz --list`, `MregFuzz --dict TARGET`. Built with -sanitize=fuzzer and
// -parse-as-library (see Package.swift and Scripts/fuzz.sh).
//
// SwiftPM links an executable target with `--defsym main=MregFuzz_main`, so the function of
// that name below is the program's entry: it takes the target's name off the command line,
// adds the target's dictionary and hands the rest to libFuzzer's driver. Should a toolchain
// let libFuzzer's own `main` run instead, the target comes from `$MREG_FUZZ_TARGET` (which
// is set for libFuzzer's child processes too).

/// The target being fuzzed and its scratch folder. One per process, set before libFuzzer
/// starts; libFuzzer calls `LLVMFuzzerTestOneInput` on one thread, one input at a time.
nonisolated(unsafe) private var current: (target: FuzzTarget, context: FuzzContext)?

/// Selects the target, making its scratch folder (removed at exit, kept after a crash) and
/// whatever it needs before its first input.
private func select(_ name: String) -> (target: FuzzTarget, context: FuzzContext)? {
    guard let target = FuzzTarget.named(name) else { return nil }
    do {
        let selected = (target: target, context: try FuzzContext())
        target.prepare(selected.context)
        current = selected
        atexit { current?.context.remove() }
        return selected
    } catch {
        complain("MregFuzz: \(error)\n")
        return nil
    }
}

/// Writes `text` to standard error.
private func complain(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

private func usage() -> String {
    "usage: MregFuzz TARGET [libFuzzer options] [corpus folders] | --list | --dict TARGET\ntargets: "
        + FuzzTarget.all.map(\.name).joined(separator: ", ") + "\n"
}

/// libFuzzer's entry for one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let (target, context) = current ?? ProcessInfo.processInfo.environment["MREG_FUZZ_TARGET"].flatMap(select) else {
        complain("MregFuzz: no target: give one as the first argument or in MREG_FUZZ_TARGET\n" + usage())
        exit(64)
    }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    target.run(bytes, in: context)
    return 0
}

/// The program's entry (see the note at the top).
@_cdecl("MregFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let arguments = (0..<Int(argc)).map { i in argv?[i].map { String(cString: $0) } ?? "" }
    guard arguments.count >= 2 else {
        complain(usage())
        return 64
    }
    switch arguments[1] {
    case "--list":
        for target in FuzzTarget.all { print("\(target.name)\t\(target.summary)") }
        return 0
    case "--dict":
        guard arguments.count == 3, let target = FuzzTarget.named(arguments[2]) else {
            complain(usage())
            return 64
        }
        print(target.libFuzzerDictionary, terminator: "")
        return 0
    default:
        break
    }
    // The target is the first argument, else $MREG_FUZZ_TARGET: libFuzzer's -fork, -jobs and
    // -merge re-run this binary with its own flags only, and the variable carries the target.
    let environment = ProcessInfo.processInfo.environment["MREG_FUZZ_TARGET"]
    let named = FuzzTarget.named(arguments[1]) != nil ? arguments[1] : environment
    guard let name = named, let (target, context) = select(name) else {
        complain("MregFuzz: unknown target '\(arguments[1])'\n" + usage())
        return 64
    }
    setenv("MREG_FUZZ_TARGET", name, 1)
    var rest = [arguments[0]] + arguments.dropFirst(name == arguments[1] ? 2 : 1)
    if !rest.contains(where: { $0.hasPrefix("-dict=") }), !target.dictionary.isEmpty {
        let path = "\(context.directory)/\(target.name).dict"
        if FileManager.default.createFile(atPath: path, contents: Data(target.libFuzzerDictionary.utf8)) {
            rest.append("-dict=\(path)")
        }
    }
    // C strings for libFuzzer, alive until the process ends.
    var cArguments: [UnsafeMutablePointer<CChar>?] = rest.map { strdup($0) } + [nil]
    var count = CInt(rest.count)
    return cArguments.withUnsafeMutableBufferPointer { buffer in
        var pointer = buffer.baseAddress
        return LLVMFuzzerRunDriver(&count, &pointer, fuzzOneInput)
    }
}
