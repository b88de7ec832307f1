# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as Galaxy ships it: `ansible-galaxy collection build`, install, and run the demo from the copy.

The build runs on a copy of the tracked files (tests/utils/collection_tree.sh, as for ansible-test and the
changelog) into which the clutter of a working tree is planted (virtualenvs, .build with its symlink, test output,
caches, .git), so that galaxy.yml's build_ignore is what keeps them out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from conftest import AUTH_ENV_NAMES, REPO

BIN = Path(sys.executable).parent
VERSION = yaml.safe_load((REPO / 'galaxy.yml').read_text())['version']
# What a working tree holds after `make test` / `make demo` and must never reach Galaxy.
CLUTTER = [
    '.venv/bin/python',
    '.venv-2.16/pyvenv.cfg',
    '.nox/build-import-check/pyvenv.cfg',
    '.build/emulator/ca.pem',
    '.build/dist/graphops-msgraph-0.0.1.tar.gz',
    'tests/output/junit/python3.12-units.xml',
    'plugins/module_utils/__pycache__/graph_client.cpython-312.pyc',
    'tests/integration/__pycache__/conftest.cpython-312-pytest-9.2.0.pyc',
    '__pycache__/stray.cpython-312.pyc',
    '.pytest_cache/v/cache/nodeids',
    '.git/HEAD',
    'emulator-state/state.json',
    'benchmarks/results/run.json',
]
FORBIDDEN_PARTS = {'.venv', '.venv-2.16', '.nox', '.build', '.git', '__pycache__', '.pytest_cache', 'emulator-state'}


def tracked_files() -> list:
    listed = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=str(REPO), capture_output=True,
                            check=True).stdout.decode()
    return [name for name in listed.split('\0') if name and (REPO / name).is_file()]


@pytest.fixture(scope='module')
def tarball(tmp_path_factory) -> Path:
    """Build from a copy of the working tree with the clutter planted in it."""
    laid_out = subprocess.run([str(REPO / 'tests' / 'utils' / 'collection_tree.sh'), str(tmp_path_factory.mktemp('source'))],
                              capture_output=True, text=True, check=True)
    source = Path(laid_out.stdout.strip())
    assert source.parts[-3:] == ('ansible_collections', 'graphops', 'msgraph') and (source / 'galaxy.yml').is_file()
    for name in CLUTTER:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text('clutter\n')
    # A .build that points back at the tree, as `make collection-link` leaves it.
    link = source / '.build' / 'collections' / 'ansible_collections' / 'graphops' / 'msgraph'
    link.parent.mkdir(parents=True)
    link.symlink_to(source)
    dist = tmp_path_factory.mktemp('dist')
    completed = subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', '--output-path', str(dist), str(source)],
                               capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    built = dist / ('graphops-msgraph-%s.tar.gz' % VERSION)
    assert built.is_file(), completed.stdout
    return built


@pytest.fixture(scope='module')
def installed(tarball, tmp_path_factory) -> Path:
    """The tarball installed into an empty collections path, as `ansible-galaxy collection install` does it."""
    collections = tmp_path_factory.mktemp('installed') / 'collections'
    completed = subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'install', '--offline', '-p', str(collections), str(tarball)],
                               env=isolated_env(collections), capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return collections


def isolated_env(collections: Path) -> dict:
    """Ansible sees only `collections`: no repository link, no PYTHONPATH, no sys.path scan, no credentials."""
    env = {key: value for key, value in os.environ.items() if key not in AUTH_ENV_NAMES and key != 'PYTHONPATH'}
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(collections),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_HOME': str(collections.parent / 'ansible-home'),
        'ANSIBLE_LOCAL_TEMP': str(collections.parent / 'tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
    })
    return env


def test_the_tarball_holds_the_collection_and_none_of_the_working_tree_clutter(tarball):
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile('MANIFEST.json'))
        licence = archive.extractfile('COPYING').read().decode()
    offending = sorted(name for name in names
                       if FORBIDDEN_PARTS & set(Path(name).parts) or name.startswith('tests/output') or name.endswith('.pyc')
                       or name.startswith('benchmarks/results') or name.endswith('.tar.gz'))
    assert offending == []
    assert manifest['collection_info']['namespace'] == 'graphops' and manifest['collection_info']['version'] == VERSION
    # galaxy.yml's licence, in full text, travels with the artifact.
    assert manifest['collection_info']['license'] == ['GPL-3.0-or-later']
    assert 'GNU GENERAL PUBLIC LICENSE' in licence and 'Version 3, 29 June 2007' in licence
    for expected in ('MANIFEST.json', 'FILES.json', 'README.md', 'CHANGELOG.md', 'COPYING', 'meta/runtime.yml',
                     'meta/execution-environment.yml', 'meta/ee-requirements.txt', 'meta/ee-bindep.txt',
                     'plugins/modules/graph_profile_photo.py', 'plugins/modules/graph_profile_photo_info.py',
                     'plugins/doc_fragments/auth.py', 'plugins/module_utils/_graph/client.py',
                     'roles/profile_photos/meta/argument_specs.yml', 'examples/demo.yml', 'docs/docsite/rst/getting_started.rst',
                     'docs/docsite/extra-docs.yml', 'docs/docsite/links.yml', 'docs/docsite/rst/audit-report.png'):
        assert expected in names, expected
    # The Graph emulator is a Python package of its own (emulator/pyproject.toml), not part of the collection.
    assert [name for name in names if name == 'emulator' or name.startswith('emulator/') or 'graph_emulator' in name] == []
    assert 'emulator/graph_emulator/process.py' in tracked_files()
    # Everything else tracked is shipped (less what build_ignore names): nothing is lost on the way.
    shipped = {name for name in names if not name.endswith('/')}
    missing = [name for name in tracked_files() if name not in shipped and not name.startswith(('.ci/', '.git', 'emulator/'))
               and name != 'galaxy.yml']
    assert missing == []


def test_the_installed_copy_runs_the_demo_against_the_emulator(installed, emulator, admin):
    copy = installed / 'ansible_collections' / 'graphops' / 'msgraph'
    env = isolated_env(installed)
    listed = subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'list', 'graphops.msgraph', '--format', 'json'],
                            env=env, capture_output=True, text=True, timeout=120, check=True)
    assert list(json.loads(listed.stdout)) == [str(installed / 'ansible_collections')]
    env.update(emulator.client_environment())
    command = [str(BIN / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               '-e', 'ansible_python_interpreter=%s' % sys.executable, str(copy / 'examples' / 'demo.yml')]
    recaps = []
    for dummy in range(2):
        completed = subprocess.run(command, env=env, cwd=str(installed.parent), capture_output=True, text=True, timeout=300,
                                   check=False)
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, output
        recaps.append(tuple(int(n) for n in re.search(r'ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0', output).groups()))
    assert recaps == [(5, 5), (5, 0)]
    # Seen from the side: the emulator holds the photos the installed copy's examples/photos declared.
    assert admin.photo_facts('users/alice@contoso.com') is not None
    assert admin.photo_facts('groups/4fa06d3c-7e5a-4b19-8d48-6c2f5a1e9b34') is not None
    assert admin.photo_facts('users/bob@contoso.com') is None


def test_ansible_builder_finds_the_requirements_of_the_installed_copy(installed):
    completed = subprocess.run([str(BIN / 'ansible-builder'), 'introspect', '--sanitize', str(installed)],
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    found = yaml.safe_load(completed.stdout)  # '# Dependency data for ...', then python: and system: lists
    python = ' '.join(found['python'])
    system = ' '.join(found['system'])
    for requirement in ('requests>=2.25', 'msal>=1.28', 'Pillow>=9.1'):
        assert requirement in python, completed.stdout
    assert 'graphops.msgraph' in python and 'libjpeg-turbo-devel [compile platform:rpm]' in system, completed.stdout
