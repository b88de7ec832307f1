#!/usr/bin/env bash
# Run ansible-test sanity on a copy of the tracked files laid out as ansible_collections/graphops/msgraph
# (ansible-test resolves symlinks, so the collection must really live under that path).
# Usage: run_sanity.sh <venv python> [ansible-test sanity args...]
set -euo pipefail
python="$1"; shift
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/graphops/msgraph"
mkdir -p "$dest"
# Tracked and new (not ignored) files, as they are in the working tree.
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$dest"/ 2>/dev/null || true)
"$root/tests/utils/seed_ansible_test_pip.sh" "$python"
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cd "$dest"
"$(dirname "$python")/ansible-test" sanity --venv --python "$pyver" --color no "$@"
