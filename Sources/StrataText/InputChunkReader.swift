// Row-aligned chunking of an input stream, and splitting a chunk into parallel pieces.

/// How rows are delimited, for finding row boundaries.
public enum InputFraming: Sendable, Equatable {
    /// CSV: rows end at `\n` outside quoted fields (`quote` is the quote byte, usually `"`).
    ///
    /// Boundaries are found by quote parity: a `\n` is a row end iff an even number of quote
    /// bytes precede it in the chunk. This is exact for every input the strict `CSVScanner`
    /// accepts (quotes only open/close fields or appear doubled inside quoted fields). For input
    /// it rejects, all boundaries *before* the first offending byte are still exact, so the
    /// scanner reports that first error correctly.
    case csv(quote: UInt8)
    /// Lines: every `\n` ends a row (NDJSON: a JSON string cannot hold a raw newline).
    case lines
}

/// A sub-range of a chunk that starts at a row boundary (outside quotes) and ends at one
/// (or at the end of the input), with the physical line number of its first byte.
public struct InputPiece: Sendable, Equatable {
    /// Byte range, relative to the chunk start.
    public var range: Range<Int>
    /// 1-based physical line number of the byte at `range.lowerBound`.
    public var firstLine: Int

    public init(range: Range<Int>, firstLine: Int) {
        self.range = range
        self.firstLine = firstLine
    }
}

/// Result of `InputSplitter.split`.
public struct InputSplit: Sendable, Equatable {
    /// Up to `k` consecutive pieces covering exactly `0..<end`; empty when `end == 0`.
    public var pieces: [InputPiece]
    /// Length of the row-aligned prefix: the position after the last row terminator, or the
    /// whole buffer when `atEndOfInput`. Bytes after `end` are an incomplete row.
    public var end: Int
    /// Physical line number of the byte at `end` (the first line of whatever follows).
    public var endLine: Int
}

/// Splits an in-memory buffer at row boundaries: the last complete row (for chunking) and
/// `k` roughly equal pieces (for parallel scanning).
///
/// One counting pass over the buffer computes, per 1/k segment, the number of quote bytes and
/// `\n`s (a vectorizable loop); split points are then located by a short forward walk from each
/// segment start to the first `\n` with even quote parity. Correct for quoted fields containing
/// newlines, `"\n"` sequences and doubled quotes (see `InputFraming.csv`).
public enum InputSplitter {
    /// Counts bytes equal to `quote` (when `countQuotes`) and `\n` in `base[s..<e]`, 8 bytes at
    /// a time (SWAR: exact per-byte equality masks + popcount).
    @inline(__always)
    static func countBytes(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int, _ quote: UInt8,
                           _ countQuotes: Bool) -> (Int, Int) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let qPattern = ones &* UInt64(quote)
        let nlPattern = ones &* 0x0A
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 {
            // High bit set exactly in the bytes of x that are zero.
            ~(((x & low7) &+ low7) | x | low7)
        }
        var q = 0, nl = 0
        var i = s
        let raw = UnsafeRawPointer(base)
        if countQuotes {
            while i + 8 <= e {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                q &+= zeroBytes(w ^ qPattern).nonzeroBitCount
                nl &+= zeroBytes(w ^ nlPattern).nonzeroBitCount
                i += 8
            }
            while i < e {
                let c = base[i]
                q &+= c == quote ? 1 : 0
                nl &+= c == 0x0A ? 1 : 0
                i += 1
            }
        } else {
            while i + 8 <= e {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                nl &+= zeroBytes(w ^ nlPattern).nonzeroBitCount
                i += 8
            }
            while i < e {
                nl &+= base[i] == 0x0A ? 1 : 0
                i += 1
            }
        }
        return (q, nl)
    }

    /// Splits `bytes`, which must start at a row boundary outside quotes.
    ///
    /// - Parameters:
    ///   - k: desired number of pieces (≥ 1); fewer are returned when rows are too long or the
    ///     buffer too small. Pieces are never empty.
    ///   - firstLine: physical line number of `bytes[0]`.
    ///   - atEndOfInput: the buffer holds the end of the input, so its trailing bytes form the
    ///     last row even without a terminating newline.
    public static func split(_ bytes: UnsafeRawBufferPointer, into k: Int, framing: InputFraming,
                             firstLine: Int, atEndOfInput: Bool) -> InputSplit {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return InputSplit(pieces: [], end: 0, endLine: firstLine)
        }
        let usesQuotes: Bool
        let quote: UInt8
        switch framing {
        case .csv(let q): usesQuotes = true; quote = q
        case .lines: usesQuotes = false; quote = 0x0A
        }
        let lf: UInt8 = 0x0A
        let k = max(1, min(k, n))
        // Per-segment counts.
        var segStart = [Int](repeating: 0, count: k + 1)
        var prefixQ = [Int](repeating: 0, count: k + 1)
        var prefixNL = [Int](repeating: 0, count: k + 1)
        for j in 0...k { segStart[j] = j * n / k }
        for j in 0..<k {
            let s = segStart[j], e = segStart[j + 1]
            let (q, nl) = countBytes(base, s, e, quote, usesQuotes)
            prefixQ[j + 1] = prefixQ[j] + q
            prefixNL[j + 1] = prefixNL[j] + nl
        }
        let totalQ = prefixQ[k], totalNL = prefixNL[k]

        // The end of the row-aligned prefix.
        var end = n
        var endLine = firstLine + totalNL
        if !atEndOfInput {
            var qAfter = 0, nlAfter = 0
            var i = n - 1
            end = 0
            while i >= 0 {
                let c = base[i]
                if c == lf {
                    if !usesQuotes || (totalQ - qAfter) & 1 == 0 {
                        end = i + 1
                        break
                    }
                    nlAfter += 1
                } else if usesQuotes && c == quote {
                    qAfter += 1
                }
                i -= 1
            }
            endLine = end == 0 ? firstLine : firstLine + totalNL - nlAfter
        }
        if end == 0 { return InputSplit(pieces: [], end: 0, endLine: firstLine) }

        // Split points.
        var pieces: [InputPiece] = []
        pieces.reserveCapacity(k)
        var pieceStart = 0, pieceLine = firstLine
        var cur = 0, curQ = 0, curNL = 0
        for j in 1..<k {
            let t = segStart[j]
            if t >= end { break }
            if t > cur { cur = t; curQ = prefixQ[j]; curNL = prefixNL[j] }
            var found = -1
            var p = cur
            while p < end {
                let c = base[p]
                if c == lf {
                    curNL += 1
                    if !usesQuotes || curQ & 1 == 0 { found = p + 1; break }
                } else if usesQuotes && c == quote {
                    curQ += 1
                }
                p += 1
            }
            if found < 0 || found >= end { break }
            cur = found
            pieces.append(InputPiece(range: pieceStart..<found, firstLine: pieceLine))
            pieceStart = found
            pieceLine = firstLine + curNL
        }
        pieces.append(InputPiece(range: pieceStart..<end, firstLine: pieceLine))
        return InputSplit(pieces: pieces, end: end, endLine: endLine)
    }
}

/// One row-aligned chunk handed out by `InputChunkReader`.
///
/// `@unchecked Sendable`: an immutable view that may be handed to worker threads; the bytes stay
/// valid as documented on `bytes`.
public struct InputChunk: @unchecked Sendable {
    /// The chunk bytes: whole rows only (the last row may lack its newline at end of input).
    /// Valid until the second following call to `InputChunkReader.next()` (double-buffered, so
    /// the next chunk can be read while this one is being scanned).
    public let bytes: UnsafeRawBufferPointer
    /// 1-based physical line number of the first byte of the chunk.
    public let firstLine: Int
    /// Offset of the first byte of the chunk in the decompressed input (a skipped UTF-8 BOM
    /// counts, so the first chunk of a BOM file starts at 3).
    public let byteOffset: Int64
    /// Up to `parallelism` pieces covering the chunk exactly, each starting at a row boundary.
    public let pieces: [InputPiece]
    /// This is the last chunk of the input.
    public let isLast: Bool
}

/// Reads an `InputSource` in large blocks and hands out chunks that end exactly at a row
/// boundary (quote-aware for CSV), carrying the incomplete tail row over to the next chunk.
///
/// * A UTF-8 BOM (`EF BB BF`) at the very start of the input is skipped.
/// * A row longer than the block grows the buffer (doubling) up to `maxRowSize`; a longer row
///   is an `InputError` (`line N: row exceeds the maximum row size of 268435456 bytes ...`).
/// * Each chunk comes pre-split into `parallelism` pieces (`InputSplitter`), computed in the same
///   counting pass that finds the chunk end.
/// * Two buffers alternate, so a chunk stays valid until the second following `next()`.
///
/// Peak memory ≈ 2 × (blockSize + longest row). Not thread-safe: call `next()` from one thread
/// at a time (it may be moved to a dedicated reader thread, hence `@unchecked Sendable`).
public final class InputChunkReader: @unchecked Sendable {
    /// The source being read.
    public let source: InputSource
    /// Row framing used to find boundaries.
    public let framing: InputFraming
    /// Nominal block size in bytes.
    public let blockSize: Int
    /// Maximum size of a single row in bytes.
    public let maxRowSize: Int
    /// Number of pieces each chunk is split into.
    public let parallelism: Int

    private var buffers: [UnsafeMutableRawBufferPointer] = []
    private var current = 0
    /// Unconsumed tail in buffers[current]: [tailStart, tailEnd).
    private var tailStart = 0
    private var tailEnd = 0
    private var tailOffset: Int64 = 0
    private var tailLine = 1
    private var eof = false
    private var started = false
    private var done = false

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - blockSize: bytes read per block (default 32 MiB; minimum 1, tiny values are for tests).
    ///   - maxRowSize: largest accepted row (default 256 MiB). `2 * blockSize + maxRowSize` must
    ///     stay below 2 GiB so field offsets fit `Int32` (chunks never exceed that size).
    ///   - parallelism: pieces per chunk (≥ 1).
    public init(source: InputSource, framing: InputFraming, blockSize: Int = 32 << 20,
                maxRowSize: Int = 256 << 20, parallelism: Int = 1) {
        precondition(blockSize >= 1 && maxRowSize >= 1 && parallelism >= 1)
        precondition(2 * blockSize + maxRowSize < Int(Int32.max) - 16, "chunk offsets must fit Int32")
        self.source = source
        self.framing = framing
        self.blockSize = blockSize
        self.maxRowSize = maxRowSize
        self.parallelism = parallelism
        buffers = [
            UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 64),
            UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 64),
        ]
    }

    deinit {
        for b in buffers { b.deallocate() }
    }

    /// Returns the next chunk, or `nil` at the end of the input.
    ///
    /// - Throws: `InputError` from the source, or for a row exceeding `maxRowSize`.
    public func next() throws(InputError) -> InputChunk? {
        if done { return nil }
        // Move the tail into the other buffer (the one not holding the previous chunk).
        let prev = current
        current ^= 1
        let tailLen = tailEnd - tailStart
        if buffers[current].count < max(blockSize, tailLen + 1) {
            buffers[current].deallocate()
            buffers[current] = UnsafeMutableRawBufferPointer.allocate(
                byteCount: max(blockSize, tailLen + blockSize), alignment: 64)
        }
        if tailLen > 0 {
            buffers[current].baseAddress!.copyMemory(from: buffers[prev].baseAddress! + tailStart,
                                                     byteCount: tailLen)
        }
        var filled = tailLen
        var start = 0
        var chunkOffset = tailOffset
        while true {
            var buf = buffers[current]
            // Fill the buffer.
            while !eof && filled < buf.count {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[filled...]))
                if n == 0 { eof = true } else { filled += n }
            }
            if !started {
                // Skip a UTF-8 BOM at the very start of the input.
                if filled >= 3 {
                    let b = buf.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    if b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { start = 3; chunkOffset = 3 }
                    started = true
                } else if eof {
                    started = true
                } else {
                    // Fewer than 3 bytes but not EOF: cannot happen with blockSize >= 3 since
                    // the source fills completely; grow to guarantee progress.
                    try grow(&buf, filled: filled, line: tailLine)
                    continue
                }
            }
            let region = UnsafeRawBufferPointer(start: buf.baseAddress! + start, count: filled - start)
            if region.count == 0 && eof {
                done = true
                return nil
            }
            let split = InputSplitter.split(region, into: parallelism, framing: framing,
                                            firstLine: tailLine, atEndOfInput: eof)
            if split.end == 0 {
                // No complete row in the buffer: the row is longer than the buffer.
                try grow(&buf, filled: filled, line: tailLine)
                continue
            }
            let chunk = InputChunk(bytes: UnsafeRawBufferPointer(rebasing: region[..<split.end]),
                                   firstLine: tailLine, byteOffset: chunkOffset,
                                   pieces: split.pieces, isLast: eof && split.end == region.count)
            tailStart = start + split.end
            tailEnd = filled
            tailOffset = chunkOffset + Int64(split.end)
            tailLine = split.endLine
            if chunk.isLast { done = true }
            return chunk
        }
    }

    private func grow(_ buf: inout UnsafeMutableRawBufferPointer, filled: Int, line: Int) throws(InputError) {
        if filled >= maxRowSize {
            if case .csv(let quote) = framing,
               let l = CSVScanner.loneCRLine(UnsafeRawBufferPointer(buf), range: 0..<filled, firstLine: line, quote: quote) {
                throw InputError(.loneCR, file: source.displayName, line: l, reason: CSVScanner.loneCRMessage)
            }
            throw InputError(.rowTooLong, file: source.displayName, line: line,
                             reason: "row exceeds the maximum row size of \(maxRowSize) bytes"
                                + (framing == .lines ? "" : " (unterminated quoted field?)"))
        }
        // Double (capped), but always leave room for at least one more block after `filled`
        // (the buffer may already exceed the cap after carrying over a long tail).
        let newSize = max(min(buf.count * 2, maxRowSize + blockSize), filled + blockSize)
        let nb = UnsafeMutableRawBufferPointer.allocate(byteCount: newSize, alignment: 64)
        nb.baseAddress!.copyMemory(from: buf.baseAddress!, byteCount: filled)
        buf.deallocate()
        buffers[current] = nb
        buf = nb
    }
}

/// The chunk reader used for CSV input (`framing: dialect.framing`).
public typealias CSVChunkReader = InputChunkReader
