import Foundation
import Testing
import MregRegistry
@testable import MregRemote

/// The pack list's parser (FORMAT.md §6.1): its size cap, and a newer version named as the list's.
@Suite struct RemotePackListTests {
    static let name = "pack-" + String(repeating: "ab", count: 32)

    @Test func roundTripsAndDropsRepeatedNames() throws {
        let list = RemotePackList(entries: [.init(name: Self.name, size: 4096)])
        let bytes = list.serialized() + Array("\(Self.name) 4096\n".utf8)
        let parsed = try RemotePackList.parse(bytes, token: "t", where: "s3://b/p")
        #expect(parsed.entries == list.entries && parsed.token == "t")
    }

    @Test func aListOverTheCapIsRefusedNamingItsSizeAndTheFix() throws {
        var bytes = Array("mreg-pack-list 1\n".utf8)
        let line = Array("\(Self.name) 4096\n".utf8)
        while bytes.count <= RemotePackList.maximumBytes { bytes += line }
        do {
            _ = try RemotePackList.parse(bytes, token: nil, where: "s3://b/p")
            Issue.record("an oversized list parsed")
        } catch RegistryError.corrupt(let problem) {
            #expect(problem.reason.contains("\(bytes.count) bytes") && problem.reason.contains("gc --remote"), "\(problem)")
        }
    }

    @Test func aNewerListIsNamedAsThePackListNotTheStore() throws {
        do {
            _ = try RemotePackList.parse(Array("mreg-pack-list 2\n".utf8), token: nil, where: "s3://b/p")
            Issue.record("a newer list parsed")
        } catch RegistryError.refused(let refusal) {
            #expect("\(refusal)".contains("the pack list objects/pack/LIST of s3://b/p has format version 2"), "\(refusal)")
        }
    }
}
