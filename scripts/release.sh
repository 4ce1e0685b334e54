#!/usr/bin/env bash
# Builds a tenantplan release binary that needs only libpq at run time.
#
#   scripts/release.sh [--out DIR] [--base-url URL]
#
# Runs `swift build -c release --static-swift-stdlib` and writes, in DIR
# (default: dist/, which git ignores):
#   tenantplan-<version>-linux-<arch>          the binary (stripped)
#   tenantplan-<version>-linux-<arch>.sha256   its SHA-256, as `sha256sum -c` reads it
# then prints the install step an application's workflow runs. The version is
# BuildInfo.version in Sources/tenantplan/BuildInfo.swift; the commit (HEAD, with
# "-dirty" when tracked files have uncommitted changes) is written into that file
# for the build only: the file is put back afterwards, the tree stays as it was.
#   --base-url URL  where the release assets will be downloaded from, for the
#                   printed install step (default: a GitHub release v<version> of
#                   $TENANTPLAN_REPOSITORY, else OWNER/tenantplan)
#
# The binary links glibc dynamically: build it on the oldest distribution it
# must run on (docs/install.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { echo "release: error: $*" >&2; exit 1; }
note() { echo "release: $*" >&2; }

out=dist
base_url=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) [[ $# -ge 2 ]] || die "--out needs a directory"; out=$2; shift 2 ;;
        --base-url) [[ $# -ge 2 ]] || die "--base-url needs a URL"; base_url=$2; shift 2 ;;
        -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see scripts/release.sh --help)" ;;
    esac
done

info=Sources/tenantplan/BuildInfo.swift
version=$(sed -n 's/^    static let version = "\([^"]*\)"$/\1/p' "$info")
[[ -n $version ]] || die "cannot read 'static let version = \"...\"' in $info"
grep -q '^    static let commit: String? = nil$' "$info" \
    || die "$info does not hold 'static let commit: String? = nil' (a release build that did not finish? git checkout $info)"
commit=$(git rev-parse HEAD) || die "not a git checkout: the commit cannot be embedded"
if [[ -n $(git status --porcelain --untracked-files=no) ]]; then
    commit="$commit-dirty"
    note "tracked files have uncommitted changes: the binary reports commit $commit"
fi
case "$(uname -s)" in Linux) ;; *) die "release binaries are built on Linux" ;; esac
arch=$(uname -m)   # x86_64, aarch64
name="tenantplan-$version-linux-$arch"
# The printed step downloads ${TENANTPLAN_VERSION}: bumping the version is one edit there.
[[ -n $base_url ]] || base_url="https://github.com/${TENANTPLAN_REPOSITORY:-OWNER/tenantplan}/releases/download/v\${TENANTPLAN_VERSION}"

# Embed the commit for this build only.
backup=$(mktemp)
cp "$info" "$backup"
trap 'cp "$backup" "$info"; rm -f "$backup"' EXIT
sed -i "s/^    static let commit: String? = nil\$/    static let commit: String? = \"$commit\"/" "$info"
grep -q "static let commit: String? = \"$commit\"" "$info" || die "could not write the commit into $info"

flags=(-c release --static-swift-stdlib --product tenantplan)
note "swift build ${flags[*]} ($name, commit $commit)"
swift build "${flags[@]}"
bin="$(swift build "${flags[@]}" --show-bin-path)/tenantplan"

mkdir -p "$out"
cp "$bin" "$out/$name"
strip "$out/$name"
(cd "$out" && sha256sum "$name" > "$name.sha256")
sha256=$(cut -d' ' -f1 "$out/$name.sha256")

# The binary must run, report this version and commit, and need nothing of Swift's.
reported=$("$out/$name" --version)
[[ $reported == "tenantplan $version (commit $commit)" ]] || die "the binary reports '$reported'"
if ldd "$out/$name" | grep -Eiq 'swift|libFoundation|libdispatch|libicu'; then
    ldd "$out/$name" >&2
    die "the binary links a Swift runtime library dynamically"
fi

note "built $out/$name ($(du -h "$out/$name" | cut -f1)): $reported"
note "shared libraries (ldd):"
ldd "$out/$name" | sed 's/^/release:   /' >&2
note "publish both files as assets of the release v$version, then install with:"
cat <<EOF
      - name: Install tenantplan $version
        env:
          TENANTPLAN_VERSION: "$version"
          TENANTPLAN_SHA256: "$sha256"
        run: |
          sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends libpq5
          curl -fsSL -o tenantplan "$base_url/tenantplan-\${TENANTPLAN_VERSION}-linux-$arch"
          echo "\${TENANTPLAN_SHA256}  tenantplan" | sha256sum -c -
          sudo install -m 0755 tenantplan /usr/local/bin/tenantplan
          rm tenantplan
          tenantplan --version
EOF
