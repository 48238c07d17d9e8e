import CZlib

/// A zlib (RFC 1950) compressor that appends its output to a caller's sink.
final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]
    private var finished = false

    /// - Parameter level: 0 (stored blocks) to 9.
    /// - Parameter expectedInput: how many bytes will be compressed, when known: a small
    ///   object gets a small output buffer (the size of the pieces handed to the sink, not of
    ///   the output). The buffer is not zeroed: zlib writes each byte before it is read, and
    ///   zeroing 256 KiB per object was a tenth of registering 100,000 small files.
    init(level: Int32, expectedInput: Int64 = .max) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let capacity = Int(min(256 * 1024, max(4096, expectedInput / 2 + 1024)))
        output = [UInt8](unsafeUninitializedCapacity: capacity) { _, count in count = capacity }
        let rc = deflateInit2_(stream, level, Z_DEFLATED, MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw StoreError.zlib(function: "deflateInit", status: rc)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `input`, handing each piece of output to `sink`.
    func compress(_ input: UnsafeRawBufferPointer, finish: Bool = false,
                  sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        try output.withUnsafeMutableBytes { out in
            while true {
                stream.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(out.count)
                let rc = deflate(stream, flush)
                guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
                    throw StoreError.zlib(function: "deflate", status: rc)
                }
                let produced = out.count - Int(stream.pointee.avail_out)
                if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: out[..<produced])) }
                if finish {
                    if rc == Z_STREAM_END { finished = true; return }
                } else if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 {
                    return
                }
            }
        }
    }

    func finish(sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try compress(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, sink: sink)
    }

    /// Compresses `data` in one go (for small objects and samples).
    static func compress(_ data: [UInt8], level: Int32) throws -> [UInt8] {
        let d = try Deflater(level: level)
        var out = [UInt8]()
        try data.withUnsafeBytes { try d.compress($0, sink: { out.append(contentsOf: $0) }) }
        try d.finish(sink: { out.append(contentsOf: $0) })
        return out
    }
}

/// A zlib decompressor fed compressed bytes piece by piece.
final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private(set) var finished = false

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = inflateInit_(stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw StoreError.zlib(function: "inflateInit", status: rc)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Inflates from `input` into `output`; returns (bytes consumed, bytes produced).
    func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> (Int, Int) {
        if finished { return (0, 0) }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let rc = CZlib.inflate(stream, Z_NO_FLUSH)
        switch rc {
        case Z_OK, Z_BUF_ERROR: break
        case Z_STREAM_END: finished = true
        default:
            let msg = stream.pointee.msg.map { String(cString: $0) } ?? "error \(rc)"
            throw StoreError.corruptData("zlib data is corrupt (\(msg))")
        }
        return (input.count - Int(stream.pointee.avail_in), output.count - Int(stream.pointee.avail_out))
    }
}
