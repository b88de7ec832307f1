# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""antsibull-nox's sessions as this collection configures them (antsibull-nox.toml, `make nox`) fail on what they are
there to find: each test plants a fault in a copy of the working tree and runs the session there.

`make nox` runs the same sessions on the tree itself, where they must pass; these tests show they are not passing by
checking nothing. build-import-check reuses the session virtualenv that `make nox` keeps in the repository's .nox/.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import REPO

BIN = Path(sys.executable).parent
# One finding a line (`path:line:column: message`), as antsibull-nox reports in CI (CI=true), wherever the test runs.
PLAIN = dict(os.environ, ANTSIBULL_OUTPUT_FORMAT='plain')


def working_tree_copy(tmp_path: Path) -> Path:
    laid_out = subprocess.run([str(REPO / 'tests' / 'utils' / 'collection_tree.sh'), str(tmp_path / 'copy')],
                              capture_output=True, text=True, check=True)
    return Path(laid_out.stdout.strip())


def git_add_all(tree: Path) -> None:
    """The copy as a git working tree, as the repository is: reuse and antsibull-nox then skip what .gitignore names
    (.nox/ among them) instead of linting the session virtualenvs."""
    subprocess.run(['git', 'init', '-q'], cwd=str(tree), check=True)
    subprocess.run(['git', 'add', '-A'], cwd=str(tree), check=True)


def nox(tree: Path, *sessions: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / 'nox'), '--no-color', '--reuse-venv', 'yes', '--envdir', str(REPO / '.nox'), '-s', *sessions],
                          cwd=str(tree), env=PLAIN, capture_output=True, text=True, timeout=600, check=False)


def make_nox(tree: Path, session: str) -> subprocess.CompletedProcess:
    """The Makefile's nox target in the copy, with this .venv and the session virtualenvs of the repository."""
    venv = BIN.parent
    return subprocess.run(['make', '-C', str(tree), 'nox', 'NOX_SESSIONS=%s' % session, 'VENV=%s' % venv,
                           'NOX_FLAGS=--reuse-venv yes --envdir %s' % (REPO / '.nox'), '-o', str(venv / '.installed')],
                          env=PLAIN, capture_output=True, text=True, timeout=900, check=False)


def test_extra_checks_find_a_module_outside_the_graph_group_an_unwanted_file_a_tab_and_trailing_whitespace(tmp_path):
    tree = working_tree_copy(tmp_path)
    clean = nox(tree, 'extra-checks')
    assert clean.returncode == 0, clean.stdout + clean.stderr

    modules = tree / 'plugins' / 'modules'
    # A new module that is not in meta/runtime.yml's `graph` group, and one in it without the auth doc fragment.
    (modules / 'graph_new_thing.py').write_text((modules / 'graph_profile_photo_info.py').read_text())
    info = modules / 'graph_profile_photo_info.py'
    info.write_text(info.read_text().replace('  - graphops.msgraph.auth\n', '', 1))
    (modules / 'notes.txt').write_text('not a module\n')
    client = tree / 'plugins' / 'module_utils' / '_graph' / 'client.py'
    client.write_text(client.read_text() + '\n\tTABBED = 1\n')
    guide = tree / 'docs' / 'docsite' / 'rst' / 'versioning.rst'
    guide.write_text(guide.read_text() + 'a line with trailing whitespace   \n')

    found = nox(tree, 'extra-checks')
    output = found.stdout + found.stderr
    assert found.returncode != 0, output
    findings = set(re.findall(r'(?m)^(\S+):\d+:\d+: (.*)$', output))
    assert ('meta/runtime.yml', "module 'graph_new_thing' is not part of 'graph' action group") in findings, output
    assert any(path == 'plugins/modules/graph_profile_photo_info.py' and 'add graphops.msgraph.auth to "extends_documentation_fragment"'
               in message for path, message in findings), output
    assert ('plugins/modules/notes.txt', 'extension must be one of: .cs, .ps1, .psm1, .py') in findings, output
    assert ('plugins/module_utils/_graph/client.py', 'found tab') in findings, output
    assert ('docs/docsite/rst/versioning.rst', 'found trailing whitespace') in findings, output
    assert not any('README.md' in path for path, message in findings), 'the README.md of each module_utils subpackage is wanted'


def test_docs_check_validates_references_to_plugins_of_this_and_other_collections(tmp_path):
    tree = working_tree_copy(tmp_path)
    module = tree / 'plugins' / 'modules' / 'graph_profile_photo.py'
    text = module.read_text()
    assert 'See R(How photos are compared,' in text
    module.write_text(text.replace('See R(How photos are compared,',
                                   'See M(graphops.msgraph.graph_no_such_module), M(ansible.builtin.no_such_module) and R(How photos are compared,', 1))
    guide = tree / 'docs' / 'docsite' / 'rst' / 'versioning.rst'
    guide.write_text(guide.read_text() + '\n.. code::\n\n   a code block that names no language\n')
    git_add_all(tree)
    found = nox(tree, 'docs-check')
    output = found.stdout + found.stderr
    assert found.returncode != 0, output
    assert 'there is no module graphops.msgraph.graph_no_such_module' in output, output
    assert 'there is no module ansible.builtin.no_such_module' in output, output
    assert re.search(r'(?m)^docs/docsite/rst/versioning\.rst:\d+:\d+: Every code block must have a language', output), output


def test_license_check_fails_on_a_licence_without_its_text(tmp_path):
    tree = working_tree_copy(tmp_path)
    (tree / 'plugins' / 'module_utils' / '_graph' / 'vendored.py').write_text(
        '# SPDX-FileCopyrightText: someone else\n# SPDX-License-Identifier: MIT\n')
    git_add_all(tree)
    found = nox(tree, 'license-check')
    output = found.stdout + found.stderr
    assert found.returncode != 0, output
    assert re.search(r'Missing licenses: MIT', output), output


def test_build_import_check_refuses_a_version_below_1_0_0_as_automation_hub_does(tmp_path):
    tree = working_tree_copy(tmp_path)
    galaxy = tree / 'galaxy.yml'
    galaxy.write_text(re.sub(r'(?m)^version: .*$', 'version: 0.9.0', galaxy.read_text()))
    found = make_nox(tree, 'build-import-check')
    output = found.stdout + found.stderr
    assert found.returncode != 0, output
    assert 'graphops-msgraph-0.9.0.tar.gz' in output, output
    assert 'requires version to be 1.0.0 or greater' in output, output


def test_make_nox_fails_on_what_galaxy_importer_only_logs(tmp_path):
    """galaxy-importer logs ansible-lint's findings as WARNING lines and carries on; the session passes, make nox not."""
    tree = working_tree_copy(tmp_path)
    tasks = tree / 'roles' / 'profile_photos' / 'tasks' / 'main.yml'
    tasks.write_text(tasks.read_text() + '\n- ansible.builtin.shell: echo unnamed task\n')
    found = make_nox(tree, 'build-import-check')
    output = found.stdout + found.stderr
    assert 'nox > Session build-import-check was successful' in output, output
    assert found.returncode != 0, output
    assert re.search(r'(?m)^WARNING: .*', output), output
    assert 'galaxy-importer: the artifact has findings' in output


README_LICENCES = {'CC0': 'CC0-1.0', 'public domain': 'LicenseRef-PublicDomain'}


def licences_the_readme_states() -> dict:
    """tests/fixtures/photos/README.md's table: each picture's licences, those of a picture made of others included."""
    rows = re.findall(r'^\| `([^`]+)` \|[^|]*\|[^|]*\| ([^|]+) \| ([^|]+) \|$',
                      (REPO / 'tests' / 'fixtures' / 'photos' / 'README.md').read_text(), re.M)
    by_source = {}
    stated = {}
    for name, sources, licence in rows:
        stated[name] = {spdx for words, spdx in README_LICENCES.items() if words in licence}
        for source in re.findall(r'`([^`]+)`', sources):
            by_source.setdefault(source, name)  # the picture taken from it first: astronaut.png is astronaut.jpg
    for name, sources, licence in rows:
        if licence.startswith('as those'):
            stated[name] = set().union(*(stated[by_source[source]] for source in re.findall(r'`([^`]+)`', sources)))
    return stated


@pytest.mark.parametrize('folder', ['tests/fixtures/photos', 'examples/photos'])
def test_reuse_gives_each_photograph_the_licence_its_readme_states(folder):
    """REUSE.toml's last matching annotation wins; a photograph must never fall through to the project's GPL."""
    annotations = tomllib.loads((REPO / 'REUSE.toml').read_text())['annotations']
    stated = licences_the_readme_states()
    photos = sorted(path.name for path in (REPO / folder).iterdir() if path.suffix in ('.jpg', '.png'))
    assert photos and set(photos) <= set(stated)
    for photo in photos:
        path = '%s/%s' % (folder, photo)
        matching = [annotation for annotation in annotations
                    if any(fnmatch.fnmatch(path, glob) for glob in ([annotation['path']] if isinstance(annotation['path'], str) else annotation['path']))]
        assert stated[photo] and set(matching[-1]['SPDX-License-Identifier'].split(' AND ')) == stated[photo], path
        assert matching[-1]['precedence'] == 'override' and 'graphops.msgraph contributors' not in matching[-1]['SPDX-FileCopyrightText'], path
