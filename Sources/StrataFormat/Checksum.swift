import CStrataKernels

/// CRC-32C (Castagnoli). Hardware-accelerated on x86-64 with SSE4.2.
public enum CRC32C {
    @inlinable public static func checksum(_ buf: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = buf.baseAddress, buf.count > 0 else { return seed }
        return strata_crc32c(seed, base, buf.count)
    }

    public static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }
}
