import CBrotli
import CLZ4
import CSnappy
import CZlib
import CZstd

/// Compression of Parquet pages (the `CompressionCodec` of a column chunk).
public enum ParquetCompression: Sendable, Equatable {
    case uncompressed
    case snappy
    /// gzip (zlib deflate with a gzip header); level 1...9.
    case gzip(level: Int32 = 6)
    /// zstd, level 1...22.
    case zstd(level: Int32 = 3)
    /// LZ4 block format without framing (`LZ4_RAW`).
    case lz4Raw
    /// brotli, quality 0...11.
    case brotli(quality: Int32 = 3)

    var codec: PCodec {
        switch self {
        case .uncompressed: return .uncompressed
        case .snappy: return .snappy
        case .gzip: return .gzip
        case .zstd: return .zstd
        case .lz4Raw: return .lz4Raw
        case .brotli: return .brotli
        }
    }

    /// Parses `uncompressed|none|snappy|gzip|zstd|lz4|lz4_raw|brotli` (case-insensitive),
    /// with the default level.
    public init?(name: String) {
        switch name.lowercased() {
        case "uncompressed", "none": self = .uncompressed
        case "snappy": self = .snappy
        case "gzip", "gz": self = .gzip()
        case "zstd", "zstandard": self = .zstd()
        case "lz4", "lz4_raw", "lz4raw": self = .lz4Raw
        case "brotli": self = .brotli()
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .uncompressed: return "uncompressed"
        case .snappy: return "snappy"
        case .gzip: return "gzip"
        case .zstd: return "zstd"
        case .lz4Raw: return "lz4_raw"
        case .brotli: return "brotli"
        }
    }
}

enum PageCodec {
    /// Compresses `raw` (appending to `out`).
    static func compress(_ raw: UnsafeRawBufferPointer, _ c: ParquetCompression, into out: inout [UInt8]) throws(ParquetError) {
        let n = raw.count
        let start = out.count
        func grow(_ bound: Int) { out.append(contentsOf: repeatElement(0, count: bound)) }
        switch c {
        case .uncompressed:
            out.append(contentsOf: raw.bindMemory(to: UInt8.self))
        case .zstd(let level):
            let bound = ZSTD_compressBound(n)
            grow(bound)
            let r = out.withUnsafeMutableBytes { d in ZSTD_compress(d.baseAddress! + start, bound, raw.baseAddress, n, level) }
            guard ZSTD_isError(r) == 0 else { throw ParquetError(.io, "zstd compression failed") }
            out.removeLast(bound - r)
        case .snappy:
            var bound = snappy_max_compressed_length(n)
            grow(bound)
            let cap = bound
            var zero: CChar = 0
            let st = out.withUnsafeMutableBytes { d in
                snappy_compress(raw.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer(&zero), n,
                                (d.baseAddress! + start).assumingMemoryBound(to: CChar.self), &bound)
            }
            guard st == SNAPPY_OK else { throw ParquetError(.io, "snappy compression failed") }
            out.removeLast(cap - bound)
        case .lz4Raw:
            guard n <= Int(LZ4_MAX_INPUT_SIZE) else { throw ParquetError(.invalidArgument, "page too large for lz4") }
            let bound = Int(LZ4_compressBound(Int32(n)))
            grow(bound)
            let r = out.withUnsafeMutableBytes { d in
                Int(LZ4_compress_default(raw.baseAddress?.assumingMemoryBound(to: CChar.self), (d.baseAddress! + start).assumingMemoryBound(to: CChar.self), Int32(n), Int32(bound)))
            }
            guard r > 0 || n == 0 else { throw ParquetError(.io, "lz4 compression failed") }
            out.removeLast(bound - r)
        case .gzip(let level):
            var s = z_stream()
            guard deflateInit2_(&s, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw ParquetError(.io, "gzip initialisation failed")
            }
            defer { deflateEnd(&s) }
            let bound = Int(deflateBound(&s, UInt(n))) + 32
            grow(bound)
            let r: Int32 = out.withUnsafeMutableBytes { d in
                s.next_in = UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: UInt8.self))
                s.avail_in = UInt32(n)
                s.next_out = (d.baseAddress! + start).assumingMemoryBound(to: UInt8.self)
                s.avail_out = UInt32(bound)
                return deflate(&s, Z_FINISH)
            }
            guard r == Z_STREAM_END else { throw ParquetError(.io, "gzip compression failed") }
            out.removeLast(bound - Int(s.total_out))
        case .brotli(let quality):
            var size = BrotliEncoderMaxCompressedSize(n)
            if size == 0 { size = n + 1024 }
            grow(size)
            let cap = size
            let ok = out.withUnsafeMutableBytes { d in
                BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n,
                                      raw.baseAddress?.assumingMemoryBound(to: UInt8.self), &size,
                                      (d.baseAddress! + start).assumingMemoryBound(to: UInt8.self))
            }
            guard ok == BROTLI_TRUE else { throw ParquetError(.io, "brotli compression failed") }
            out.removeLast(cap - size)
        }
    }

    /// Decompresses `src` (codec `codec`) into exactly `dst.count` bytes.
    static func decompress(_ src: UnsafeRawBufferPointer, codec: Int32, into dst: UnsafeMutableRawBufferPointer) throws(ParquetError) {
        guard let c = PCodec(rawValue: codec) else { throw .unsupported("unknown compression codec \(codec)") }
        let n = src.count, want = dst.count
        let sp = src.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let dp = dst.baseAddress?.assumingMemoryBound(to: UInt8.self)
        switch c {
        case .uncompressed:
            guard n == want else { throw .corrupt("uncompressed page size \(n) differs from its header (\(want))") }
            if n > 0 { dst.copyMemory(from: src) }
        case .zstd:
            guard want > 0 || n > 0 else { return }
            let r = ZSTD_decompress(dst.baseAddress, want, src.baseAddress, n)
            guard ZSTD_isError(r) == 0, r == want else { throw .corrupt("zstd page does not decompress to its recorded size") }
        case .snappy:
            var len = 0
            guard n > 0, snappy_uncompressed_length(UnsafeRawPointer(sp!).assumingMemoryBound(to: CChar.self), n, &len) == SNAPPY_OK, len == want else {
                throw .corrupt("snappy page does not decompress to its recorded size")
            }
            if want == 0 { return }
            var out = want
            guard snappy_uncompress(UnsafeRawPointer(sp!).assumingMemoryBound(to: CChar.self), n, UnsafeMutableRawPointer(dp!).assumingMemoryBound(to: CChar.self), &out) == SNAPPY_OK, out == want else {
                throw .corrupt("snappy page does not decompress to its recorded size")
            }
        case .lz4Raw:
            try lz4Block(src, dst)
        case .lz4:
            // Hadoop framing: [BE u32 raw size][BE u32 compressed size][block]…; some writers
            // (old parquet-cpp) wrote a bare block: fall back to that.
            if (try? lz4Hadoop(src, dst)) != nil { return }
            try lz4Block(src, dst)
        case .gzip:
            guard want > 0 else { return }
            var s = z_stream()
            guard inflateInit2_(&s, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw ParquetError(.io, "zlib initialisation failed") }
            defer { inflateEnd(&s) }
            s.next_in = UnsafeMutablePointer(mutating: sp)
            s.avail_in = UInt32(n)
            s.next_out = dp
            s.avail_out = UInt32(want)
            var r = inflate(&s, Z_FINISH)
            // concatenated gzip members
            while r == Z_STREAM_END && s.avail_in > 0 && s.avail_out > 0 {
                guard inflateReset(&s) == Z_OK else { break }
                r = inflate(&s, Z_FINISH)
            }
            guard (r == Z_STREAM_END || r == Z_BUF_ERROR && s.avail_in == 0), Int(s.total_out) == want || s.avail_out == 0 && r == Z_STREAM_END else {
                throw .corrupt("gzip page does not decompress to its recorded size")
            }
            guard s.avail_out == 0 else { throw .corrupt("gzip page does not decompress to its recorded size") }
        case .brotli:
            var out = want
            guard n > 0, BrotliDecoderDecompress(n, sp, &out, dp) == BROTLI_DECODER_RESULT_SUCCESS, out == want else {
                throw .corrupt("brotli page does not decompress to its recorded size")
            }
        case .lzo:
            throw .unsupported("LZO compression is not supported")
        }
    }

    static func lz4Block(_ src: UnsafeRawBufferPointer, _ dst: UnsafeMutableRawBufferPointer) throws(ParquetError) {
        guard src.count <= Int(Int32.max), dst.count <= Int(Int32.max) else { throw .corrupt("lz4 page too large") }
        if dst.count == 0 && src.count <= 1 { return }
        guard src.count > 0 else { throw .corrupt("lz4 page does not decompress to its recorded size") }
        let r = LZ4_decompress_safe(src.baseAddress!.assumingMemoryBound(to: CChar.self), dst.baseAddress?.assumingMemoryBound(to: CChar.self),
                                    Int32(src.count), Int32(dst.count))
        guard r == Int32(dst.count) else { throw .corrupt("lz4 page does not decompress to its recorded size") }
    }

    static func lz4Hadoop(_ src: UnsafeRawBufferPointer, _ dst: UnsafeMutableRawBufferPointer) throws(ParquetError) {
        var i = 0, o = 0
        func be32(_ at: Int) -> Int { Int(src[at]) << 24 | Int(src[at + 1]) << 16 | Int(src[at + 2]) << 8 | Int(src[at + 3]) }
        while i < src.count {
            guard i + 8 <= src.count else { throw .corrupt("lz4 frame") }
            let raw = be32(i), comp = be32(i + 4)
            i += 8
            guard comp <= src.count - i, raw <= dst.count - o else { throw .corrupt("lz4 frame") }
            try lz4Block(UnsafeRawBufferPointer(rebasing: src[i..<(i + comp)]), UnsafeMutableRawBufferPointer(rebasing: dst[o..<(o + raw)]))
            i += comp
            o += raw
        }
        guard o == dst.count else { throw .corrupt("lz4 frame") }
    }
}
