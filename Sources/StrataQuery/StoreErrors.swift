import StrataCore
import StrataFormat
import StrataSQL
import StrataStore

extension QueryError {
    /// A store error keeps its class: a bad name or missing table is the user's (exit 1),
    /// damage is corruption (exit 2), and an I/O failure, a lock timeout or a conflict with a
    /// concurrent commit is neither (exit 3).
    init(_ e: StoreError) {
        switch e.kind {
        case .user: self.init(e.message, cause: e)
        case .corrupt: self.init(e.message, kind: .corrupt, cause: e)
        case .io, .locked, .conflict: self.init(e.message, kind: .internal, cause: e)
        case .cancelled: self.init(e.message, kind: .cancelled, cause: e)
        }
    }

    /// A segment that cannot be read while a query runs is damage.
    init(_ e: FormatError) {
        self.init(e.description, kind: .corrupt, cause: e)
    }
}

extension EngineError {
    /// See `QueryError.init(_: StoreError)`.
    init(_ e: StoreError) {
        switch e.kind {
        case .user: self.init(kind: .user, message: "error: " + e.message, detail: "", cause: e)
        case .corrupt: self.init(kind: .corrupt, message: "corrupt data: " + e.message, detail: "", cause: e)
        case .io, .locked, .conflict: self.init(kind: .internal, message: "error: " + e.message, detail: "", cause: e)
        case .cancelled: self.init(kind: .cancelled, message: e.message, detail: "", cause: e)
        }
    }

    /// A failed statement: its class, the message with its prefix ("corrupt data: " or
    /// "error: ") and, with the statement's text, a caret under the error's position.
    init(_ q: QueryError, sql: String = "") {
        let kind: Kind
        switch q.kind {
        case .user: kind = .user
        case .corrupt: kind = .corrupt
        case .internal: kind = .internal
        case .limit: kind = .limit
        case .cancelled:
            self.init(kind: .cancelled, message: q.message.hasPrefix("cancelled") ? q.message : "cancelled", detail: "", cause: q)
            return
        }
        self.init(kind: kind, message: (q.kind == .corrupt ? "corrupt data: " : "error: ") + q.message,
                  detail: sql.isEmpty ? "" : EngineError.caret(sql, q.offset), offset: q.offset, cause: q)
    }

    /// SQL that does not parse: the rendered syntax error, its first line as the message and
    /// the source line with the caret as the detail.
    init(_ e: SQLError, sql: String) {
        let lines = e.rendered(sql: sql).split(separator: "\n", maxSplits: 1).map(String.init)
        self.init(kind: .user, message: lines[0], detail: lines.count > 1 ? lines[1] : "", offset: e.offset, cause: e)
    }
}
