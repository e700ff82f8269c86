/// An immutable list of byte strings stored contiguously: entry `i` is
/// `bytes[offsets[i]..<offsets[i+1]]`. Used for per-segment sorted dictionaries and for
/// insertion-ordered dictionaries built during ingestion.
public struct StringDictionary: Sendable {
    public var bytes: [UInt8]
    public var offsets: [UInt32]

    public init() {
        bytes = []
        offsets = [0]
    }

    public init(bytes: [UInt8], offsets: [UInt32]) {
        precondition(!offsets.isEmpty && Int(offsets.last!) == bytes.count)
        self.bytes = bytes
        self.offsets = offsets
    }

    public init<S: Sequence>(_ strings: S) where S.Element == String {
        self.init()
        for s in strings { append(s) }
    }

    public var count: Int { offsets.count - 1 }

    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    public mutating func append(_ buf: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buf)
        precondition(bytes.count <= Int(UInt32.max), "dictionary exceeds 4 GiB")
        offsets.append(UInt32(bytes.count))
    }

    public mutating func append(_ buf: UnsafeRawBufferPointer) {
        append(buf.bindMemory(to: UInt8.self))
    }

    @inlinable public func length(_ i: Int) -> Int { Int(offsets[i + 1] - offsets[i]) }

    /// Calls `body` with the bytes of entry `i`.
    @inlinable public func withEntry<R, E: Error>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let lo = Int(offsets[i]), hi = Int(offsets[i + 1])
        return try bytes.withUnsafeBufferPointer { (b) throws(E) in try body(UnsafeBufferPointer(rebasing: b[lo..<hi])) }
    }

    public subscript(i: Int) -> String {
        withEntry(i) { String(decoding: $0, as: UTF8.self) }
    }

    public var strings: [String] { (0..<count).map { self[$0] } }

    /// Byte-wise (UTF-8 code unit) comparison of entries, the order of sorted dictionaries.
    public func compare(_ a: Int, _ b: Int) -> Int {
        bytes.withUnsafeBufferPointer { p in
            compareBytes(UnsafeBufferPointer(rebasing: p[Int(offsets[a])..<Int(offsets[a + 1])]),
                         UnsafeBufferPointer(rebasing: p[Int(offsets[b])..<Int(offsets[b + 1])]))
        }
    }
}

/// memcmp-style lexicographic comparison: negative, zero or positive.
@inlinable public func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let n = min(a.count, b.count)
    if n > 0 {
        let c = memcmpBytes(a.baseAddress!, b.baseAddress!, n)
        if c != 0 { return c }
    }
    return a.count - b.count
}

@usableFromInline func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Int {
    var i = 0
    while i + 8 <= n {
        let x = UInt64(bigEndian: UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self))
        let y = UInt64(bigEndian: UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self))
        if x != y { return x < y ? -1 : 1 }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        i += 1
    }
    return 0
}
