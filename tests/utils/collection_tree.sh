#!/usr/bin/env bash
# The one way this repository is laid out as a collection tree: the tracked and new (not ignored) files of the
# working tree, as they are, copied to <dir>/ansible_collections/<namespace>/<name> (from galaxy.yml); prints
# that path. ansible-test needs the collection to really live under such a path (it resolves symlinks), and
# antsibull-changelog reads the collection's name from it. Used by run_ansible_test.sh, changelog.sh and
# tests/integration/test_galaxy_build.py.
# Every file is copied or the script fails: a tree with files missing would let the checks that run on it pass
# without having seen them. Only a tracked file deleted in the working tree (not yet committed) is left out.
# Usage: collection_tree.sh <dir>
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if ! command -v git >/dev/null 2>&1; then
  echo "collection_tree.sh: git is missing; install it (apt-get install git): it lists the collection's files" >&2
  exit 1
fi
if ! git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  echo "collection_tree.sh: $root is not a git working tree; run it from a clone of the repository" >&2
  exit 1
fi
namespace=$(sed -n 's/^namespace: *//p' "$root/galaxy.yml")
name=$(sed -n 's/^name: *//p' "$root/galaxy.yml")
dest="$1/ansible_collections/$namespace/$name"
mkdir -p "$dest"
# --parents keeps each file's directories.
(cd "$root" && git ls-files -co --exclude-standard -z | while IFS= read -r -d '' file; do
  if [ -e "$file" ] || [ -L "$file" ]; then printf '%s\0' "$file"; fi
done | xargs -0 -r cp --parents -t "$dest"/) || {
  echo "collection_tree.sh: copying the collection's files to $dest failed (above)" >&2
  exit 1
}
echo "$dest"
