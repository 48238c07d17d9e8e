import Foundation
import GRDB
import MregSupport

extension MLflowStore {
    /// Reads a SQLite tracking store (read-only) after checking its schema revision.
    static func readSQLite(_ path: String, shown: String) throws -> MLflowStore {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RegistryError.notFound(.init(.importFolder, shown))
        }
        let header = (try? handle.read(upToCount: 16)) ?? nil
        try? handle.close()
        guard let header, header == Data("SQLite format 3\u{0}".utf8) else {
            throw notAStore(shown, "not a SQLite database nor a folder")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "mlflow"
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in try readTables(db, path: path, shown: shown) }
        } catch let error as RegistryError {
            throw error
        } catch let error as DatabaseError {
            throw notAStore(shown, "SQLite: \(error.message ?? error.resultCode.description)")
        }
    }

    private static func readTables(_ db: Database, path: String, shown: String) throws -> MLflowStore {
        guard try db.tableExists("alembic_version"), try db.tableExists("model_versions"), try db.tableExists("runs") else {
            throw notAStore(shown, "a SQLite database without MLflow's tables alembic_version, runs and model_versions")
        }
        let revision = try Row.fetchOne(db, sql: "SELECT version_num FROM alembic_version").flatMap { text($0, "version_num") } ?? "(none)"
        guard supportedSchemas.contains(revision) else {
            throw RegistryError.badInput(.unusablePath(action: "import", path: shown,
                problem: "its MLflow schema version is \(Names.escaped(revision)), which mreg cannot read: it reads the stores of MLflow 2.0 to 3.17 (schema revisions \(supportedSchemas.first ?? "")…\(supportedSchemas.last ?? ""), listed in COMMANDS.md 'import mlflow'); use a newer mreg, or a copy migrated with an MLflow in that range"))
        }
        let versionColumns = Set(try db.columns(in: "model_versions").map(\.name))
        let storage = versionColumns.contains("storage_location") ? "storage_location" : "NULL"
        var models = [String: Model]()
        for row in try Row.fetchAll(db, sql: "SELECT name, description FROM registered_models ORDER BY name") {
            guard let name = text(row, "name") else { continue }
            models[name] = Model(name: name, description: nonEmpty(text(row, "description")), versions: [])
        }
        var tags = [String: [String: String]]()
        for row in try Row.fetchAll(db, sql: "SELECT name, version, key, value FROM model_version_tags") {
            guard let name = text(row, "name"), let version = integer(row, "version"), let key = text(row, "key") else { continue }
            tags["\(name)\u{0}\(version)", default: [:]][key] = text(row, "value") ?? ""
        }
        var aliases = [String: [String]]()
        if try db.tableExists("registered_model_aliases") {
            for row in try Row.fetchAll(db, sql: "SELECT name, version, alias FROM registered_model_aliases ORDER BY alias") {
                guard let name = text(row, "name"), let version = integer(row, "version"), let alias = text(row, "alias") else { continue }
                aliases["\(name)\u{0}\(version)", default: []].append(alias)
            }
        }
        var loggedModels = [String: String]()
        if try db.tableExists("logged_models") {
            for row in try Row.fetchAll(db, sql: "SELECT model_id, artifact_location FROM logged_models") {
                if let id = text(row, "model_id"), let location = text(row, "artifact_location") { loggedModels[id] = location }
            }
        }
        var runIDs = Set<String>()
        let rows = try Row.fetchAll(db, sql: """
            SELECT name, version, creation_time, user_id, description, source, run_id, current_stage, \(storage) AS storage_location
            FROM model_versions WHERE current_stage IS NULL OR current_stage != 'Deleted_Internal' ORDER BY name, version
            """)
        for row in rows {
            guard let name = text(row, "name"), let number = integer(row, "version") else { continue }
            let key = "\(name)\u{0}\(number)"
            var version = Version(model: name, version: number, creationTime: integer(row, "creation_time"), user: nonEmpty(text(row, "user_id")),
                                  description: nonEmpty(text(row, "description")), source: nonEmpty(text(row, "source")),
                                  storageLocation: nonEmpty(text(row, "storage_location")), runID: nonEmpty(text(row, "run_id")),
                                  stage: nonEmpty(text(row, "current_stage")), tags: tags[key] ?? [:], aliases: aliases[key] ?? [])
            if let source = version.source, source.hasPrefix("models:/") {
                version.loggedModelLocation = loggedModels[String(source.dropFirst("models:/".count))]
            }
            if let run = version.runID { runIDs.insert(run) }
            models[name, default: Model(name: name, description: nil, versions: [])].versions.append(version)
        }
        var runs = [String: Run]()
        for id in runIDs.sorted() {
            guard let row = try Row.fetchOne(db, sql: "SELECT artifact_uri, user_id FROM runs WHERE run_uuid = ?", arguments: [id]) else { continue }
            var run = Run(id: id, artifactURI: nonEmpty(text(row, "artifact_uri")), user: nonEmpty(text(row, "user_id")))
            for p in try Row.fetchAll(db, sql: "SELECT key, value FROM params WHERE run_uuid = ?", arguments: [id]) {
                if let key = text(p, "key") { run.params[key] = text(p, "value") ?? "" }
            }
            for m in try Row.fetchAll(db, sql: "SELECT key, value, is_nan FROM latest_metrics WHERE run_uuid = ?", arguments: [id]) {
                let isNaN = (integer(m, "is_nan") ?? 0) != 0
                if let key = text(m, "key"), let value = real(m, "value"), !isNaN, value.isFinite { run.metrics[key] = value }
            }
            runs[id] = run
        }
        var store = MLflowStore(kind: .sqlite, path: path, schemaVersion: revision,
                                models: models.values.sorted { $0.name < $1.name }, runs: runs)
        store.allRunIDs = Set(try Row.fetchAll(db, sql: "SELECT run_uuid FROM runs").compactMap { text($0, "run_uuid") })
        return store
    }

    // A column read without GRDB's typed subscripts, which stop the process on a value of
    // another type: a crafted database yields nil instead.

    /// The column's text (a number written out); nil for NULL, a blob or no such column.
    static func text(_ row: Row, _ column: String) -> String? {
        let value: (any DatabaseValueConvertible)? = row[column]
        guard let value else { return nil }
        if let s = value as? String { return s }
        if let i = value as? Int64 { return String(i) }
        if let d = value as? Double { return String(d) }
        return nil
    }

    /// The column's whole number (an integer, an integral real, or digits).
    static func integer(_ row: Row, _ column: String) -> Int64? {
        let value: (any DatabaseValueConvertible)? = row[column]
        guard let value else { return nil }
        if let i = value as? Int64 { return i }
        if let d = value as? Double { return Int64(exactly: d) }
        if let s = value as? String { return Int64(s) }
        return nil
    }

    /// The column's number.
    static func real(_ row: Row, _ column: String) -> Double? {
        let value: (any DatabaseValueConvertible)? = row[column]
        guard let value else { return nil }
        if let d = value as? Double { return d }
        if let i = value as? Int64 { return Double(i) }
        if let s = value as? String { return Double(s) }
        return nil
    }

    /// Nil for nil or empty text.
    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
