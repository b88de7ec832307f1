#!/usr/bin/env bash
# ansible-test bootstraps pip in each sanity virtualenv with a get-pip.py it downloads from
# ci-files.testing.ansible.com, a host that is not reachable here (only package registries are).
# It looks in ~/.ansible/test/cache/get_pip_<version>.py first, so we put there a small script that installs
# the same pip version from PyPI's own pip wheel. Usage: seed_ansible_test_pip.sh <python of the venv with ansible-test>
set -euo pipefail
python="$1"
version=$("$python" - <<'PY'
import pathlib, re
import ansible_test
source = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
print(re.search(r"pip='([0-9.]+)'", source.read_text()).group(1))
PY
)
cache="$HOME/.ansible/test/cache"
script="$cache/get_pip_${version//./_}.py"
wheel="$cache/pip-${version}-py3-none-any.whl"
mkdir -p "$cache"
if [ ! -f "$wheel" ]; then
  "$python" -m pip download -q --no-deps --only-binary=:all: -d "$cache" "pip==${version}"
fi
cat > "$script" <<PY
# Written by tests/utils/seed_ansible_test_pip.sh: installs pip ${version} from PyPI's wheel, like get-pip.py.
import os
import sys

WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pip-${version}-py3-none-any.whl')
sys.path.insert(0, WHEEL)
from pip._internal.cli.main import main  # noqa: E402

args = [WHEEL if arg == 'pip==${version}' else arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
sys.exit(main(['install', '--upgrade', '--force-reinstall'] + args))
PY
echo "seeded $script"
