import MregTestSupport
import Foundation
import Testing
import MregStore
@testable import MregSupport
@testable import MregRegistry
@testable import MregIndex

/// The hand-written encoders (manifest file lists, the stat cache, the index string table)
/// against the generic canonical JSON writer they stand in for.
@Suite struct DirectEncodingTests {
    static let texts = ["", "a", "model.safetensors", "é/ü/日本語.bin", "quote\"back\\slash", "tab\tnew\nline\r", "\u{01}\u{1f}\u{7f}",
                        "e\u{301}", "\u{e9}", "emoji 🤖", "/abs/path", "x y"]
    static let details: [JSONValue] = [.null, .object([:]), .object(["tensors": 3, "dtypes": ["F32", "BF16"], "parameters": .int(-12)]),
                                       .object(["é": .double(1e-05), "a": .double(0.1), "z": .array([.bool(true), .null, .string("\u{0}")])]),
                                       .array([.double(123456789.125), .double(-0.0), .int(Int64.min), .int(Int64.max)])]

    static func file(_ i: Int) -> ManifestFile {
        let text = texts[i % texts.count]
        let id = ObjectID(bytes: Array(repeating: UInt8(i & 0xff), count: 32))
        let link = i % 5 == 4
        return ManifestFile(path: "d\(i)/\(text)", mode: link ? ManifestFile.linkMode : i % 3 == 0 ? ManifestFile.executableMode : ManifestFile.fileMode,
                            size: Int64(i * 1000), digest: "sha256:\(text)", object: id, format: i % 2 == 0 ? nil : text,
                            details: details[i % details.count], target: link ? "../\(text)" : nil)
    }

    @Test func manifestFileListsEncodeAsTheGenericWriterDoes() {
        for count in [0, 1, 2, 7, 60] {
            let files = (0..<count).map(Self.file)
            #expect(ManifestFile.canonicalBytes(files) == JSONValue.array(files.map(\.json)).canonicalBytes)
        }
        // Enough files for the generic writer to encode them on several cores.
        let many = (0..<5000).map(Self.file)
        #expect(ManifestFile.canonicalBytes(many) == JSONValue.array(many.map(\.json)).canonicalBytes)
    }

    @Test func manifestBytesAreStillItsCanonicalJSON() {
        let manifest = Manifest(model: "m", message: "é\n", files: (0..<40).map(Self.file), params: ["lr": 0.1, "layers": ["a", 1]],
                                provenance: ["git": ["commit": "abc", "dirty": false]])
        #expect(manifest.encoded.bytes == manifest.json.canonicalBytes)
        #expect(manifest.encoded.contentKey == manifest.contentKey)
    }

    @Test func paramsWithManyListsAndMapsEncodeAsTheGenericWriterDoes() {
        var params = [String: JSONValue]()
        for i in 0..<600 {
            let text = Self.texts[i % Self.texts.count]
            params["t\(i).\(text)"] = switch i % 6 {
            case 0: .array((0..<20).map { .double(Double($0) * 0.1 + Double(i)) })
            case 1: .object(["rows": .int(Int64(i)), "é": .string(text), "nested": .object(["x": .array([])])])
            case 2: .string(text)
            case 3: .double(Double(i) / 7)
            case 4: .array([])
            default: .null
            }
        }
        let manifest = Manifest(model: "m", files: (0..<3).map(Self.file), params: params, metrics: ["acc": .array([0.5, 0.25])])
        let (bytes, key, texts) = manifest.encodedWithParamTexts()
        #expect(bytes == manifest.json.canonicalBytes)
        #expect(key == manifest.contentKey)
        #expect(texts.count == 300)
        for (k, text) in texts { #expect(text == params[k]?.canonical) }
        #expect(Manifest(model: "m").encoded.bytes == Manifest(model: "m").json.canonicalBytes)
    }

    @Test func statCacheEntriesEncodeAsTheGenericWriterDoes() throws {
        var entries = [String: StatCache.Entry]()
        for (i, text) in Self.texts.enumerated() {
            let stamp = StatCache.Stamp(size: Int64(i), mtime: Int64(i) * 1_000_000_007, ctime: -Int64(i), inode: UInt64.max - UInt64(i),
                                        device: UInt64(i) << 40)
            entries["/tmp/\(text)/\(i)"] = StatCache.Entry(stamp: stamp, hashedAt: Int64(i) + 5, object: ObjectID(bytes: Array(repeating: UInt8(i), count: 32)),
                                                          digest: "sha256:\(i)", format: i % 2 == 0 ? nil : text,
                                                          details: Self.details[i % Self.details.count], executesCode: i % 3 == 0)
        }
        for subset in [[String: StatCache.Entry](), entries] {
            #expect(StatCache.encodedBytes(subset) == StatCache.encode(subset).canonicalBytes)
        }
        // And they read back.
        let back = StatCache.decode(try JSONValue.parse(StatCache.encodedBytes(entries)))
        #expect(back.count == entries.count)
        #expect(back.keys.sorted() == entries.keys.sorted())
    }

    @Test func statCacheKeysAreAbsolutePathsWithoutDotComponents() throws {
        try withTemporaryDirectory { dir in
            let cache = StatCache(path: "\(dir)/statcache")
            let cwd = FileManager.default.currentDirectoryPath
            for path in ["\(dir)/a/b/c.txt", "\(dir)/a/./b/../c.txt", "rel/x.bin", "../up/y", "./z", "/top", "plain", "\(dir)/a/b/"] {
                #expect(cache.key(path) == Repository.absolute(path), "\(path) from \(cwd)")
            }
            // A folder's absolute path is reused for its other files.
            #expect(cache.key("rel/other.bin") == Repository.absolute("rel/other.bin"))
        }
    }

    @Test func fileExtensionsAreThoseOfTheLastNonEmptyComponent() {
        for path in ["a/b/model.SafeTensors", "model.bin", "/x/.hidden", "dir.d/file", "a/b/", "a.json//", "///", "", "/", "x/y.tar.gz", "é/日本.YAML"] {
            let name = path.split(separator: "/").last ?? ""
            let expected = name.lastIndex(of: ".").flatMap { $0 == name.startIndex ? nil : name[name.index(after: $0)...].lowercased() } ?? ""
            #expect(FormatDetector.fileExtension(path) == expected, "\(path)")
        }
    }

    @Test func theStringTableSortsByBytesAndKeepsDistinctBytesApart() {
        var table = StringTable()
        let words = ["b", "a", "é", "e\u{301}", "b", "", "Z", "a", "日本", "\u{e9}"]
        let refs = words.map { table.add($0) }
        let (strings, ids) = table.resolve()
        // Sorted by UTF-8 bytes, each distinct byte sequence once (é precomposed and decomposed are two).
        #expect(strings.map { Array($0.utf8) } == ["", "Z", "a", "b", "e\u{301}", "\u{e9}", "日本"].map { Array($0.utf8) })
        for (word, ref) in zip(words, refs) {
            #expect(Array(strings[Int(ids[ref])].utf8) == Array(word.utf8))
        }
        var ascii = StringTable()
        let asciiRefs = ["m", "k", "m", "a"].map { ascii.add($0) }
        let resolved = ascii.resolve()
        #expect(resolved.strings == ["a", "k", "m"])
        #expect(asciiRefs.map { resolved.ids[$0] } == [2, 1, 2, 0])
    }
}
