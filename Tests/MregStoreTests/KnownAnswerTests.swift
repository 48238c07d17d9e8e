import MregTestSupport
import Crypto
import Testing
@testable import MregStore

/// Loose objects exactly as git wrote them in a repository made with
/// `git init --object-format=sha256` (git 2.39, `git hash-object -w`, `git write-tree`):
/// the bytes of `.git/objects/xx/yyy…`, as libgit2 keeps them in `tests/libgit2/odb/loose_data.h`.
/// mreg must read them back to the same type, payload and id, whatever zlib it links.
struct KnownAnswer: Sendable, CustomTestStringConvertible {
    var name: String
    var id: String
    var type: String
    var payload: [UInt8]
    var compressed: [UInt8]
    var testDescription: String { name }
}

let knownAnswers: [KnownAnswer] = [
    KnownAnswer(
        name: "empty blob",
        id: "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813",
        type: "blob", payload: [],
        compressed: [0x78, 0x01, 0x4b, 0xca, 0xc9, 0x4f, 0x52, 0x30, 0x60, 0x00, 0x00, 0x09, 0xb0, 0x01, 0xf0]),
    KnownAnswer(
        name: "hello",
        id: "2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4",
        type: "blob", payload: Array("hello\n".utf8),
        compressed: [0x78, 0x01, 0x4b, 0xca, 0xc9, 0x4f, 0x52, 0x30, 0x63, 0xc8, 0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02,
                     0x00, 0x1d, 0xc5, 0x04, 0x14]),
    KnownAnswer(
        name: "libgit2's 'what is up, doc?'",
        id: "7561bda2ad0a17be8fee9d1815a0896b80ebafddaf26cf30c228e9b320513033",
        type: "blob", payload: Array("what is up, doc?".utf8),
        compressed: [0x78, 0x01, 0x4b, 0xca, 0xc9, 0x4f, 0x52, 0x30, 0x34, 0x63, 0x28, 0xcf, 0x48, 0x2c, 0x51, 0xc8,
                     0x2c, 0x56, 0x28, 0x2d, 0xd0, 0x51, 0x48, 0xc9, 0x4f, 0xb6, 0x07, 0x00, 0x5f, 0x1c, 0x07, 0x9d]),
    KnownAnswer(
        name: "blob at core.compression 0 (stored block)",
        id: "c42d29ba8ec2bc96226546173edc63b682a7109624825d93fa42f8885280b336",
        type: "blob", payload: Array("stored blocks, level 0\n".utf8),
        compressed: [0x78, 0x01, 0x01, 0x1f, 0x00, 0xe0, 0xff, 0x62, 0x6c, 0x6f, 0x62, 0x20, 0x32, 0x33, 0x00, 0x73,
                     0x74, 0x6f, 0x72, 0x65, 0x64, 0x20, 0x62, 0x6c, 0x6f, 0x63, 0x6b, 0x73, 0x2c, 0x20, 0x6c, 0x65,
                     0x76, 0x65, 0x6c, 0x20, 0x30, 0x0a, 0xa6, 0x0a, 0x0a, 0x12]),
    KnownAnswer(
        name: "git tree holding hello.txt",
        id: "c7187e8fdb691b3a692e5f3f0bbcb6359e5046285225f18f9773d4fe54268c55",
        type: "tree",
        payload: Array("100644 hello.txt\0".utf8) + Hex.decode("2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4")!,
        compressed: [0x78, 0x01, 0x01, 0x39, 0x00, 0xc6, 0xff, 0x74, 0x72, 0x65, 0x65, 0x20, 0x34, 0x39, 0x00, 0x31,
                     0x30, 0x30, 0x36, 0x34, 0x34, 0x20, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2e, 0x74, 0x78, 0x74, 0x00,
                     0x2c, 0xf8, 0xd8, 0x3d, 0x9e, 0xe2, 0x95, 0x43, 0xb3, 0x4a, 0x87, 0x72, 0x74, 0x21, 0xfd, 0xec,
                     0xb7, 0xe3, 0xf3, 0xa1, 0x83, 0xd3, 0x37, 0x63, 0x90, 0x25, 0xde, 0x57, 0x6d, 0xb9, 0xeb, 0xb4,
                     0x72, 0x95, 0x1a, 0x01]),
]

@Suite("Known-answer loose objects")
struct KnownAnswerTests {
    @Test func theEmptyBlobID() {
        #expect(ObjectID.compute(type: .blob, payload: []).hex
                == "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813")
    }

    @Test(arguments: knownAnswers)
    func vectorIsSelfConsistent(_ vector: KnownAnswer) throws {
        // The committed bytes inflate to `<type> <size>\0<payload>`, whose SHA-256 is the id.
        let raw = try inflate(vector.compressed)
        #expect(raw == Array("\(vector.type) \(vector.payload.count)\0".utf8) + vector.payload)
        #expect(Hex.encode(SHA256.hash(data: raw)) == vector.id)
    }

    @Test(arguments: knownAnswers)
    func mregReadsGitsBytes(_ vector: KnownAnswer) throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let id = try ObjectID(hex: vector.id)
            try writeBytes(vector.compressed, to: store.path(for: id))
            let (type, payload) = try store.read(id)
            #expect(type.rawValue == vector.type)
            #expect(payload == vector.payload)
            #expect(try store.header(of: id) == ObjectHeader(type: ObjectType(rawValue: vector.type), size: Int64(vector.payload.count)))
            #expect(try store.resolve(prefix: String(vector.id.prefix(6))) == id)
        }
    }

    @Test(arguments: knownAnswers.filter { $0.type == "blob" })
    func mregWritesTheSameIDs(_ vector: KnownAnswer) throws {
        try withTemporaryDirectory { dir in
            for level in [Int32(0), 1, 6] {
                let store = makeObjectStore(in: "\(dir)/\(level)", compression: .level(level))
                let result = try store.write(type: .blob, bytes: vector.payload)
                #expect(result.id.hex == vector.id)
                // mreg's bytes need not equal git's, but must inflate to the same thing.
                let raw = try inflate(readBytes(store.path(for: result.id)))
                #expect(raw == (try inflate(vector.compressed)))
            }
        }
    }
}
