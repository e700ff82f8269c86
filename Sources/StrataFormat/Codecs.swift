import CLZ4
import CZstd

/// Reusable compression state (zstd contexts). Not thread-safe: one per worker thread.
public final class CodecContext {
    private var cctx: OpaquePointer?
    private var dctx: OpaquePointer?

    public init() {}

    deinit {
        if let cctx { ZSTD_freeCCtx(cctx) }
        if let dctx { ZSTD_freeDCtx(dctx) }
    }

    /// Compresses `raw` with `spec`. Returns nil when compression does not pay (output not
    /// smaller than `raw.count - raw.count / 8`, i.e. it saves no more than an eighth): the
    /// caller then stores the page raw.
    public func compress(_ raw: UnsafeRawBufferPointer, _ spec: CodecSpec) -> [UInt8]? {
        guard raw.count > 0, let src = raw.baseAddress else { return nil }
        switch spec.codec {
        case .none:
            return nil
        case .lz4:
            guard raw.count <= Int(LZ4_MAX_INPUT_SIZE) else { return nil }
            let bound = Int(LZ4_compressBound(Int32(raw.count)))
            var out = [UInt8](repeating: 0, count: bound)
            let n = out.withUnsafeMutableBytes { dst in
                Int(LZ4_compress_default(src.assumingMemoryBound(to: CChar.self),
                                         dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                                         Int32(raw.count), Int32(bound)))
            }
            guard n > 0, n < raw.count - raw.count / 8 else { return nil }
            out.removeLast(bound - n)
            return out
        case .zstd:
            if cctx == nil { cctx = ZSTD_createCCtx() }
            let bound = ZSTD_compressBound(raw.count)
            var out = [UInt8](repeating: 0, count: bound)
            let n = out.withUnsafeMutableBytes { dst in
                ZSTD_compressCCtx(cctx, dst.baseAddress, bound, src, raw.count, spec.level)
            }
            guard ZSTD_isError(n) == 0, n < raw.count - raw.count / 8 else { return nil }
            out.removeLast(bound - n)
            return out
        }
    }

    /// False when `stored` is a Zstandard frame whose header records a content size other
    /// than `bytes` (or no frame at all); true when it matches or the frame does not say.
    public static func zstdFrameMayHold(_ stored: UnsafeRawBufferPointer, bytes: Int) -> Bool {
        let size = ZSTD_getFrameContentSize(stored.baseAddress, stored.count)
        let unknown = UInt64.max  // ZSTD_CONTENTSIZE_UNKNOWN; UInt64.max - 1 is ZSTD_CONTENTSIZE_ERROR
        return size == unknown || size == UInt64(bytes)
    }

    /// Decompresses `stored` (written with `codec`) into `dst`, which must be exactly the raw
    /// length recorded for the page. Throws a corruption error on any mismatch.
    public func decompress(_ stored: UnsafeRawBufferPointer, codec: Codec,
                           into dst: UnsafeMutableRawBufferPointer) throws(FormatError) {
        switch codec {
        case .none:
            guard stored.count == dst.count else {
                throw FormatError.corrupt("raw page length \(stored.count) differs from recorded \(dst.count)")
            }
            if dst.count > 0 { dst.copyMemory(from: stored) }
        case .lz4:
            guard stored.count > 0, stored.count <= Int(Int32.max), dst.count <= Int(Int32.max) else {
                throw FormatError.corrupt("lz4 page has invalid length")
            }
            let n = LZ4_decompress_safe(stored.baseAddress!.assumingMemoryBound(to: CChar.self),
                                        dst.baseAddress?.assumingMemoryBound(to: CChar.self),
                                        Int32(stored.count), Int32(dst.count))
            guard n == Int32(dst.count) else {
                throw FormatError.corrupt("lz4 page does not decompress to its recorded length")
            }
        case .zstd:
            if dctx == nil { dctx = ZSTD_createDCtx() }
            let n = ZSTD_decompressDCtx(dctx, dst.baseAddress, dst.count, stored.baseAddress, stored.count)
            guard ZSTD_isError(n) == 0, n == dst.count else {
                throw FormatError.corrupt("zstd page does not decompress to its recorded length")
            }
        }
    }
}
