#!/usr/bin/env bash
# Run `ansible-test <command>` (sanity, units) on a copy of the tracked files laid out as
# ansible_collections/graphops/msgraph (collection_tree.sh). --venv: ansible-test builds its own virtualenvs from PyPI, with pip seeded by seed_ansible_test_pip.sh.
# TARGET_PYTHONS="3.9 3.10": after the run, also the sanity tests compile and import on those Pythons (module code
# runs on the managed side with any Python that tests/config.yml allows), each an interpreter here that runs. A
# Python that is not here fails the run before anything runs, saying what to install: a run that skipped it would
# pass without having checked it.
# Usage: run_ansible_test.sh <python of a venv with ansible-core> <sanity|units> [ansible-test args...]
set -euo pipefail
python="$1"; command="$2"; shift 2
root="$(cd "$(dirname "$0")/../.." && pwd)"
ansible_test="$(dirname "$python")/ansible-test"
if [ ! -x "$ansible_test" ]; then
  echo "run_ansible_test.sh: $ansible_test is missing; create that venv first (make venv, make venv-oldest)" >&2
  exit 1
fi
targets=()
for version in ${TARGET_PYTHONS:-}; do
  target=""
  for candidate in "$HOME"/.pyenv/versions/"$version".*/bin/python"$version" $(command -v "python$version" || true); do
    if "$candidate" -c 'import venv' >/dev/null 2>&1; then target="$candidate"; break; fi
  done
  if [ -z "$target" ]; then
    echo "run_ansible_test.sh: no python$version with venv runs here, so the sanity tests cannot compile and import the" \
      "collection on Python $version. Install it (pyenv install $version, or apt-get install python$version" \
      "python$version-venv), or remove $version from TARGET_PYTHONS in the Makefile's sanity target." >&2
    exit 1
  fi
  targets+=("$version=$target")
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dest="$("$root/tests/utils/collection_tree.sh" "$work")"
"$root/tests/utils/seed_ansible_test_pip.sh" "$python"
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
core=$("$python" -c 'from ansible.release import __version__; print(__version__)')
echo "ansible-test $command: ansible-core $core, Python $pyver"
cd "$dest"
"$ansible_test" "$command" --venv --python "$pyver" --color no "$@"
for entry in ${targets[@]+"${targets[@]}"}; do
  version="${entry%%=*}"; target="${entry#*=}"
  echo "ansible-test sanity compile, import: ansible-core $core, target Python $version ($target)"
  PATH="$(dirname "$target"):$PATH" "$ansible_test" sanity --venv --python "$version" --color no \
    --test compile --test import
done
