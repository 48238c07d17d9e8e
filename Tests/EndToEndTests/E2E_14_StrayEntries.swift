import MregTestSupport
import Foundation
import Testing

/// Files and folders under `refs/models/` that are not models (left by Finder, NFS, a crash,
/// a person) are skipped by every command that lists models; none of them may crash mreg.
@Suite("E2E 14: stray entries under refs/models")
struct StrayEntryTests {
    /// `.DS_Store` and `.nfs…` files, a `x.lock` folder and a folder with a name that is not a
    /// model name (both holding a head that names a real event), and a plain file.
    static func addStrayEntries(_ dir: String, head: String) throws {
        let models = "\(dir)/.mreg/refs/models"
        try writeFile("\(models)/.DS_Store", [0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31])
        try writeFile("\(models)/.nfs000000000000123400000001", "stale NFS handle")
        try writeFile("\(models)/x.lock/head", head + "\n")
        try writeFile("\(models)/Bad Name/head", head + "\n")
        try writeFile("\(models)/.hidden/head", head + "\n")
        try writeFile("\(models)/notes", "not a model\n")
    }

    @Test func everyCommandThatListsModelsSkipsThem() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "weights")
            try mreg.run(["register", "m", "w.bin", "-M", "auc=0.9"], cwd: dir).succeeded()
            try mreg.run(["promote", "m@1", "staging"], cwd: dir).succeeded()
            let head = try mreg.run(["rev-parse", "refs/models/m/head"], cwd: dir).succeeded().output
            try Self.addStrayEntries(dir, head: head)
            try FileManager.default.removeItem(atPath: "\(dir)/.mreg/index")  // list and search rebuild it from refs

            let list = try mreg.run(["list"], cwd: dir).succeeded()
            #expect(list.lines.count == 2 && list.stdout.contains("m "), "\(list)")
            #expect(!list.stdout.contains("Bad") && !list.stdout.contains("x.lock") && !list.stdout.contains("notes"), "\(list)")
            let log = try mreg.run(["log", "--oneline"], cwd: dir).succeeded()
            #expect(log.lines.count == 2, "\(log)")
            let search = try mreg.run(["search", "metrics.auc > 0.5"], cwd: dir).succeeded()
            #expect(search.lines.count == 2 && search.stdout.contains("m"), "\(search)")
            let verify = try mreg.run(["verify"], cwd: dir).succeeded()
            #expect(verify.stdout.contains("m ok"), "\(verify)")
            try mreg.run(["reindex"], cwd: dir).succeeded()
            try mreg.run(["show", "m"], cwd: dir).succeeded()

            // fsck checks m's chain; of the strays only the plain file (a ref that holds no id) is an error.
            let fsck = try mreg.run(["fsck", "--no-dangling"], cwd: dir)
            #expect(fsck.status == 4, "\(fsck)")
            let errors = fsck.lines.filter { $0.hasPrefix("error") }
            #expect(errors.count == 1 && errors.allSatisfy { $0.contains("refs/models/notes") }, "\(fsck)")
            try FileManager.default.removeItem(atPath: "\(dir)/.mreg/refs/models/notes")
            let clean = try mreg.run(["fsck", "--no-dangling"], cwd: dir)
            #expect(clean.status == 0, "\(clean)")
        }
    }
}
