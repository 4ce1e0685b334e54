import Foundation

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

    /// What tells this build apart in the records of verified states: the
    /// version line, and for a development build (no commit) also when the
    /// executable was built, so that a rebuilt binary never reads what another
    /// build recorded.
    static var recordBuild: String {
        guard commit == nil else { return versionLine }
        let path = Bundle.main.executablePath ?? CommandLine.arguments[0]
        let built = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
            .map { String($0.timeIntervalSince1970) } ?? ""
        return versionLine + " " + built
    }
}
