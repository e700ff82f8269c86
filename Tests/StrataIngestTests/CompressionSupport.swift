import CZlib
import CZstd

/// gzip-compresses `data` as one member with zlib's deflate.
func gzipCompress(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
    var strm = z_stream()
    let rc = deflateInit2_(&strm, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                           zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    precondition(rc == Z_OK)
    defer { deflateEnd(&strm) }
    let bound = Int(deflateBound(&strm, uLong(data.count))) + 64
    var out = [UInt8](repeating: 0, count: bound)
    var input = data
    let written: Int = input.withUnsafeMutableBufferPointer { inp in
        out.withUnsafeMutableBufferPointer { o in
            strm.next_in = inp.baseAddress
            strm.avail_in = UInt32(inp.count)
            strm.next_out = o.baseAddress
            strm.avail_out = UInt32(o.count)
            let r = deflate(&strm, Z_FINISH)
            precondition(r == Z_STREAM_END)
            return o.count - Int(strm.avail_out)
        }
    }
    return Array(out[..<written])
}

/// zstd-compresses `data` as one frame.
func zstdCompress(_ data: [UInt8], level: Int32 = 3) -> [UInt8] {
    let cctx = ZSTD_createCCtx()!
    defer { ZSTD_freeCCtx(cctx) }
    _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
    var out = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
    let n = out.withUnsafeMutableBytes { o in
        data.withUnsafeBytes { i in
            ZSTD_compress2(cctx, o.baseAddress, o.count, i.baseAddress, i.count)
        }
    }
    precondition(ZSTD_isError(n) == 0)
    return Array(out[..<n])
}
