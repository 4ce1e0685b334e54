extension String.UTF8View {
    /// Whether `needle` occurs in these bytes (plain byte comparison, no Foundation).
    func contains(subsequence needle: String.UTF8View) -> Bool {
        guard let first = needle.first else { return true }
        var start = startIndex
        while let i = self[start...].firstIndex(of: first) {
            if self[i...].starts(with: needle) { return true }
            start = index(after: i)
        }
        return false
    }
}
