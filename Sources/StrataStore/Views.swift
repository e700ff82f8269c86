import Foundation
import StrataCore
import StrataFormat
#if canImport(Glibc)
import Glibc
#endif

/// A view of the catalog: a name and the query text it stands for, as written (Format.md,
/// "View file"). The store keeps the text only; the query engine parses and binds it
/// wherever the view is used.
public struct ViewDefinition: Sendable, Codable, Equatable {
    public var name: String
    /// The query's SQL exactly as written after `AS`.
    public var sql: String
    /// Names given to the query's columns (`CREATE VIEW v (a, b) AS ...`); empty: its own names.
    public var columns: [String]
    public var createdAt: Double

    public init(name: String, sql: String, columns: [String] = [], createdAt: Double = Date().timeIntervalSince1970) {
        self.name = name
        self.sql = sql
        self.columns = columns
        self.createdAt = createdAt
    }

    public static let formatVersion: UInt16 = 1
    public static let magic: [UInt8] = Array("STRATVEW".utf8)

    /// The file's framing (`FramedFile`, shared with the manifest).
    static let framing = FramedFile(magic: magic, version: formatVersion, noun: "view file", format: "view")

    /// `magic | u16 version | u16 0 | u32 payloadLength | payload (JSON) | u32 crc32c | magic`.
    public func encode() throws(StoreError) -> [UInt8] { try ViewDefinition.framing.encode(self) }

    public static func decode(_ bytes: [UInt8], path: String) throws(StoreError) -> ViewDefinition {
        try framing.decode(ViewDefinition.self, bytes, path: path)
    }
}

/// Views live in `STORE/_views/<name>.view`, one file per view, beside the table folders (a
/// `_` name, which table names cannot take and older builds skip). Tables and views share one
/// namespace.
extension Store {
    var viewsDir: String { root + "/_views" }

    func viewPath(_ name: String) -> String { "\(viewsDir)/\(name.lowercased()).view" }

    /// Names of the store's views, sorted.
    public func viewNames() -> [String] {
        guard StoreFS.kind(viewsDir) == .directory else { return [] }
        let items = (try? FileManager.default.contentsOfDirectory(atPath: viewsDir)) ?? []
        return items.filter { $0.hasSuffix(".view") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted()
    }

    public func viewExists(_ name: String) -> Bool {
        (try? Store.checkName(name, what: "view")) != nil && StoreFS.kind(viewPath(name)) == .regular
    }

    /// The view named `name`, or nil when there is none.
    public func view(_ name: String) throws(StoreError) -> ViewDefinition? {
        guard viewExists(name) else { return nil }
        let path = viewPath(name)
        let bytes: [UInt8]
        do throws(StoreError) { bytes = try StoreFS.readFile(path, limit: 16 << 20) } catch {
            // dropped since the check: no view
            if StoreFS.kind(path) == .missing { return nil }
            throw error
        }
        return try ViewDefinition.decode(bytes, path: path)
    }

    /// Creates (with `orReplace`, replaces) a view. Its name must not be a table's; an existing
    /// view is an error unless `orReplace` or `ifNotExists` (then nothing changes). The file is
    /// written to a temporary name, synced, and linked (created) or renamed (replaced) into place.
    public func createView(_ def: ViewDefinition, orReplace: Bool = false, ifNotExists: Bool = false) throws(StoreError) {
        var def = def
        def.name = def.name.lowercased()
        try Store.checkName(def.name, what: "view")
        if def.name.hasPrefix("_") {
            throw .user("invalid view name '\(def.name)': names starting with '_' are reserved for the store's own files")
        }
        if tableExists(def.name) { throw .user("cannot create view '\(def.name)': a table with that name exists") }
        if viewExists(def.name) && !orReplace {
            if ifNotExists { return }
            throw .user("view '\(def.name)' already exists (use CREATE OR REPLACE VIEW to change it)")
        }
        let firstView = StoreFS.kind(viewsDir) == .missing
        try StoreFS.requireDirectory(viewsDir, create: true)
        // the new `_views` folder's name is durable only once the store folder is synced
        if firstView { try StoreFS.syncDirectory(root) }
        let bytes = try def.encode()
        let tmp = "\(viewsDir)/.tmp-\(def.name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try StoreFS.writeNewFile(tmp, bytes, sync: true)
        let final = viewPath(def.name)
        if orReplace {
            do throws(StoreError) { try StoreFS.rename(tmp, final) } catch {
                StoreFS.removeFile(tmp)
                throw error
            }
        } else {
            // a link fails if a concurrent CREATE VIEW took the name first
            let e = StoreFS.link(tmp, final)
            StoreFS.removeFile(tmp)
            if e != 0 {
                if e == EEXIST {
                    if ifNotExists { return }
                    throw .user("view '\(def.name)' already exists (use CREATE OR REPLACE VIEW to change it)")
                }
                throw StoreError(.io, "\(final): cannot create view file: \(StoreFS.errnoText(e))", path: final)
            }
        }
        try StoreFS.syncDirectory(viewsDir)
    }

    /// Drops a view (removes its file).
    public func dropView(_ name: String, ifExists: Bool = false) throws(StoreError) {
        try Store.checkName(name, what: "view")
        guard viewExists(name) else {
            if ifExists { return }
            if tableExists(name) { throw .user("'\(name.lowercased())' is a table, not a view (use DROP TABLE)") }
            throw .user("view '\(name.lowercased())' does not exist")
        }
        let path = viewPath(name)
        if !StoreFS.removeFile(path) && errno != ENOENT {
            throw StoreError(.io, "\(path): cannot remove view file: \(StoreFS.errnoText())", path: path)
        }
        try StoreFS.syncDirectory(viewsDir)
    }
}
