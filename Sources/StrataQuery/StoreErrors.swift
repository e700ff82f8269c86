import StrataStore

extension QueryError {
    /// A store error keeps its class: a bad name or missing table is the user's (exit 1),
    /// damage is corruption (exit 2), and an I/O failure, a lock timeout or a conflict with a
    /// concurrent commit is neither (exit 3).
    init(_ e: StoreError) {
        switch e.kind {
        case .user: self.init(e.message)
        case .corrupt: self.init(e.message, kind: .corrupt)
        case .io, .locked, .conflict: self.init(e.message, kind: .internal)
        }
    }
}

extension EngineError {
    /// See `QueryError.init(_: StoreError)`.
    init(_ e: StoreError) {
        switch e.kind {
        case .user: self.init(kind: .user, message: "error: " + e.message, detail: "")
        case .corrupt: self.init(kind: .corrupt, message: "corrupt data: " + e.message, detail: "")
        case .io, .locked, .conflict: self.init(kind: .internal, message: "error: " + e.message, detail: "")
        }
    }

    /// The query error's class as an engine error's.
    static func kind(_ q: QueryError.Kind) -> Kind {
        switch q {
        case .user: return .user
        case .corrupt: return .corrupt
        case .internal: return .internal
        }
    }
}
