# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta/execution-environment.yml: a valid ansible-builder 3 definition whose requirement files are the collection's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import REPO

META = REPO / 'meta'


def requirement_lines(path: Path) -> list:
    return [line.split('#')[0].strip() for line in path.read_text().splitlines() if line.split('#')[0].strip()]


def test_ansible_builder_creates_the_build_context(tmp_path):
    definition = yaml.safe_load((META / 'execution-environment.yml').read_text())
    assert definition['version'] == 3
    # The paths are relative to the collection root (how ansible-builder reads a collection's metadata), so the
    # definition is used from a directory where meta/ee-*.txt are where the root would have them.
    root = tmp_path / 'definition'
    (root / 'meta').mkdir(parents=True)
    shutil.copy(META / 'execution-environment.yml', root / 'execution-environment.yml')
    for name in (definition['dependencies']['python'], definition['dependencies']['system']):
        shutil.copy(REPO / name, root / name)
    completed = subprocess.run([str(Path(sys.executable).parent / 'ansible-builder'), 'create', '-f', 'execution-environment.yml',
                                '-c', 'context', '--output-filename', 'Containerfile'],
                               cwd=str(root), capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    context = root / 'context'
    containerfile = (context / 'Containerfile').read_text()
    assert 'quay.io/fedora/fedora' in containerfile and 'ansible-core>=2.16.0' in containerfile
    assert 'requirements.txt' in containerfile and 'bindep.txt' in containerfile
    assert requirement_lines(context / '_build' / 'requirements.txt') == requirement_lines(META / 'ee-requirements.txt')
    assert requirement_lines(context / '_build' / 'bindep.txt') == requirement_lines(META / 'ee-bindep.txt')
    assert yaml.safe_load((context / '_build' / 'requirements.yml').read_text()) == {'collections': [{'name': 'graphops.msgraph'}]}


def test_the_execution_environment_gets_what_the_modules_need():
    """meta/ee-requirements.txt and requirements.txt name the same libraries with the same bounds."""
    assert requirement_lines(META / 'ee-requirements.txt') == requirement_lines(REPO / 'requirements.txt')
