import Foundation
import StrataFormat

/// The framing of a store file holding one JSON document (Format.md, "Manifest file" and
/// "View file"): `magic | u16 version | u16 0 | u32 payloadLength | payload (JSON) | u32 crc32c | magic`,
/// integers little-endian, the checksum over everything before it.
struct FramedFile {
    let magic: [UInt8]
    let version: UInt16
    /// The file's name in errors ("manifest", "view file").
    let noun: String
    /// Its format's name in errors ("manifest", "view").
    let format: String

    /// The framed bytes of `value`, its JSON with sorted keys.
    func encode<T: Encodable>(_ value: T) throws(StoreError) -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let payload: Data
        do { payload = try enc.encode(value) } catch { throw StoreError(.io, "cannot encode \(format): \(error)", cause: error) }  // JSONEncoder throws untyped errors
        var w = ByteWriter(capacity: payload.count + 32)
        w.append(magic)
        w.u16(version)
        w.u16(0)
        w.u32(UInt32(payload.count))
        w.append([UInt8](payload))
        w.u32(CRC32C.checksum(w.bytes))
        w.append(magic)
        return w.bytes
    }

    /// The document framed in `bytes` (read from `path`), every part of the frame checked.
    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], path: String) throws(StoreError) -> T {
        func bad(_ why: String) -> StoreError { StoreError(.corrupt, "\(path): \(why)", path: path) }
        guard bytes.count >= 28 else { throw bad("\(noun) truncated (\(bytes.count) bytes)") }
        guard Array(bytes[0..<8]) == magic else { throw bad("not a Strata \(noun) (bad magic)") }
        let found = UInt16(bytes[8]) | UInt16(bytes[9]) << 8
        guard found == version else {
            throw bad("\(format) format version \(found) is not supported (this build reads version \(version))")
        }
        let len = Int(UInt32(bytes[12]) | UInt32(bytes[13]) << 8 | UInt32(bytes[14]) << 16 | UInt32(bytes[15]) << 24)
        guard len == bytes.count - 28 else { throw bad("\(noun) truncated or has trailing bytes") }
        guard Array(bytes[(bytes.count - 8)...]) == magic else { throw bad("\(noun) truncated (bad end magic)") }
        let crcAt = bytes.count - 12
        let stored = UInt32(bytes[crcAt]) | UInt32(bytes[crcAt + 1]) << 8 | UInt32(bytes[crcAt + 2]) << 16 | UInt32(bytes[crcAt + 3]) << 24
        let actual = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<crcAt])) }
        guard stored == actual else { throw bad("\(noun) checksum mismatch") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes[16..<(16 + len)]))
        } catch {
            throw bad("\(noun) content is invalid: \(error)")
        }
    }
}
