#!/usr/bin/env bash
# Run ansible-test sanity on a copy of the collection (see run_ansible_test.sh, which also seeds pip).
# Usage: run_sanity.sh <venv python> [ansible-test sanity args...]
set -euo pipefail
python="$1"; shift
exec "$(dirname "$0")/run_ansible_test.sh" "$python" sanity "$@"
