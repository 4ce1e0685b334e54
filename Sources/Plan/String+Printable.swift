extension String {
    /// The text with control characters shown as `\u{1B}`, so that a name from a
    /// file or a catalog cannot move the cursor or recolour a terminal.
    public var printable: String {
        var out = ""
        for scalar in unicodeScalars {
            if scalar.properties.generalCategory == .control {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
