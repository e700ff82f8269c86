import StrataSQL

// Binding of the string, regex and URL functions (see StringFunctions.swift): one table of
// names, arity and argument kinds; constant regex patterns are compiled here, once per
// statement, and a bad one is a bind error naming the pattern.
extension Binder {
    enum StrArgKind { case str, int }

    /// name -> (op, display name, argument kinds (trailing ones optional from `minArgs`), result)
    static let stringFunctionTable: [String: (StringFn.Op, String, [StrArgKind], Int, DataType)] = {
        var t: [String: (StringFn.Op, String, [StrArgKind], Int, DataType)] = [:]
        func add(_ names: [String], _ op: StringFn.Op, _ kinds: [StrArgKind], min: Int? = nil, _ type: DataType) {
            for n in names { t[n] = (op, names[0], kinds, min ?? kinds.count, type) }
        }
        add(["length", "len", "char_length", "character_length", "lengthutf8"], .length, [.str], .bigint)
        add(["strlen"], .strlen, [.str], .bigint)
        add(["lower", "lcase"], .lower, [.str], .varchar)
        add(["upper", "ucase"], .upper, [.str], .varchar)
        add(["substring", "substr", "substringutf8"], .substring, [.str, .int, .int], min: 2, .varchar)
        add(["left", "leftutf8"], .left, [.str, .int], .varchar)
        add(["right", "rightutf8"], .right, [.str, .int], .varchar)
        add(["strpos", "instr", "position", "positionutf8"], .strpos, [.str, .str], .bigint)
        add(["replace", "replaceall"], .replace(first: false), [.str, .str, .str], .varchar)
        add(["replaceone"], .replace(first: true), [.str, .str, .str], .varchar)
        add(["trim", "trimboth"], .trim(.both), [.str, .str], min: 1, .varchar)
        add(["ltrim", "trimleft"], .trim(.leading), [.str, .str], min: 1, .varchar)
        add(["rtrim", "trimright"], .trim(.trailing), [.str, .str], min: 1, .varchar)
        add(["lpad"], .lpad, [.str, .int, .str], .varchar)
        add(["rpad"], .rpad, [.str, .int, .str], .varchar)
        add(["leftpad"], .lpad, [.str, .int, .str], min: 2, .varchar)
        add(["rightpad"], .rpad, [.str, .int, .str], min: 2, .varchar)
        add(["split_part"], .splitPart, [.str, .str, .int], .varchar)
        add(["reverse", "reverseutf8"], .reverse, [.str], .varchar)
        add(["repeat"], .repeatString, [.str, .int], .varchar)
        add(["md5"], .md5, [.str], .varchar)
        add(["string_split", "str_split", "string_to_array", "split"], .split, [.str, .str], .list(.varchar))
        add(["starts_with", "startswith", "prefix"], .startsWith, [.str, .str], .boolean)
        add(["ends_with", "endswith", "suffix"], .endsWith, [.str, .str], .boolean)
        add(["contains"], .contains, [.str, .str], .boolean)
        add(["domain"], .url(.host), [.str], .varchar)
        add(["url_host", "domainrfc"], .url(.hostRFC), [.str], .varchar)
        add(["domainwithoutwww", "url_host_without_www"], .url(.hostWithoutWWW), [.str], .varchar)
        add(["topleveldomain", "url_top_level_domain"], .url(.topLevelDomain), [.str], .varchar)
        add(["protocol", "url_protocol"], .url(.scheme), [.str], .varchar)
        add(["path", "url_path"], .url(.path), [.str], .varchar)
        add(["pathfull", "url_path_full"], .url(.pathFull), [.str], .varchar)
        add(["querystring", "url_query_string"], .url(.queryString), [.str], .varchar)
        add(["fragment", "url_fragment"], .url(.fragment), [.str], .varchar)
        add(["cutquerystring", "url_cut_query_string"], .url(.cutQueryString), [.str], .varchar)
        add(["cutfragment", "url_cut_fragment"], .url(.cutFragment), [.str], .varchar)
        add(["cutquerystringandfragment", "url_cut_query_string_and_fragment"], .url(.cutQueryStringAndFragment), [.str], .varchar)
        add(["extracturlparameter", "url_extract_parameter"], .urlParameter, [.str, .str], .varchar)
        return t
    }()

    static let regexFunctionNames: Set<String> = [
        "regexp_matches", "match", "regexp_full_match", "regexp_extract", "regexp_replace", "replaceregexpall", "replaceregexpone",
        "regexp_split_to_array", "string_split_regex", "str_split_regex",
    ]

    static let listFunctionNames: [String] = [
        "array_length", "list_extract", "list_element", "array_extract", "list_value", "list_pack", "unnest", "splitbystring", "splitbyregexp",
    ]

    static var stringFunctionNames: [String] {
        Array(stringFunctionTable.keys) + Array(regexFunctionNames) + ["concat", "concat_ws", "hash"] + listFunctionNames
    }

    /// Binds `name(args)` when it is a string, regex or URL function; nil otherwise.
    func bindStringFunction(_ name: String, _ f: FunctionCall, _ args0: [BExpr], _ at: Int) throws(QueryError) -> BExpr? {
        if name == "extract" { return try bindClickHouseExtract(f, args0, at) }
        var args = args0
        func arity(_ lo: Int, _ hi: Int, _ display: String) throws(QueryError) {
            guard args.count >= lo && args.count <= hi else {
                let want = lo == hi ? "\(lo)" : "\(lo) to \(hi)"
                throw QueryError("\(display)() takes \(want) argument\(hi == 1 ? "" : "s"), got \(args.count)", offset: at)
            }
        }
        func str(_ i: Int, _ display: String) throws(QueryError) {
            let t = args[i].type
            guard t == .varchar || t == .null else {
                throw QueryError("\(display)() needs a VARCHAR as argument \(i + 1), not \(t) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
            }
        }
        func int(_ i: Int, _ display: String) throws(QueryError) {
            let t = args[i].type
            if t == .double { args[i] = .cast(args[i], .bigint); return }
            guard t == .bigint || t == .null else {
                throw QueryError("\(display)() needs an integer as argument \(i + 1), not \(t) (\(f.args[i].sqlText))", offset: f.args[i].range.start)
            }
        }
        /// The value of constant argument `i` (nil when it is not constant).
        func constant(_ i: Int) throws(QueryError) -> Value? {
            guard i < args.count, args[i].isConstant else { return nil }
            return try constantValue(args[i])
        }
        func constString(_ i: Int, _ display: String, _ what: String) throws(QueryError) -> String? {
            guard let v = try constant(i) else {
                throw QueryError("\(display)() needs a constant \(what) as argument \(i + 1)", offset: f.args[i].range.start)
            }
            if case .string(let s) = v { return s }
            return nil
        }

        if name == "concat" || name == "concat_ws" {
            // NULL arguments are skipped (concat_ws: a NULL separator gives NULL)
            try arity(name == "concat" ? 1 : 2, Int.max, name)
            args = args.map { $0.type == .varchar || $0.type == .null ? $0 : .cast($0, .varchar) }
            return .call(.string(StringFn(name, name == "concat" ? .concat : .concatWS, .varchar)), args, .varchar)
        }

        // LIST functions (Functions/Lists.swift)
        if ["len", "length", "array_length"].contains(name), args.count == 1, args[0].type.isList {
            return .call(.string(StringFn(name, .listLength, .bigint)), args, .bigint)
        }
        if name == "array_length" { throw QueryError("array_length() needs a LIST", offset: at) }
        if name == "list_extract" || name == "list_element" || name == "array_extract" {
            try arity(2, 2, name)
            guard let e = args[0].type.listElement else {
                throw QueryError("\(name)() needs a LIST as argument 1, not \(args[0].type) (\(f.args[0].sqlText))", offset: f.args[0].range.start)
            }
            try int(1, name)
            return .call(.string(StringFn(name, .listExtract, e)), args, e)
        }
        if name == "list_value" || name == "list_pack" {
            var e: DataType = .null
            for a in args { e = try unify(e, a.type, "list elements") }
            if e == .null && !args.isEmpty { e = .varchar }
            return .call(.string(StringFn(name, .listValue, .list(e))), args, .list(e))
        }
        if name == "unnest" {
            if let slot = unnestSlots[f] { return .column(slot.0, slot.1) }
            throw QueryError("unnest() is only allowed in the SELECT list", offset: at)
        }
        if name == "splitbystring" || name == "splitbyregexp" {
            // ClickHouse: separator first
            try arity(2, 2, name == "splitbystring" ? "splitByString" : "splitByRegexp")
            args.swapAt(0, 1)
            var g = f
            g.args.swapAt(0, 1)
            return try bindStringFunction(name == "splitbystring" ? "string_split" : "regexp_split_to_array", g, args, at)
        }

        if name == "hash" {
            try arity(1, 1, name)
            if args[0].type == .interval { throw QueryError("hash() of an INTERVAL is not supported", offset: at) }
            return .call(.string(StringFn(name, .hash, .bigint)), args, .bigint)
        }

        if let (op, display, kinds, minArgs, type) = Binder.stringFunctionTable[name] {
            try arity(minArgs, kinds.count, display)
            for i in args.indices {
                if kinds[i] == .str { try str(i, display) } else { try int(i, display) }
            }
            let fn = StringFn(display, op, type)
            // a boolean test with constant arguments: a per-dictionary-entry predicate
            if type == .boolean, !args[0].isConstant, let v = try constant(1) {
                guard case .string(let p) = v else { return .literal(.null, .boolean) }
                let pb = Array(p.utf8)
                let pred: StringPredicate
                switch op {
                case .startsWith: pred = StringPredicate { StringKernels.startsWith($0, pb) }
                case .endsWith: pred = StringPredicate { StringKernels.endsWith($0, pb) }
                default: pred = StringPredicate { StringKernels.contains($0, pb) }
                }
                pred.text = "\(display.uppercased().replacingOccurrences(of: "_", with: " ")) \(ExprText.quoted(p))"
                return .stringPredicate(args[0], pred)
            }
            return .call(.string(fn), args, type)
        }

        guard Binder.regexFunctionNames.contains(name) else { return nil }
        let display: String
        var optionIndex: Int
        var kinds: [StrArgKind]
        let op: StringFn.Op
        let type: DataType
        switch name {
        case "regexp_matches", "match":
            display = name; kinds = [.str, .str]; optionIndex = 2; op = .regexpMatches(full: false); type = .boolean
            try arity(2, name == "match" ? 2 : 3, display)
        case "regexp_full_match":
            display = name; kinds = [.str, .str]; optionIndex = 2; op = .regexpMatches(full: true); type = .boolean
            try arity(2, 3, display)
        case "regexp_extract":
            display = name; kinds = [.str, .str, .int]; optionIndex = 3; op = .regexpExtract; type = .varchar
            try arity(2, 4, display)
        case "regexp_split_to_array", "string_split_regex", "str_split_regex":
            display = name; kinds = [.str, .str]; optionIndex = 2; op = .regexpSplit; type = .list(.varchar)
            try arity(2, 3, display)
        default:  // regexp_replace, replaceRegexpAll, replaceRegexpOne
            display = name == "regexp_replace" ? name : (name == "replaceregexpall" ? "replaceRegexpAll" : "replaceRegexpOne")
            kinds = [.str, .str, .str]; optionIndex = 3; op = .regexpReplace(global: name == "replaceregexpall"); type = .varchar
            try arity(3, name == "regexp_replace" ? 4 : 3, display)
        }
        for i in args.indices where i < kinds.count {
            if kinds[i] == .str { try str(i, display) } else { try int(i, display) }
        }
        var options = RegexPattern.Options()
        var global = false
        if args.count > optionIndex {
            try str(optionIndex, display)
            guard let o = try constString(optionIndex, display, "options string") else { return .literal(.null, type) }
            do throws(QueryError) {
                (options, global) = try RegexPattern.parseOptions(o, allowGlobal: name == "regexp_replace", function: display)
            } catch {
                throw QueryError(error.message, offset: f.args[optionIndex].range.start)
            }
            args.removeLast()
        }
        if name == "regexp_extract" && args.count > 2 {
            guard let g = try constant(2) else {
                throw QueryError("regexp_extract() needs a constant group number as argument 3", offset: f.args[2].range.start)
            }
            guard case .int(let gi) = g else { return .literal(.null, type) }
            guard gi >= 0 && gi <= 9 else {
                throw QueryError("regexp_extract(): the group number must be between 0 and 9, not \(gi)", offset: f.args[2].range.start)
            }
        }
        var compiled: RegexPattern? = nil
        if let pv = try constant(1) {
            guard case .string(let p) = pv else { return .literal(.null, type) }
            do throws(QueryError) { compiled = try RegexPattern(p, options, function: display) } catch {
                throw QueryError(error.message, offset: f.args[1].range.start)
            }
        }
        var finalOp = op
        if case .regexpReplace = op, name == "regexp_replace" { finalOp = .regexpReplace(global: global) }
        let fn = StringFn(display, finalOp, type, regex: compiled, regexOptions: options)
        if type == .boolean, let re = compiled, !args[0].isConstant {
            let full: Bool
            if case .regexpMatches(let fu) = op { full = fu } else { full = false }
            let pred = StringPredicate { re.matches($0, full: full) }
            pred.text = (full ? "FULLY MATCHES " : "MATCHES ") + ExprText.quoted(re.pattern)
            return .stringPredicate(args[0], pred)
        }
        return .call(.string(fn), args, type)
    }
}
