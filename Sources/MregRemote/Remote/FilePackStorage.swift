import Foundation
import MregStore
#if canImport(Glibc)
import Glibc
#endif
import SystemPackage
import MregSupport
import MregRegistry

/// The packs of a filesystem remote: its store's own `objects/pack/` folder, where a push
/// renames a pack and then its index into place (so the remote's readers see it at once),
/// and `objects/pack/LIST`, replaced under `objects/pack/LIST.lock` by temp file and rename.
struct FilePackStorage: RemotePackStorage {
    let location: RemoteLocation
    let objects: ObjectStore

    var folder: String { "\(objects.directory)/pack" }
    var listPath: String { "\(folder)/LIST" }
    /// The remote's own modes (`core.sharedRepository`).
    var dirMode: mode_t { objects.sharedGroup ? 0o2775 : 0o755 }
    var fileMode: mode_t { objects.sharedGroup ? 0o664 : 0o644 }

    func readPackList() throws -> RemotePackList? {
        RemoteRequests.note()
        guard let data = FileManager.default.contents(atPath: listPath) else {
            if FileManager.default.fileExists(atPath: listPath) {
                throw RegistryError.io(.init("read", listPath, reason: "the pack list cannot be read"))
            }
            return nil
        }
        return try RemotePackList.parse(Array(data), token: nil, where: "\(location)")
    }

    func writePackList(_ new: RemotePackList, replacing old: RemotePackList?) throws -> RemotePackList? {
        try writePackList(new, replacingBytes: old?.serialized())
    }

    /// Replaces the list whose bytes are `expected` (nil: there is none) by `new`, under the lock.
    func writePackList(_ new: RemotePackList, replacingBytes expected: [UInt8]?) throws -> RemotePackList? {
        RemoteRequests.note()
        try FileSystem.makeDirectories(FilePath(folder), mode: dirMode)
        let lock: LockFile
        let deadline = Date().addingTimeInterval(30)
        var attempt = 0
        while true {
            attempt += 1
            do {
                lock = try LockFile(for: listPath, mode: fileMode)
                break
            } catch let e as StoreError where e.code == .locked {
                if e.isStaleLock || Date() > deadline { throw e }
                usleep(UInt32(min(50_000, 2_000 * attempt)) + UInt32.random(in: 0...2_000))
            }
        }
        defer { lock.release() }
        let current = FileManager.default.contents(atPath: listPath).map { Array($0) }
        guard current == expected else { return nil }
        let temp = "\(objects.directory)/\(ObjectStore.tempPrefix)list_\(getpid())_\(UInt64.random(in: 0...UInt64.max))"
        guard FileManager.default.createFile(atPath: temp, contents: Data(new.serialized())) else {
            throw RegistryError.io(.init("write", temp, reason: "the pack list cannot be written"))
        }
        do {
            FileSystem.setPermissions(FilePath(temp), fileMode)
            try FileSystem.move(FilePath(temp), to: FilePath(listPath))
        } catch {
            unlink(temp)
            throw error
        }
        return RemotePackList(entries: new.entries)
    }

    /// Repairs the list (`gc --remote`): drops the packs no longer in the folder (a gc of the
    /// remote store merged them; their objects are in the pack that replaced them, which readers
    /// of the store see); a damaged list is rebuilt from every pack in the folder.
    ///
    /// - Returns: what was wrong and repaired (or, with `dryRun`, would be).
    func repairPackList(dryRun: Bool) throws -> [String] {
        let would = dryRun ? "would be " : ""
        for _ in 0..<100 {
            guard let data = FileManager.default.contents(atPath: listPath) else { return [] }
            var problems = [String]()
            var kept = RemotePackList()
            do {
                let list = try RemotePackList.parse(Array(data), token: nil, where: "\(location)")
                for entry in list.entries {
                    if FileManager.default.fileExists(atPath: "\(folder)/\(entry.name).idx") && FileManager.default.fileExists(atPath: "\(folder)/\(entry.name).pack") {
                        kept.entries.append(entry)
                    } else {
                        problems.append("\(entry.name) \(would)dropped from the pack list: it is no longer in objects/pack/")
                    }
                }
            } catch RegistryError.corrupt(let problem) {
                problems.append("the pack list objects/pack/LIST is damaged (\(problem.reason)); it \(dryRun ? "would be" : "was") rebuilt from the packs present")
                let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                for file in files.sorted() where file.hasSuffix(".pack") {
                    let name = String(file.dropLast(5))
                    guard RemotePackList.isPackName(name), FileManager.default.fileExists(atPath: "\(folder)/\(name).idx"),
                          let size = (try? FileManager.default.attributesOfItem(atPath: "\(folder)/\(file)"))?[.size] as? Int64 else { continue }
                    kept.entries.append(.init(name: name, size: size))
                }
            }
            if problems.isEmpty || dryRun { return problems }
            if try writePackList(kept, replacingBytes: Array(data)) != nil { return problems }
        }
        throw RegistryError.conflict(.headMoved(model: "objects/pack/LIST", remote: "\(location)", detail: "the pack list kept changing while gc checked it; run `mreg gc --remote` again"))
    }

    func uploadPack(_ pack: Pack) throws {
        RemoteRequests.note(2)
        try FileSystem.makeDirectories(FilePath(folder), mode: dirMode)
        for (source, suffix) in [(pack.packPath.string, "pack"), (pack.indexPath.string, "idx")] {
            let target = "\(folder)/\(pack.name).\(suffix)"
            if FileManager.default.fileExists(atPath: target) { continue }
            let temp = "\(objects.directory)/\(ObjectStore.tempPrefix)recvpack_\(getpid())_\(UInt64.random(in: 0...UInt64.max))"
            do {
                try FileManager.default.copyItem(atPath: source, toPath: temp)
                FileSystem.setPermissions(FilePath(temp), 0o444)
                let file = try OpenFile.forReading(FilePath(temp))
                try? file.sync()
                file.close()
                try FileSystem.move(FilePath(temp), to: FilePath(target))
            } catch {
                unlink(temp)
                throw RegistryError.io(.init("copy the pack into", target, reason: "\(error)"))
            }
        }
        objects.packSet.reload()
    }

    func readPackIndex(name: String) throws -> [UInt8]? {
        RemoteRequests.note()
        return FileManager.default.contents(atPath: "\(folder)/\(name).idx").map { Array($0) }
    }

    func downloadPack(name: String, to path: String) throws -> Bool {
        RemoteRequests.note()
        let source = "\(folder)/\(name).pack"
        guard FileManager.default.fileExists(atPath: source) else { return false }
        try FileManager.default.copyItem(atPath: source, toPath: path)
        return true
    }

    func readPackRange(name: String, offset: Int64, length: Int64) throws -> [UInt8]? {
        RemoteRequests.note()
        guard let file = try? OpenFile.forReadingRegularFile(FilePath("\(folder)/\(name).pack")) else { return nil }
        defer { file.close() }
        var out = [UInt8](repeating: 0, count: Int(length))
        guard try out.withUnsafeMutableBytes({ try file.readFully(atOffset: offset, into: $0) }) == out.count else { return nil }
        return out
    }
}
