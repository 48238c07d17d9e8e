import Crypto
import MregStore
import MregSupport

/// Tensor-level differences between the safetensors files of two versions.
///
/// A tensor is unchanged when its bytes are: decided from chunk ids when both
/// files were chunked on tensor boundaries (no reading), else by hashing the
/// tensor's byte range on both sides.
public struct TensorDiff: Sendable {
    public struct TensorInfo: Sendable, Equatable {
        public var name: String
        public var dtype: String
        public var shape: [Int64]
        public var parameters: Int64
        var json: JSONValue {
            .object(["name": .string(name), "dtype": .string(dtype), "shape": .array(shape.map { .int($0) }), "parameters": .int(parameters)])
        }
    }

    public struct FileDiff: Sendable {
        public var path: String
        public var added: [TensorInfo] = []
        public var removed: [TensorInfo] = []
        public var reshaped: [(old: TensorInfo, new: TensorInfo)] = []
        public var changed: [TensorInfo] = []
        public var unchanged: [TensorInfo] = []

        public var changedParameters: Int64 {
            (added + changed).reduce(0) { $0 + $1.parameters } + reshaped.reduce(0) { $0 + $1.new.parameters }
        }
        public var totalParameters: Int64 {
            (added + changed + unchanged).reduce(0) { $0 + $1.parameters } + reshaped.reduce(0) { $0 + $1.new.parameters }
        }
        public var hasDifferences: Bool { !(added.isEmpty && removed.isEmpty && reshaped.isEmpty && changed.isEmpty) }

        public func json(all: Bool) -> JSONValue {
            var o: [String: JSONValue] = [
                "added": .array(added.map(\.json)),
                "removed": .array(removed.map(\.json)),
                "reshaped": .array(reshaped.map { .object(["name": .string($0.new.name), "old": $0.old.json, "new": $0.new.json]) }),
                "changed": .array(changed.map(\.json)),
                "unchanged_count": .int(Int64(unchanged.count)),
                "changed_parameters": .int(changedParameters),
                "total_parameters": .int(totalParameters),
            ]
            if all { o["unchanged"] = .array(unchanged.map(\.json)) }
            return .object(o)
        }
    }

    public var files: [FileDiff]

    public var hasDifferences: Bool { files.contains { $0.hasDifferences } }

    public func json(all: Bool) -> JSONValue {
        .object(Dictionary(files.map { ($0.path, $0.json(all: all)) }, uniquingKeysWith: { a, _ in a }))
    }
}

extension Registry {
    /// Compares the safetensors files present at the same path in both versions
    /// (a safetensors file only on one side counts all its tensors as added or removed).
    public func tensorDiff(old a: Manifest, new b: Manifest) throws -> TensorDiff {
        let oldFiles = Dictionary(a.files.filter { $0.format == "safetensors" }.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
        let newFiles = Dictionary(b.files.filter { $0.format == "safetensors" }.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
        var out = [TensorDiff.FileDiff]()
        for path in Set(oldFiles.keys).union(newFiles.keys).sorted() {
            let o = try oldFiles[path].map(tensorLayout), n = try newFiles[path].map(tensorLayout)
            var d = TensorDiff.FileDiff(path: path)
            let oldByName = Dictionary((o?.tensors ?? []).map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
            let newByName = Dictionary((n?.tensors ?? []).map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
            func info(_ t: SafetensorsHeader.Tensor) -> TensorDiff.TensorInfo {
                TensorDiff.TensorInfo(name: t.name, dtype: t.dtype, shape: t.shape, parameters: t.parameters)
            }
            var compare = [(SafetensorsHeader.Tensor, SafetensorsHeader.Tensor)]()
            for name in Set(oldByName.keys).union(newByName.keys).sorted() {
                switch (oldByName[name], newByName[name]) {
                case (nil, let t?): d.added.append(info(t))
                case (let t?, nil): d.removed.append(info(t))
                case (let x?, let y?):
                    if x.dtype != y.dtype || x.shape != y.shape { d.reshaped.append((info(x), info(y))) } else { compare.append((x, y)) }
                default: break
                }
            }
            if let o, let n, let oldFile = oldFiles[path], let newFile = newFiles[path], !compare.isEmpty {
                let oldKeys = try tensorKeys(file: oldFile, layout: o, tensors: compare.map(\.0))
                let newKeys = try tensorKeys(file: newFile, layout: n, tensors: compare.map(\.1))
                for (i, pair) in compare.enumerated() {
                    if oldKeys[i] == newKeys[i] { d.unchanged.append(info(pair.1)) } else { d.changed.append(info(pair.1)) }
                }
            }
            out.append(d)
        }
        return TensorDiff(files: out)
    }

    /// The safetensors header of a stored file, read from its first bytes only.
    func tensorLayout(_ file: ManifestFile) throws -> SafetensorsHeader {
        let first = try readPrefix(of: file.object, count: 8)
        guard first.count == 8 else { throw RegistryError.corrupt(.init(object: file.path, reason: "it is too short for safetensors")) }
        let length = first.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(SafetensorsHeader.maxHeaderLength) else {
            throw RegistryError.corrupt(.init(object: file.path, reason: "its safetensors header is oversized"))
        }
        let prefix = try readPrefix(of: file.object, count: 8 + Int(length))
        do {
            return try SafetensorsHeader.parse(prefix: prefix, fileSize: file.size)
        } catch RegistryError.badInput(.malformedFile(_, let problem)) {
            // It was a valid safetensors file when it was registered.
            throw RegistryError.corrupt(.init(object: file.path, reason: problem))
        }
    }

    /// The first `count` bytes of a file's content (or fewer if it is shorter).
    func readPrefix(of object: ObjectID, count: Int) throws -> [UInt8] {
        var out = [UInt8]()
        let reader = try store.openReader(object)
        var readers = [reader]
        if reader.header.type == .chunks {
            let list = try ChunkList.decode(reader.readAll(), id: object)
            readers = []
            var covered: Int64 = 0
            for c in list.chunks where covered < Int64(count) {
                readers.append(try store.openReader(c.object))
                covered += c.size
            }
        }
        for r in readers {
            while out.count < count, let piece = try r.next() {
                out.append(contentsOf: piece.prefix(count - out.count))
            }
            if out.count >= count { break }
        }
        return out
    }

    /// A key per tensor that is equal exactly when the tensor's bytes are: the ids of the
    /// chunks covering it when chunks align with the tensor, else the SHA-256 of its bytes.
    func tensorKeys(file: ManifestFile, layout: SafetensorsHeader, tensors: [SafetensorsHeader.Tensor]) throws -> [String] {
        var chunkStarts = [Int64: Int]()
        var chunks = [ChunkList.Chunk]()
        if try store.header(of: file.object).type == .chunks {
            chunks = try ChunkList.decode(store.read(file.object, as: .chunks), id: file.object).chunks
            var pos: Int64 = 0
            for (i, c) in chunks.enumerated() { chunkStarts[pos] = i; pos += c.size }
        }
        var keys = [String?](repeating: nil, count: tensors.count)
        var needHash = [Int]()
        for (i, t) in tensors.enumerated() {
            if let first = chunkStarts[t.begin] {
                var ids = [String]()
                var pos = t.begin
                var j = first
                while pos < t.end && j < chunks.count { ids.append(chunks[j].object.hex); pos += chunks[j].size; j += 1 }
                if pos == t.end { keys[i] = "chunks:" + ids.joined(separator: ","); continue }
            }
            if t.begin == t.end { keys[i] = "empty"; continue }
            needHash.append(i)
        }
        if !needHash.isEmpty {
            // One pass over the content, hashing each wanted range as it goes by.
            let ranges = needHash.map { tensors[$0].begin..<tensors[$0].end }
            var hashers = [SHA256](repeating: SHA256(), count: ranges.count)
            var pos: Int64 = 0
            try streamContent(of: file.object) { piece in
                let start = pos, end = pos + Int64(piece.count)
                for (k, r) in ranges.enumerated() where r.lowerBound < end && r.upperBound > start {
                    let lo = Int(max(r.lowerBound, start) - start), hi = Int(min(r.upperBound, end) - start)
                    hashers[k].update(data: piece[piece.startIndex + lo..<piece.startIndex + hi])
                }
                pos = end
            }
            for (k, i) in needHash.enumerated() { keys[i] = "sha256:" + Hex.encode(hashers[k].finalize()) }
        }
        // Every tensor got a key above; one that did not (it cannot happen) compares unequal to everything.
        return keys.enumerated().map { $0.element ?? "unkeyed:\(file.object.hex):\($0.offset)" }
    }
}
