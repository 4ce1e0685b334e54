/// The version and the commit a binary was built from, for `tenantplan --version`
/// and the plan file's `tool_version`.
///
/// `scripts/release.sh` writes the commit into this file for a release build and
/// puts the file back afterwards, so that the repository stays clean. Any other
/// build (`swift build`, the tests) is a development build: `commit` is nil.
enum BuildInfo {
    static let version = "0.1.0"
    static let commit: String? = nil

    /// `tenantplan 0.1.0 (commit 1a2b3c4d5e6f)`, or `(commit unknown, development build)`.
    static var versionLine: String {
        "tenantplan \(version) (" + (commit.map { "commit \($0)" } ?? "commit unknown, development build") + ")"
    }
}
