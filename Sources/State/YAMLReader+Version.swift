import Foundation
import Yams

extension YAMLReader {
    /// Checks a file's `version:`, the one rule every tenantplan file format shares.
    ///
    /// A missing `version:` is recorded like any other error. A version other than
    /// `supported` throws at once, as the only error: the rest of a file written
    /// for another release is not worth judging by this one's rules.
    func checkVersion(in top: YAMLFields, of root: Node, supported: Int) throws {
        guard let entry = top["version"] else {
            error("missing version", at: root, hint: "add version: \(supported) at the top of the file")
            return
        }
        let text = entry.value.scalarText ?? entry.value.kindDescription
        guard text.trimmingCharacters(in: .whitespaces) == String(supported) else {
            let shown = entry.value.isNull ? "(none)" : text
            throw InputErrors([InputError(
                "unsupported version \(shown); this tenantplan reads version \(supported)",
                at: entry.value.isNull ? entry.keyNode.location(in: file) : entry.value.location(in: file),
                hint: "write version: \(supported), or use the tenantplan release that reads this version")])
        }
    }
}
