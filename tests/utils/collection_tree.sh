#!/usr/bin/env bash
# The one way this repository is laid out as a collection tree: the tracked and new (not ignored) files of the
# working tree, as they are, copied to <dir>/ansible_collections/<namespace>/<name> (from galaxy.yml); prints
# that path. ansible-test needs the collection to really live under such a path (it resolves symlinks), and
# antsibull-changelog reads the collection's name from it. Used by run_ansible_test.sh, changelog.sh and
# tests/integration/test_galaxy_build.py.
# Usage: collection_tree.sh <dir>
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
namespace=$(sed -n 's/^namespace: *//p' "$root/galaxy.yml")
name=$(sed -n 's/^name: *//p' "$root/galaxy.yml")
dest="$1/ansible_collections/$namespace/$name"
mkdir -p "$dest"
# --parents keeps each file's directories; a file deleted but not yet committed is skipped (cp fails on it).
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$dest"/ 2>/dev/null || true)
echo "$dest"
