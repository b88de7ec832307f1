#!/usr/bin/env bash
# Run `ansible-test <command>` (sanity, units) on a copy of the tracked files laid out as
# ansible_collections/graphops/msgraph (ansible-test resolves symlinks, so the collection must really live under
# that path). --venv: ansible-test builds its own virtualenvs from PyPI, with pip seeded by seed_ansible_test_pip.sh.
# Usage: run_ansible_test.sh <python of a venv with ansible-core> <sanity|units> [ansible-test args...]
set -euo pipefail
python="$1"; command="$2"; shift 2
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/graphops/msgraph"
mkdir -p "$dest"
# Tracked and new (not ignored) files, as they are in the working tree.
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$dest"/ 2>/dev/null || true)
"$root/tests/utils/seed_ansible_test_pip.sh" "$python"
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
core=$("$python" -c 'from ansible.release import __version__; print(__version__)')
echo "ansible-test $command: ansible-core $core, Python $pyver"
cd "$dest"
"$(dirname "$python")/ansible-test" "$command" --venv --python "$pyver" --color no "$@"
