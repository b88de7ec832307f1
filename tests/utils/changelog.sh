#!/usr/bin/env bash
# CHANGELOG.md for the coming release, generated from changelogs/fragments/ without consuming them.
#
# `antsibull-changelog release` moves the fragments into changelogs/changelog.yaml and deletes them
# (keep_fragments: false), but fragments are still being added until the release is cut. So the release is
# generated in a throw-away copy of the collection and only CHANGELOG.md comes back; changelog.yaml and the
# fragments stay as they are. The real release (once, at tagging time) runs `antsibull-changelog release` in place.
#
# Usage: changelog.sh <venv bin dir> write   regenerate CHANGELOG.md
#        changelog.sh <venv bin dir> check   lint the fragments and fail when CHANGELOG.md is not what they give
set -euo pipefail
bin="$1"; mode="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
version=$(sed -n 's/^version: *//p' "$root/galaxy.yml")
export PATH="$bin:$PATH"  # antsibull-changelog runs ansible-doc to find the new modules
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dest="$("$root/tests/utils/collection_tree.sh" "$work")"
(cd "$dest" && antsibull-changelog lint && antsibull-changelog release --version "$version" 2>"$work/release.log") || {
  cat "$work/release.log" >&2 2>/dev/null; exit 1; }
case "$mode" in
  write)
    cp "$dest/CHANGELOG.md" "$root/CHANGELOG.md"
    echo "CHANGELOG.md written for $version from $(ls "$root/changelogs/fragments" | wc -l) fragments" ;;
  check)
    if ! diff -u "$root/CHANGELOG.md" "$dest/CHANGELOG.md"; then
      echo "CHANGELOG.md is not what changelogs/fragments/ give: run 'make changelog' and commit it" >&2
      exit 1
    fi
    echo "changelog: fragments lint clean, CHANGELOG.md current for $version" ;;
  *) echo "usage: $0 <venv bin dir> write|check" >&2; exit 2 ;;
esac
