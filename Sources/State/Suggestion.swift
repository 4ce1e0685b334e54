/// "Did you mean ...?" for misspelt keys, names and types.
package enum Suggestion {
    /// Levenshtein distance over Unicode scalars: insertions, deletions and substitutions.
    package static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The candidate closest to `word`, compared without regard to case, if it is close
    /// enough to be a likely typo: at most 2 edits (1 for words under 4 characters, so
    /// that short words do not "match" anything). Ties go to the earlier candidate.
    package static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let limit = word.unicodeScalars.count < 4 ? 1 : 2
        let lowered = word.lowercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let d = distance(lowered, candidate.lowercased())
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.candidate
    }

    /// "did you mean 'x'?" when a candidate is close, else `fallback`.
    package static func hint(for word: String, among candidates: some Sequence<String>, otherwise fallback: String) -> String {
        closest(to: word, among: candidates).map { "did you mean '\($0)'?" } ?? fallback
    }
}
