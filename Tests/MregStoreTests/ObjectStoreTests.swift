import Crypto
import Foundation
import MregTestSupport
import Testing
@testable import MregStore

@Suite("ObjectStore")
struct ObjectStoreTests {
    @Test func writesAndReadsBack() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let payload = Array("hello\n".utf8)
            let first = try store.write(type: .blob, bytes: payload)
            #expect(first.id.hex == "2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4")
            #expect(first.isNew)
            #expect(first.size == 6)
            #expect(first.storedBytes > 0)
            #expect(store.contains(first.id))
            #expect(store.path(for: first.id) == "\(dir)/objects/2c/f8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4")

            let (type, back) = try store.read(first.id)
            #expect(type == .blob)
            #expect(back == payload)
            #expect(try store.read(first.id, as: .blob) == payload)
            #expect(try store.header(of: first.id) == ObjectHeader(type: .blob, size: 6))

            // Writing it again is success, and says it was there.
            let again = try store.write(type: .blob, bytes: payload)
            #expect(again.id == first.id)
            #expect(!again.isNew)
            #expect(again.storedBytes == 0)

            // Loose objects are read-only; nothing else is left in the folder.
            let attributes = try FileManager.default.attributesOfItem(atPath: store.path(for: first.id))
            #expect((attributes[.posixPermissions] as? Int) == 0o444)
            #expect(filesBelow(dir) == ["objects/2c/f8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4"])
            #expect(store.tempFiles().isEmpty)
            #expect(store.allObjectIDs() == [first.id])
        }
    }

    @Test func storesEveryMregType() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            for type in ObjectType.mregTypes {
                let payload = Array("{\"type\":\"\(type)\"}".utf8)
                let result = try store.write(type: type, bytes: payload)
                #expect(result.id == ObjectID.compute(type: type, payload: payload))
                #expect(try store.read(result.id).type == type)
                let wrong: ObjectType = type == .blob ? .event : .blob
                // A link to an object of another type is damage (exit 4), not bad input.
                let error = #expect(throws: StoreError.self) { try store.read(result.id, as: wrong) }
                #expect(error?.code == .corrupt)
            }
            #expect(store.allObjectIDs().count == 4)
        }
    }

    @Test func writtenBytesAreOneZlibStreamOfHeaderAndPayload() throws {
        try withTemporaryDirectory { dir in
            for level in [Int32(0), 6] {
                let store = makeObjectStore(in: "\(dir)/\(level)", compression: .level(level))
                let payload = Array("what is up, doc?".utf8)
                let id = try store.write(type: .blob, bytes: payload).id
                let raw = try inflate(readBytes(store.path(for: id)))
                #expect(raw == Array("blob 16\0what is up, doc?".utf8))
                #expect(Hex.encode(SHA256.hash(data: raw)) == id.hex)
            }
        }
    }

    @Test func streamsLargePayloadsAcrossBufferBoundaries() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let payload = randomBytes(2 * ObjectStore.bufferSize + 12345)
            let file = "\(dir)/input.bin"
            try writeBytes(payload, to: file)
            let result = try store.write(type: .blob, file: file, contentDigest: true)
            #expect(result.id == ObjectID.compute(type: .blob, payload: payload))
            #expect(result.size == Int64(payload.count))
            #expect(result.contentDigest == "sha256:" + Hex.encode(SHA256.hash(data: payload)))
            // The static hash agrees without writing.
            var offset = 0
            let hashed = try ObjectStore.hash(type: .blob, size: Int64(payload.count)) { buf in
                let n = min(buf.count, payload.count - offset)
                payload.withUnsafeBytes { buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + n])) }
                offset += n
                return n
            }
            #expect(hashed == result.id)
            // Read back in pieces, verified at the end.
            let reader = try store.openReader(result.id)
            var back = [UInt8]()
            var pieces = 0
            while let piece = try reader.next() { back += piece; pieces += 1 }
            #expect(pieces > 1)
            #expect(back == payload)
            #expect(try reader.next() == nil)
        }
    }

    @Test func refusesASourceThatDoesNotMatchItsSize() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let short = #expect(throws: StoreError.self) {
                try store.write(type: .blob, size: 10) { _ in 0 }
            }
            #expect(short?.code == .invalid)
            let long = #expect(throws: StoreError.self) {
                try store.write(type: .blob, size: 3) { buf in buf.initializeMemory(as: UInt8.self, repeating: 1); return buf.count }
            }
            #expect(long?.code == .invalid)
            #expect(store.tempFiles().isEmpty)
            #expect(store.allObjectIDs().isEmpty)
            #expect(filesBelow(dir).isEmpty)
        }
    }

    @Test func readingAMissingObjectSaysNotFound() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let id = ObjectID.compute(type: .blob, payload: [1, 2, 3])
            let error = #expect(throws: StoreError.self) { try store.read(id) }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains(id.hex) == true)
        }
    }

    @Test func readLimitRefusesHugePayloadsInMemory() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let id = try store.write(type: .blob, bytes: randomBytes(4096)).id
            let error = #expect(throws: StoreError.self) { try store.openReader(id).readAll(limit: 1000) }
            #expect(error?.code == .invalid)
        }
    }

    // MARK: damaged objects

    /// Writes `payload` at level 0 and returns the store, id and path of the object.
    func storedObject(in dir: String, payload: [UInt8]) throws -> (ObjectStore, ObjectID, String) {
        let store = makeObjectStore(in: dir, compression: .level(0))
        let id = try store.write(type: .blob, bytes: payload).id
        let path = store.path(for: id)
        _ = chmod(path, 0o644)
        return (store, id, path)
    }

    @Test func detectsAFlippedPayloadByteByItsHash() throws {
        try withTemporaryDirectory { dir in
            let payload = Array("payload stored in the clear, so a flipped byte is still valid deflate\n".utf8)
            let (store, id, path) = try storedObject(in: dir, payload: payload)
            var bytes = try readBytes(path)
            let at = try #require(bytes.firstRange(of: Array("clear".utf8))).lowerBound
            bytes[at] ^= 0x20   // "clear" -> "Clear"
            fixAdler32(&bytes)  // keep zlib happy: only the id check can see it now
            try writeBytes(bytes, to: path)
            #expect(try inflate(bytes).count == ObjectHeader(type: .blob, size: Int64(payload.count)).encoded.count + payload.count)  // still valid zlib
            let error = #expect(throws: StoreError.self) { try store.read(id) }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("hash mismatch") == true)
            #expect(error?.message.contains(id.abbreviated()) == true)
        }
    }

    @Test func detectsAFlippedByteInTheZlibStream() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir, compression: .level(6))
            let id = try store.write(type: .blob, bytes: textBytes(lines: 200)).id
            let path = store.path(for: id)
            var bytes = try readBytes(path)
            for at in [bytes.count / 3, bytes.count / 2, bytes.count - 2] {
                var damaged = bytes
                damaged[at] ^= 0x01
                try writeBytes(damaged, to: path)
                let error = #expect(throws: StoreError.self) { try store.read(id) }
                #expect(error?.code == .corrupt)
            }
            bytes[0] ^= 0xff   // not even a zlib header
            try writeBytes(bytes, to: path)
            #expect(storeErrorCode { _ = try store.read(id) } == .corrupt)
        }
    }

    @Test func detectsTruncationAndTrailingGarbage() throws {
        try withTemporaryDirectory { dir in
            let (store, id, path) = try storedObject(in: dir, payload: textBytes(lines: 100))
            let bytes = try readBytes(path)
            for length in [0, 1, 2, 10, bytes.count / 2, bytes.count - 1] {
                try writeBytes(Array(bytes.prefix(length)), to: path)
                let error = #expect(throws: StoreError.self) { try store.read(id) }
                #expect(error?.code == .corrupt, "truncated to \(length) bytes")
            }
            try writeBytes(bytes + [0], to: path)
            #expect(storeErrorCode { _ = try store.read(id) } == .corrupt)
        }
    }

    @Test func detectsAnObjectStoredUnderTheWrongName() throws {
        try withTemporaryDirectory { dir in
            let (store, id, path) = try storedObject(in: dir, payload: Array("right\n".utf8))
            let other = ObjectID.compute(type: .blob, payload: Array("wrong\n".utf8))
            try writeBytes(try readBytes(path), to: store.path(for: other))
            let error = #expect(throws: StoreError.self) { try store.read(other) }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains(id.hex) == true)  // it says what the content hashes to
            #expect(try store.read(id).payload == Array("right\n".utf8))
        }
    }

    @Test(arguments: [
        "blob 5\0abc",          // shorter than its header says
        "blob 1\0abc",          // longer
        "blob x\0",             // size not a number
        "blob 01\0a",           // leading zero
        "blob -1\0",
        "blob\0",
        "bogus 0\0",            // unknown type
        "blob 3 \0abc",
    ])
    func refusesMalformedHeaders(_ raw: String) throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let bytes = Array(raw.utf8)
            let id = ObjectID(digest: SHA256.hash(data: bytes))   // named right, so only the format is wrong
            try writeBytes(try Deflater.compress(bytes, level: 6), to: store.path(for: id))
            #expect(storeErrorCode { _ = try store.read(id) } == .corrupt)
        }
    }

    // MARK: prefix resolution

    /// "131\n" and "329\n" are blobs whose ids both start with c158.
    static let clash = (Array("131\n".utf8), Array("329\n".utf8))

    @Test func resolvesPrefixes() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let a = try store.write(type: .blob, bytes: Self.clash.0).id
            let b = try store.write(type: .blob, bytes: Self.clash.1).id
            let hello = try store.write(type: .blob, bytes: Array("hello\n".utf8)).id
            #expect(a.abbreviated(4) == "c158" && b.abbreviated(4) == "c158")
            #expect(a.abbreviated(5) != b.abbreviated(5))

            #expect(try store.resolve(prefix: "2cf8") == hello)
            #expect(try store.resolve(prefix: "2CF8D83D") == hello)
            #expect(try store.resolve(prefix: hello.hex) == hello)
            #expect(try store.resolve(prefix: a.abbreviated(5)) == a)
            #expect(try store.resolve(prefix: b.abbreviated(12)) == b)
            #expect(store.matches(prefix: "c158") == [a, b].sorted())
        }
    }

    @Test(arguments: [
        ("c158", StoreError.Code.ambiguous),
        ("c15", .invalid),           // too short
        ("c", .invalid),
        ("", .invalid),
        ("c15g", .invalid),          // not hex
        ("refs/x", .invalid),
        ("ffff", .notFound),
        ("2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb5", .notFound),  // full id, absent
        ("2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb40", .invalid), // 65 digits
    ])
    func refusesBadPrefixes(_ prefix: String, _ code: StoreError.Code) throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            try store.write(type: .blob, bytes: Self.clash.0)
            try store.write(type: .blob, bytes: Self.clash.1)
            try store.write(type: .blob, bytes: Array("hello\n".utf8))
            let error = #expect(throws: StoreError.self) { try store.resolve(prefix: prefix) }
            #expect(error?.code == code)
            if code == .ambiguous {
                #expect(error?.message.contains("c158a1b7eb2a") == true)
                #expect(error?.message.contains("c158d07949c0") == true)
            }
        }
    }

    @Test func listsEntriesAndTempFiles() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let id = try store.write(type: .blob, bytes: [1]).id
            try writeBytes([0], to: "\(dir)/objects/\(ObjectStore.tempPrefix)123_abc")
            try writeBytes([0], to: "\(dir)/objects/ab/not-an-object")
            #expect(store.tempFiles() == ["\(dir)/objects/\(ObjectStore.tempPrefix)123_abc"])
            #expect(store.allObjectIDs() == [id])
            #expect(store.looseEntries().count == 2)
        }
    }
}

// MARK: zlib helpers for tests

/// Inflates a whole zlib stream with the store's own inflater, requiring it to end.
func inflate(_ bytes: [UInt8]) throws -> [UInt8] {
    let inflater = try Inflater()
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    var offset = 0
    while !inflater.finished {
        let (used, made) = try bytes.withUnsafeBytes { input in
            try chunk.withUnsafeMutableBytes { try inflater.inflate(UnsafeRawBufferPointer(rebasing: input[offset...]), into: $0) }
        }
        offset += used
        out += chunk[..<made]
        if used == 0 && made == 0 && !inflater.finished { throw StoreError.corruptData("zlib stream ends early") }
    }
    return out
}


@Suite("ObjectStore folders and buffers")
struct ObjectStoreFolderTests {
    @Test func foldersAreMadeWhenMissingAndExistingObjectsAreKept() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            // No objects folder yet: the first write makes it and the fan-out folder.
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/objects"))
            let first = try store.write(type: .blob, bytes: Array("one\n".utf8))
            #expect(first.isNew)
            #expect(try store.read(first.id).payload == Array("one\n".utf8))
            // A fan-out folder removed behind the store's back is made again.
            try FileManager.default.removeItem(atPath: (store.path(for: first.id) as NSString).deletingLastPathComponent)
            let again = try store.write(type: .blob, bytes: Array("one\n".utf8))
            #expect(again.isNew)
            #expect(store.contains(first.id))
            // Written once more: there already, no temp file left behind.
            #expect(try !store.write(type: .blob, bytes: Array("one\n".utf8)).isNew)
            #expect(filesBelow("\(dir)/objects").count == 1)
        }
    }

    @Test func aSmallOutputBufferStillCompressesEverything() throws {
        // Output far larger than the buffer an expected size of 10 bytes gets.
        var bytes = [UInt8]()
        var x: UInt32 = 12345
        for _ in 0..<300_000 { x = x &* 1_103_515_245 &+ 12345; bytes.append(UInt8(truncatingIfNeeded: x >> 16)) }
        let d = try Deflater(level: 6, expectedInput: 10)
        var out = [UInt8]()
        var pieces = 0
        try bytes.withUnsafeBytes { try d.compress($0, sink: { out.append(contentsOf: $0); pieces += 1 }) }
        try d.finish(sink: { out.append(contentsOf: $0); pieces += 1 })
        #expect(pieces > 1)
        #expect(out == (try Deflater.compress(bytes, level: 6)))
    }
}
