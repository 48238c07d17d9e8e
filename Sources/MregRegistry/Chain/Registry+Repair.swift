import MregStore

extension Registry {
    /// What `fsck --repair` does before it checks: removes stale locks and temp files older
    /// than the grace (`Repository.removeLeftovers`), then rewrites every model's derived
    /// refs that differ from its chain. Returns what it did, as findings.
    func repair() -> [FsckReport.Finding] {
        var done = FsckReport()
        done.add(repository.removeLeftovers())
        for model in (try? models()) ?? [] {
            guard let state = try? self.state(of: model) else { continue }
            // A chain with a name the rules refuse cannot be checked in full; its other refs are still synced.
            let wrong = try? derivedRefProblems(of: state)
            if wrong?.isEmpty == true { continue }
            do {
                try syncDerivedRefs(model: model)
                // A ref whose lock another process holds (or one too young to call stale) is left as it was.
                let left = (try? derivedRefProblems(of: state)) ?? []
                let fixed = wrong.map { $0.count - left.count }
                if fixed.map({ $0 > 0 }) ?? true {
                    done.add(.info, "derived", "repaired \(fixed.map { "\($0) " } ?? "")derived ref(s) of \(model) from its event chain")
                }
                if !left.isEmpty {
                    done.add(.warning, "derived", "could not repair \(left.count) derived ref(s) of \(model) (\(left[0])): a lock may be held; run 'mreg fsck --repair' again once it is released or stale")
                }
            } catch {
                done.add(.error, "derived", "cannot repair the derived refs of \(model): \(error)")
            }
        }
        return done.findings
    }

    /// How a model's derived refs (`versions/`, `stages/`, `tags/`) differ from what its chain
    /// implies, one line each: a missing, wrong or damaged ref, or one that should not exist.
    package func derivedRefProblems(of state: ModelState) throws -> [String] {
        let wanted = try derivedRefs(of: state)
        let head = try Self.headRef(state.model)
        let wantedSet = Dictionary(wanted, uniquingKeysWith: { a, _ in a })
        var problems = [String]()
        for (name, id) in wanted {
            switch Result(catching: { try refs.read(name) }) {
            case .success(id): continue
            case .success(nil): problems.append("\(name) is missing: it should be \(id.abbreviated())")
            case .success(let other?): problems.append("\(name) is \(other.abbreviated()): it should be \(id.abbreviated())")
            case .failure: problems.append("\(name) is damaged: it should be \(id.abbreviated())")
            }
        }
        for entry in refs.scan(prefix: "refs/models/\(state.model)/") {
            switch entry {
            case .ref(let name, _), .corrupt(let name, _):
                if name != head && wantedSet[name] == nil { problems.append("\(name) should not exist") }
            case .lock, .stray:
                continue
            }
        }
        return problems
    }
}

extension FsckReport {
    /// Records what a repair removed: stale locks and old temp files.
    mutating func add(_ cleanup: Repository.LeftoverCleanup) {
        for lock in cleanup.locks {
            add(.info, "lock", "removed stale lock '\(lock)'")
        }
        for temp in cleanup.temps {
            add(.info, "temp", "removed leftover temp file '\(temp)'")
        }
        for path in cleanup.emptyObjects {
            add(.info, "empty", "removed empty object file '\(path)' (a write a crash cut off); if anything refers to it, it is now reported missing: fetch it again or register the files again")
        }
    }
}
