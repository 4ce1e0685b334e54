/// A PostgreSQL array literal (`{"a","b"}`) for a text or oid array parameter.
public func arrayLiteral(_ values: [String]) -> String {
    var out = "{"
    for (i, value) in values.enumerated() {
        if i > 0 { out += "," }
        out += "\""
        // By Unicode scalar: a quote joined to a combining mark is still a quote.
        for scalar in value.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        out += "\""
    }
    return out + "}"
}
