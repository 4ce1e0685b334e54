import CLibPQ

/// A libpq connection string, `key=value` pairs or a `postgresql://` URI, as
/// libpq itself reads it (`PQconninfoParse`).
///
/// See https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING.
enum ConnectionString {
    enum Parsed: Equatable {
        /// The options the string sets, by keyword, values decoded.
        case options([String: String])
        /// libpq's message about why it cannot read the string.
        case invalid(String)
    }

    /// Whether libpq reads `conninfo` as a URI rather than as `key=value` pairs: by
    /// its prefix, as libpq decides.
    static func isURI(_ conninfo: String) -> Bool {
        conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://")
    }

    /// The options `conninfo` sets, or why libpq cannot read it. Reads neither the
    /// environment nor any file: only what the string says.
    static func parse(_ conninfo: String) -> Parsed {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &error) else {
            defer { PQfreemem(error) }
            return .invalid(error.map { String(cString: $0).trimmingTrailingNewlines() } ?? "out of memory")
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return .options(values)
    }
}
