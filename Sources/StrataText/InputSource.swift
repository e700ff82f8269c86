// Byte sources for bulk ingestion: plain files, stdin, gzip and zstd streams.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib
import CZstd

/// Compression of an input stream.
public enum InputCompression: String, Sendable, Equatable {
    /// Uncompressed bytes.
    case none
    /// gzip (RFC 1952), possibly several concatenated members.
    case gzip
    /// Zstandard, possibly several concatenated frames.
    case zstd
}

/// A sequential reader of the (decompressed) bytes of one input: a file path, or `-` for stdin.
///
/// * Plain files are read with `read(2)` straight into the caller's buffer (no mmap, so RSS
///   stays bounded by the caller's buffers).
/// * Compression is detected from the **magic bytes** (`1f 8b` gzip, `28 b5 2f fd` zstd), so a
///   misnamed file works. A file whose name ends in `.gz`/`.gzip`/`.zst`/`.zstd` but does not
///   start with the matching magic is rejected (`not a gzip stream (bad magic bytes)`), except
///   an empty file, which reads as empty input.
/// * Multi-member gzip and multi-frame zstd are decoded completely. A compressed stream that
///   ends mid-member/frame is an error (`truncated gzip stream`).
/// * Every delivered (decompressed) byte is fed to an XXH64 `InputHasher` when `hashContent`
///   is true; read the digest with `contentHash`.
///
/// Not thread-safe: one reader thread at a time (it may be moved to a dedicated reader thread,
/// hence `@unchecked Sendable`).
///
/// Zero bytes after the last gzip member are ignored (as gzip(1) does); other trailing bytes
/// that do not form a gzip member are reported as a corrupt stream.
public final class InputSource: @unchecked Sendable {
    /// The path as given (`-` for stdin).
    public let path: String
    /// Name used in error messages: the path, or `<stdin>`.
    public let displayName: String
    /// Detected compression.
    public private(set) var compression: InputCompression = .none
    /// Number of raw (possibly compressed) bytes read from the file so far.
    public private(set) var compressedBytesRead: Int64 = 0
    /// Size of the file in bytes when it is a regular file (for progress bars); `nil` for
    /// pipes and stdin.
    public let totalCompressedBytes: Int64?
    /// Number of decompressed bytes delivered by `read(into:)` so far.
    public private(set) var bytesDelivered: Int64 = 0

    private var fd: Int32
    private let ownsFD: Bool
    private var rawEOF = false
    private var finished = false
    private let hashContent: Bool
    private var hasher = InputHasher()

    /// Raw input staging buffer (compressed bytes, and the magic-byte prefetch for plain files).
    private let raw: UnsafeMutableRawBufferPointer
    private var rawStart = 0
    private var rawEnd = 0

    // Decoder state.
    private var zs: UnsafeMutablePointer<z_stream>? = nil
    private var gzipMemberEnded = false
    private var zstd: OpaquePointer? = nil
    private var zstdLastResult: Int = 0
    private var released = false

    /// Size of the raw staging buffer used for compressed input.
    public static let rawBufferSize = 1 << 18

    /// Opens `path` (`-` = standard input) and detects its compression. Detection reads the
    /// first bytes, so for stdin/pipes this blocks until 4 bytes (or EOF) are available.
    ///
    /// - Parameter hashContent: feed delivered bytes to the XXH64 content hash.
    /// - Throws: `InputError` (`cannot open 'x.csv': No such file or directory`, bad magic, ...).
    public convenience init(path: String, hashContent: Bool = true) throws(InputError) {
        if path == "-" {
            try self.init(fd: 0, ownsFD: false, path: path, displayName: "<stdin>", hashContent: hashContent)
            return
        }
        var f: Int32
        repeat { f = open(path, O_RDONLY | O_CLOEXEC) } while f < 0 && errno == EINTR
        if f < 0 {
            throw InputError(.open, file: path, reason: InputSource.errnoString(errno))
        }
        try self.init(fd: f, ownsFD: true, path: path, displayName: path, hashContent: hashContent)
    }

    /// Reads from an already open file descriptor (a pipe, socket or file); compression is
    /// detected from the magic bytes and from the extension of `name`.
    ///
    /// - Parameters:
    ///   - name: display name for errors (and extension-based checks).
    ///   - closeWhenDone: close `fileDescriptor` in `close()`/`deinit`.
    public convenience init(fileDescriptor: Int32, name: String, closeWhenDone: Bool = false,
                            hashContent: Bool = true) throws(InputError) {
        try self.init(fd: fileDescriptor, ownsFD: closeWhenDone, path: name, displayName: name,
                      hashContent: hashContent)
    }

    private init(fd: Int32, ownsFD: Bool, path: String, displayName: String, hashContent: Bool) throws(InputError) {
        self.path = path
        self.displayName = displayName
        self.hashContent = hashContent
        self.fd = fd
        self.ownsFD = ownsFD
        var st = stat()
        let statOK = fstat(fd, &st) == 0
        if statOK && (st.st_mode & S_IFMT) == S_IFDIR {
            if ownsFD { _ = InputSource.closeFD(fd) }
            throw InputError(.open, file: path, reason: "Is a directory")
        }
        totalCompressedBytes = statOK && (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : nil
        raw = UnsafeMutableRawBufferPointer.allocate(byteCount: InputSource.rawBufferSize, alignment: 64)
        do throws(InputError) {
            try detect()
        } catch {
            cleanup()
            throw error
        }
    }

    deinit { cleanup() }

    /// Closes the file and frees decoder state. Further reads return 0. Called by `deinit`.
    public func close() {
        finished = true
        if ownsFD && fd >= 0 { _ = InputSource.closeFD(fd) }
        fd = -1
    }

    private func cleanup() {
        close()
        if released { return }
        released = true
        if let z = zs {
            inflateEnd(z)
            z.deallocate()
            zs = nil
        }
        if let d = zstd {
            ZSTD_freeDStream(d)
            zstd = nil
        }
        stage?.deallocate()
        stage = nil
        raw.deallocate()
    }

    /// XXH64 of all decompressed bytes delivered so far (the whole content once `read`
    /// returned 0). Meaningful only when opened with `hashContent: true`.
    public var contentHash: UInt64 { hasher.finalize() }

    @inline(__always)
    static func closeFD(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        return Glibc.close(fd)
        #elseif canImport(Musl)
        return Musl.close(fd)
        #else
        return Darwin.close(fd)
        #endif
    }

    @inline(__always)
    static func readFD(_ fd: Int32, _ dst: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, dst, count)
        #elseif canImport(Musl)
        return Musl.read(fd, dst, count)
        #else
        return Darwin.read(fd, dst, count)
        #endif
    }

    static func errnoString(_ e: Int32) -> String {
        guard let s = strerror(e) else { return "error \(e)" }
        return String(cString: s)
    }

    /// Reads raw bytes from the fd into `dst`; returns 0 at EOF.
    private func rawRead(_ dst: UnsafeMutableRawPointer, _ count: Int) throws(InputError) -> Int {
        if rawEOF || fd < 0 { return 0 }
        while true {
            let n = InputSource.readFD(fd, dst, count)
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(.read, file: displayName, reason: "read error: \(InputSource.errnoString(errno))")
            }
            if n == 0 { rawEOF = true }
            compressedBytesRead += Int64(n)
            return n
        }
    }

    /// Refills the raw staging buffer (compacting unread bytes to the front).
    /// Returns false when no more bytes could be added (EOF).
    private func refillRaw() throws(InputError) -> Bool {
        if rawStart > 0 {
            let pending = rawEnd - rawStart
            if pending > 0 {
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + rawStart, byteCount: pending)
            }
            rawStart = 0
            rawEnd = pending
        }
        if rawEnd == raw.count { return true }
        let n = try rawRead(raw.baseAddress! + rawEnd, raw.count - rawEnd)
        rawEnd += n
        return n > 0
    }

    private func detect() throws(InputError) {
        // Prefetch at least 4 bytes (or to EOF) for magic detection.
        while rawEnd < 4 {
            if try !refillRaw() { break }
        }
        let b = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let n = rawEnd
        let lower = path.lowercased()
        let namedGzip = lower.hasSuffix(".gz") || lower.hasSuffix(".gzip")
        let namedZstd = lower.hasSuffix(".zst") || lower.hasSuffix(".zstd")
        if n >= 2 && b[0] == 0x1F && b[1] == 0x8B {
            compression = .gzip
        } else if n >= 4 && b[0] == 0x28 && b[1] == 0xB5 && b[2] == 0x2F && b[3] == 0xFD {
            compression = .zstd
        } else if n == 0 {
            compression = .none
        } else if namedGzip {
            throw InputError(.compression, file: displayName, reason: "not a gzip stream (bad magic bytes)")
        } else if namedZstd {
            throw InputError(.compression, file: displayName, reason: "not a zstd stream (bad magic bytes)")
        } else {
            compression = .none
        }
        switch compression {
        case .none:
            break
        case .gzip:
            let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            z.initialize(to: z_stream())
            let rc = inflateInit2_(z, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            if rc != Z_OK {
                z.deallocate()
                throw InputError(.compression, file: displayName, reason: "cannot initialize gzip decoder (zlib error \(rc))")
            }
            zs = z
        case .zstd:
            guard let d = ZSTD_createDStream() else {
                throw InputError(.compression, file: displayName, reason: "cannot initialize zstd decoder")
            }
            zstd = d
            let rc = ZSTD_initDStream(d)
            if ZSTD_isError(rc) != 0 {
                throw InputError(.compression, file: displayName, reason: "cannot initialize zstd decoder (\(String(cString: ZSTD_getErrorName(rc))))")
            }
        }
    }

    /// Fills `buffer` with the next decompressed bytes. Returns the number of bytes written,
    /// which is `buffer.count` unless the end of the input was reached; 0 means EOF.
    ///
    /// - Throws: `InputError` on I/O errors and corrupt or truncated compressed data.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard let dst = buffer.baseAddress, buffer.count > 0, !finished else { return 0 }
        let n = framer == nil ? try readDecoded(dst, buffer.count) : try readFramed(dst, buffer.count)
        if n > 0 {
            bytesDelivered += Int64(n)
            if hashContent { hasher.update(UnsafeRawBufferPointer(start: dst, count: n)) }
        }
        return n
    }

    // MARK: look-ahead and JSON document framing

    /// Decoded bytes read ahead by `peek`, delivered first by `read`.
    private var lookahead: [UInt8] = []
    private var lookaheadPos = 0
    private var lookaheadEOF = false
    /// `frameJSONDocuments`: the framer and its staging buffer of decoded input.
    private var framer: JSONDocumentFramer?
    private var stage: UnsafeMutableRawBufferPointer?
    private var stagePos = 0, stageEnd = 0, stageEOF = false

    /// The first `count` decoded bytes not yet read (fewer at the end of the input), without
    /// consuming them: `read` delivers them again (and hashes them then). Works for pipes and
    /// stdin too, so the format of any input can be told from its content.
    public func peek(_ count: Int) throws(InputError) -> [UInt8] {
        while lookahead.count - lookaheadPos < count && !lookaheadEOF && !finished {
            let want = count - (lookahead.count - lookaheadPos)
            let tmp = UnsafeMutableRawBufferPointer.allocate(byteCount: want, alignment: 16)
            defer { tmp.deallocate() }
            let n = try readCodec(tmp.baseAddress!, want)
            if n == 0 { lookaheadEOF = true }
            lookahead += UnsafeRawBufferPointer(start: tmp.baseAddress!, count: n)
        }
        return Array(lookahead[lookaheadPos..<min(lookahead.count, lookaheadPos + count)])
    }

    /// From now on `read` delivers the input reframed as one JSON value per line
    /// (`JSONDocumentFramer`): a JSON array of objects, or objects spread over several lines,
    /// become NDJSON whose lines keep the input's line numbers where each object starts.
    public func frameJSONDocuments() {
        guard framer == nil else { return }
        framer = JSONDocumentFramer()
        stage = .allocate(byteCount: 1 << 18, alignment: 64)
    }

    private func readFramed(_ dst: UnsafeMutableRawPointer, _ count: Int) throws(InputError) -> Int {
        let out = dst.assumingMemoryBound(to: UInt8.self)
        var produced = 0
        while produced < count {
            if stagePos == stageEnd {
                if stageEOF { break }
                stageEnd = try readDecoded(stage!.baseAddress!, stage!.count)
                stagePos = 0
                if stageEnd == 0 { stageEOF = true; continue }
            }
            let src = UnsafePointer(stage!.baseAddress!.assumingMemoryBound(to: UInt8.self)) + stagePos
            let (c, p) = framer!.run(src, stageEnd - stagePos, out + produced, count - produced)
            stagePos += c
            produced += p
        }
        return produced
    }

    /// Decoded bytes: the look-ahead first, then the codec.
    private func readDecoded(_ dst: UnsafeMutableRawPointer, _ count: Int) throws(InputError) -> Int {
        var filled = 0
        if lookaheadPos < lookahead.count {
            let take = min(count, lookahead.count - lookaheadPos)
            lookahead.withUnsafeBytes { dst.copyMemory(from: $0.baseAddress! + lookaheadPos, byteCount: take) }
            lookaheadPos += take
            filled = take
            if lookaheadPos == lookahead.count { lookahead = []; lookaheadPos = 0 }
            if filled == count || lookaheadEOF { return filled }
        }
        return filled + (try readCodec(dst + filled, count - filled))
    }

    private func readCodec(_ dst: UnsafeMutableRawPointer, _ count: Int) throws(InputError) -> Int {
        switch compression {
        case .none: return try readPlain(dst, count)
        case .gzip: return try readGzip(dst, count)
        case .zstd: return try readZstd(dst, count)
        }
    }

    private func readPlain(_ dst: UnsafeMutableRawPointer, _ count: Int) throws(InputError) -> Int {
        var filled = 0
        if rawEnd > rawStart {
            let take = min(rawEnd - rawStart, count)
            dst.copyMemory(from: raw.baseAddress! + rawStart, byteCount: take)
            rawStart += take
            filled = take
        }
        while filled < count {
            let n = try rawRead(dst + filled, count - filled)
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    private func readGzip(_ dst: UnsafeMutableRawPointer, _ count: Int) throws(InputError) -> Int {
        let z = zs!
        var produced = 0
        while produced < count {
            if rawEnd == rawStart {
                if try !refillRaw() {
                    if gzipMemberEnded { break }
                    throw InputError(.compression, file: displayName, reason: "truncated gzip stream (unexpected end of file)")
                }
            }
            if gzipMemberEnded {
                // Zero padding after the last member is ignored (as gzip(1) does).
                let rb = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                if rb[rawStart] == 0 {
                    while rawStart < rawEnd && rb[rawStart] == 0 { rawStart += 1 }
                    if rawStart < rawEnd {
                        throw InputError(.compression, file: displayName, reason: "corrupt gzip stream (trailing garbage after last member)")
                    }
                    continue
                }
                // Another member follows: reset the decoder for it.
                let rc = inflateReset(z)
                if rc != Z_OK {
                    throw InputError(.compression, file: displayName, reason: "corrupt gzip stream (reset failed: \(rc))")
                }
                gzipMemberEnded = false
            }
            let availIn = rawEnd - rawStart
            z.pointee.next_in = (raw.baseAddress! + rawStart).assumingMemoryBound(to: Bytef.self)
            z.pointee.avail_in = UInt32(availIn)
            let outRoom = min(count - produced, Int(UInt32.max))
            z.pointee.next_out = (dst + produced).assumingMemoryBound(to: Bytef.self)
            z.pointee.avail_out = UInt32(outRoom)
            let rc = inflate(z, Z_NO_FLUSH)
            let consumed = availIn - Int(z.pointee.avail_in)
            let out = outRoom - Int(z.pointee.avail_out)
            rawStart += consumed
            produced += out
            switch rc {
            case Z_OK:
                break
            case Z_STREAM_END:
                gzipMemberEnded = true
            case Z_BUF_ERROR:
                // No progress possible: needs more input (handled by the refill above).
                if consumed == 0 && out == 0 && rawEnd > rawStart {
                    throw InputError(.compression, file: displayName, reason: "corrupt gzip stream (no progress)")
                }
            default:
                let msg = z.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                throw InputError(.compression, file: displayName, reason: "corrupt gzip stream (\(msg))")
            }
        }
        return produced
    }

    private func readZstd(_ dst: UnsafeMutableRawPointer, _ count: Int) throws(InputError) -> Int {
        let d = zstd!
        var produced = 0
        while produced < count {
            if rawEnd == rawStart {
                if try !refillRaw() {
                    // EOF of the compressed file. zstdLastResult == 0 means the last frame was
                    // completely decoded and flushed; otherwise the decoder may still hold
                    // buffered output, or the frame is truncated.
                    if zstdLastResult == 0 { break }
                    var inBuf = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
                    var outBuf = ZSTD_outBuffer(dst: dst + produced, size: count - produced, pos: 0)
                    let rc = ZSTD_decompressStream(d, &outBuf, &inBuf)
                    if ZSTD_isError(rc) != 0 {
                        throw InputError(.compression, file: displayName, reason: "corrupt zstd stream (\(String(cString: ZSTD_getErrorName(rc))))")
                    }
                    produced += outBuf.pos
                    zstdLastResult = rc
                    if outBuf.pos > 0 { continue }
                    if rc != 0 {
                        throw InputError(.compression, file: displayName, reason: "truncated zstd stream (unexpected end of file)")
                    }
                    break
                }
            }
            var inBuf = ZSTD_inBuffer(src: raw.baseAddress! + rawStart, size: rawEnd - rawStart, pos: 0)
            var outBuf = ZSTD_outBuffer(dst: dst + produced, size: count - produced, pos: 0)
            let rc = ZSTD_decompressStream(d, &outBuf, &inBuf)
            if ZSTD_isError(rc) != 0 {
                throw InputError(.compression, file: displayName, reason: "corrupt zstd stream (\(String(cString: ZSTD_getErrorName(rc))))")
            }
            rawStart += inBuf.pos
            produced += outBuf.pos
            zstdLastResult = rc
        }
        return produced
    }
}
