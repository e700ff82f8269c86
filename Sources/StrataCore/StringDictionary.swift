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

    @inlinable public var count: Int { offsets.count - 1 }

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
    @inlinable public func withEntry<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let lo = Int(offsets[i]), hi = Int(offsets[i + 1])
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[lo..<hi])) }
    }

    public subscript(i: Int) -> String {
        withEntry(i) { String(decoding: $0, as: UTF8.self) }
    }

    public var strings: [String] { (0..<count).map { self[$0] } }

    /// Byte-wise (UTF-8 code unit) comparison of entries, the order of sorted dictionaries.
    @inlinable public func compare(_ a: Int, _ b: Int) -> Int {
        bytes.withUnsafeBufferPointer { p in
            compareBytes(UnsafeBufferPointer(rebasing: p[Int(offsets[a])..<Int(offsets[a + 1])]),
                         UnsafeBufferPointer(rebasing: p[Int(offsets[b])..<Int(offsets[b + 1])]))
        }
    }
}
