#!/usr/bin/env bash
# The collection's docsite, built the way the Ansible documentation builds collection docs: antsibull-docs generates
# the pages of the modules, the role and the guides (docs/docsite) from the collection as ansible-core sees it, and
# Sphinx renders them with the Ansible theme, every warning an error (tests/docsite/conf.py).
# Usage: build_docsite.sh <bin directory of a venv with antsibull-docs and Sphinx> <output directory>
# The HTML is written to <output directory>/build/html. ANSIBLE_COLLECTIONS_PATH must find graphops.msgraph (default:
# .build/collections, where `make collection-link` puts it).
set -euo pipefail
bin="$1"; out="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$root/.build/collections}"
for tool in antsibull-docs sphinx-build; do
  if [ ! -x "$bin/$tool" ]; then
    echo "build_docsite.sh: $bin/$tool is missing; install requirements-dev.txt into that venv (make venv)" >&2
    exit 1
  fi
done
mkdir -p "$out/rst"
chmod og-w "$out/rst"  # antsibull-docs wants its output directory writable by its owner only
cp "$root/tests/docsite/index.rst" "$out/rst/index.rst"
# --cleanup everything: pages of plugins or guides that no longer exist go (antsibull-docs writes collections/ only).
PATH="$bin:$PATH" antsibull-docs collection --use-current --fail-on-error --cleanup everything --dest-dir "$out/rst" graphops.msgraph
PATH="$bin:$PATH" sphinx-build -M html "$out/rst" "$out/build" -c "$root/tests/docsite" -W --keep-going -q
echo "docsite: $out/build/html/index.html"
