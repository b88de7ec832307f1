# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scripts `make sanity`, `make units`, `make changelog` and the galaxy build stand on fail when they cannot do
their job, saying what to install, instead of passing having checked less: a target Python that is not here, a file
that cannot be copied into the collection tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

UTILS = REPO / 'tests' / 'utils'


def fake_venv(tmp_path: Path) -> Path:
    """A venv whose python is this one and whose ansible-test only records how it was called."""
    bin_dir = tmp_path / 'venv' / 'bin'
    bin_dir.mkdir(parents=True)
    python = bin_dir / 'python'
    python.write_text('#!/bin/sh\nexec %s "$@"\n' % sys.executable)
    ansible_test = bin_dir / 'ansible-test'
    ansible_test.write_text('#!/bin/sh\necho "$PATH|$*" >> %s\n' % (tmp_path / 'calls'))
    for script in (python, ansible_test):
        script.chmod(0o755)
    return python


def run_ansible_test(tmp_path: Path, target_pythons: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TARGET_PYTHONS=target_pythons)
    return subprocess.run([str(UTILS / 'run_ansible_test.sh'), str(fake_venv(tmp_path)), 'sanity', '--test', 'pep8'],
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def test_a_target_python_that_is_not_here_fails_the_run_before_it_starts(tmp_path):
    completed = run_ansible_test(tmp_path, '3.%d 2.1' % sys.version_info[1])
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert 'no python2.1 with venv runs here' in completed.stderr
    assert 'Install it (pyenv install 2.1, or apt-get install python2.1 python2.1-venv)' in completed.stderr
    assert not (tmp_path / 'calls').exists(), 'nothing ran: not even the first ansible-test'


def test_each_target_python_gets_its_compile_and_import_run(tmp_path):
    version = '%d.%d' % sys.version_info[:2]
    completed = run_ansible_test(tmp_path, version)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    calls = [line.split('|', 1) for line in (tmp_path / 'calls').read_text().splitlines()]
    assert [arguments for dummy, arguments in calls] == [
        'sanity --venv --python %s --color no --test pep8' % version,
        'sanity --venv --python %s --color no --test compile --test import' % version]
    # The target's interpreter comes first on the PATH that ansible-test searches.
    target = completed.stdout.split('target Python %s (' % version, 1)[1].split(')', 1)[0]
    assert calls[1][0].split(':')[0] == os.path.dirname(target)


def tiny_repository(tmp_path: Path) -> Path:
    """A git working tree with galaxy.yml, the script, a committed file deleted since and a file not yet added."""
    root = tmp_path / 'repo'
    (root / 'tests' / 'utils').mkdir(parents=True)
    (root / 'plugins' / 'modules').mkdir(parents=True)
    shutil.copy(UTILS / 'collection_tree.sh', root / 'tests' / 'utils' / 'collection_tree.sh')
    (root / 'galaxy.yml').write_text('namespace: graphops\nname: msgraph\n')
    (root / 'plugins' / 'modules' / 'kept.py').write_text('# kept\n')
    (root / 'plugins' / 'modules' / 'deleted.py').write_text('# deleted\n')
    git = ['git', '-C', str(root), '-c', 'user.name=t', '-c', 'user.email=t@example.invalid']
    subprocess.run(git + ['init', '-q'], check=True)
    subprocess.run(git + ['add', '-A'], check=True)
    subprocess.run(git + ['commit', '-q', '-m', 'tree'], check=True)
    (root / 'plugins' / 'modules' / 'deleted.py').unlink()
    (root / 'plugins' / 'modules' / 'new.py').write_text('# new\n')
    return root


def collection_tree(root: Path, dest: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(root / 'tests' / 'utils' / 'collection_tree.sh'), str(dest)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_collection_tree_holds_the_working_tree_less_what_was_deleted(tmp_path):
    root = tiny_repository(tmp_path)
    completed = collection_tree(root, tmp_path / 'out')
    assert completed.returncode == 0, completed.stderr
    tree = Path(completed.stdout.strip())
    assert tree == tmp_path / 'out' / 'ansible_collections' / 'graphops' / 'msgraph'
    assert sorted(str(path.relative_to(tree)) for path in tree.rglob('*') if path.is_file()) == [
        'galaxy.yml', 'plugins/modules/kept.py', 'plugins/modules/new.py', 'tests/utils/collection_tree.sh']


def test_a_file_that_cannot_be_copied_fails_the_collection_tree(tmp_path):
    root = tiny_repository(tmp_path)
    tree = tmp_path / 'out' / 'ansible_collections' / 'graphops' / 'msgraph'
    tree.mkdir(parents=True)
    (tree / 'plugins').write_text('a file where the plugins directory must go')
    completed = collection_tree(root, tmp_path / 'out')
    assert completed.returncode == 1, completed.stdout
    assert 'copying the collection\'s files to %s failed' % tree in completed.stderr
    assert completed.stdout == '', 'no tree is announced'
