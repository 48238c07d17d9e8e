import MregTestSupport
import Foundation
import Testing
@testable import MregSupport

/// `TOMLReader` against Python's `tomllib` (the TOML 1.0 reader of Python 3.11+): on every document
/// of `TOMLCorpus` and every TOML file of the fuzz corpus, both accept or both refuse, and what
/// they read is equal. Skipped when `python3` has no `tomllib`.
///
/// Where mreg is stricter on purpose, the Python side is told: integers outside 64 bits (which the
/// specification refuses and `tomllib` keeps) count as refused, and a byte order mark at the start
/// is skipped (as toml++ did). Dates are compared to the microsecond (Python's precision).
@Suite struct TOMLReaderDifferentialTests {
    static let python: String? = {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: candidate)
            p.arguments = ["-c", "import tomllib"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            p.waitUntilExit()
            if p.terminationStatus == 0 { return candidate }
        }
        return nil
    }()

    static let script = #"""
    import sys, os, struct, datetime, tomllib

    def canon(v):
        if isinstance(v, bool):
            return "b1" if v else "b0"
        if isinstance(v, int):
            if not -2**63 <= v < 2**63:
                raise OverflowError("integer outside 64 bits")
            return "i%d" % v
        if isinstance(v, float):
            if v != v:
                return "fnan"
            return "f%d" % struct.unpack("<q", struct.pack("<d", v))[0]
        if isinstance(v, str):
            return "s" + v.encode("utf-8").hex()
        if isinstance(v, datetime.datetime):
            s = "d%04d-%02d-%02dT%02d:%02d:%02d.%06d" % (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
            if v.tzinfo is not None:
                s += "@%d" % (int(v.utcoffset().total_seconds()) // 60)
            return s
        if isinstance(v, datetime.date):
            return "d%04d-%02d-%02d" % (v.year, v.month, v.day)
        if isinstance(v, datetime.time):
            return "d%02d:%02d:%02d.%06d" % (v.hour, v.minute, v.second, v.microsecond)
        if isinstance(v, list):
            return "[" + ",".join(canon(x) for x in v) + "]"
        if isinstance(v, dict):
            items = sorted((k.encode("utf-8").hex(), x) for k, x in v.items())
            return "{" + ",".join(k + "=" + canon(x) for k, x in items) + "}"
        raise TypeError(type(v))

    folder, count = sys.argv[1], int(sys.argv[2])
    out = []
    for i in range(count):
        with open(os.path.join(folder, "%05d.toml" % i), "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8")
            if text.startswith("\ufeff"):
                text = text[1:]
            out.append("OK " + canon(tomllib.loads(text)))
        except Exception:
            out.append("ERR")
    sys.stdout.write("\n".join(out) + "\n")
    """#

    /// The same canonical form as the Python side's `canon`.
    static func canon(_ v: TOMLValue) -> String {
        switch v {
        case .boolean(let b): return b ? "b1" : "b0"
        case .integer(let i): return "i\(i)"
        case .float(let d): return d.isNaN ? "fnan" : "f\(Int64(bitPattern: d.bitPattern))"
        case .string(let s): return "s" + hex(s)
        case .dateTime(let d):
            var s = "d"
            if let date = d.date { s += "\(TOMLDateTime.pad(date.year, 4))-\(TOMLDateTime.pad(date.month, 2))-\(TOMLDateTime.pad(date.day, 2))" }
            if d.date != nil && d.time != nil { s += "T" }
            if let t = d.time {
                s += "\(TOMLDateTime.pad(t.hour, 2)):\(TOMLDateTime.pad(t.minute, 2)):\(TOMLDateTime.pad(t.second, 2)).\(TOMLDateTime.pad(t.nanosecond / 1000, 6))"
            }
            if let m = d.offsetMinutes { s += "@\(m)" }
            return s
        case .array(let items): return "[" + items.map(canon).joined(separator: ",") + "]"
        case .table(let t): return canon(table: t)
        }
    }

    static func canon(table: [String: TOMLValue]) -> String {
        "{" + table.map { (hex($0.key), $0.value) }.sorted { $0.0 < $1.0 }.map { $0.0 + "=" + canon($0.1) }.joined(separator: ",") + "}"
    }

    static func hex(_ s: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count * 2)
        for b in s.utf8 { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Every file of the TOML and policy fuzz corpora (seeds and crashers).
    static func fuzzCorpus() throws -> [[UInt8]] {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzCorpus")
        var out: [[UInt8]] = []
        for target in ["toml", "policy"] {
            let folder = corpus.appendingPathComponent(target)
            guard let walker = FileManager.default.enumerator(atPath: folder.path) else { continue }
            for case let relative as String in walker {
                let url = folder.appendingPathComponent(relative)
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                out.append(Array(try Data(contentsOf: url)))
            }
        }
        return out
    }

    @Test(.enabled(if: python != nil, "python3 with tomllib (3.11+) is not installed"))
    func agreesWithPythonTomllib() throws {
        let fuzz = try Self.fuzzCorpus()
        #expect(fuzz.count >= 10, "the fuzz corpus was not found")
        let documents = TOMLCorpus.all() + fuzz
        try withTemporaryDirectory { dir in
            for (i, doc) in documents.enumerated() {
                try Data(doc).write(to: URL(fileURLWithPath: "\(dir)/\(String(format: "%05d", i)).toml"))
            }
            try Data(Self.script.utf8).write(to: URL(fileURLWithPath: "\(dir)/check.py"))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try #require(Self.python))
            p.arguments = ["\(dir)/check.py", dir, "\(documents.count)"]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            let expected = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            try #require(expected.count >= documents.count)
            var mismatches: [String] = []
            var accepted = 0
            for (i, doc) in documents.enumerated() {
                let ours: String
                do { ours = "OK " + Self.canon(table: try TOMLReader.parse(doc)) } catch { ours = "ERR" }
                if ours != "ERR" { accepted += 1 }
                if ours != expected[i] {
                    mismatches.append("\(String(decoding: doc, as: UTF8.self).debugDescription): mreg \(ours.prefix(120)), tomllib \(expected[i].prefix(120))")
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) disagreements:\n\(mismatches.prefix(25).joined(separator: "\n"))")
            #expect(documents.count >= 500 && accepted >= 150 && documents.count - accepted >= 150, "\(accepted) of \(documents.count) accepted")
        }
    }
}
