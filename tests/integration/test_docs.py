# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-doc renders every module and the role's entry point, with the newest ansible-core and the oldest one.

`make test-pytest` sets ANSIBLE_DOC_OLDEST to .venv-2.16's ansible-doc; without it the oldest's tests are reported as
skipped, with the reason. The collection's docsite itself is built by `make docs` (tests/utils/build_docsite.sh); the
tests here pin the checks it relies on.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.options import AUTH_ARGUMENT_SPEC
from conftest import COLLECTIONS, REPO, ensure_collection_link

MODULES = sorted(path.stem for path in (REPO / 'plugins' / 'modules').glob('*.py') if path.stem != '__init__')
ROLE = 'graphops.msgraph.profile_photos'
# The oldest ansible-core lives in a venv of its own: without it its tests say so as skips, never silently vanish.
ANSIBLE_DOCS = [
    pytest.param(str(Path(sys.executable).parent / 'ansible-doc'), id='newest'),
    pytest.param(os.environ.get('ANSIBLE_DOC_OLDEST'), id='oldest', marks=pytest.mark.skipif(
        not os.environ.get('ANSIBLE_DOC_OLDEST'),
        reason='ANSIBLE_DOC_OLDEST is not set: make test-pytest sets it to .venv-2.16/bin/ansible-doc (make venv-oldest)')),
]
DOCSITE_CONF = REPO / 'tests' / 'docsite'


def ansible_doc(binary: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    assert os.access(binary, os.X_OK), '%s does not exist or cannot run: make venv-oldest installs the oldest ansible-core' % binary
    ensure_collection_link()
    env = {key: value for key, value in os.environ.items() if key != 'PYTHONPATH'}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false', ANSIBLE_NOCOLOR='1',
               ANSIBLE_HOME=str(tmp_path / 'ansible-home'), ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'), COLUMNS='120')
    completed = subprocess.run([binary] + list(args), env=env, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert 'Traceback' not in completed.stderr and 'ERROR' not in completed.stderr, completed.stderr
    assert 'graphops' not in completed.stderr, completed.stderr  # no warning about our docs
    return completed


def plain(text: str) -> str:
    """The rendering without emphasis: 2.16 writes NAME, 2.18+ *name* (or bold with colour), in other places."""
    return re.sub(r'\x1b\[[0-9;]*m', '', text).replace('*', '')


@pytest.mark.parametrize('binary', ANSIBLE_DOCS)
def test_the_collection_lists_every_module(binary, tmp_path):
    listed = ansible_doc(binary, '-l', 'graphops.msgraph', tmp_path=tmp_path).stdout
    assert sorted(line.split()[0] for line in listed.splitlines() if line.strip()) == ['graphops.msgraph.%s' % m for m in MODULES]


@pytest.mark.parametrize('module', MODULES)
@pytest.mark.parametrize('binary', ANSIBLE_DOCS)
def test_each_module_renders_with_the_shared_options_examples_and_return_values(binary, module, tmp_path):
    name = 'graphops.msgraph.%s' % module
    text = plain(ansible_doc(binary, name, tmp_path=tmp_path).stdout)
    assert text.startswith('> ') and name in text.splitlines()[0].lower(), text[:200]
    for heading in ('\nOPTIONS (', '\nEXAMPLES:', '\nRETURN VALUES:'):
        assert heading in text, heading
    for option in ('tenant_id', 'client_secret', 'graph_endpoint', 'ca_path', 'retries'):
        assert re.search(r'^\s*[-=] %s\b' % option, text, re.MULTILINE), option

    data = json.loads(ansible_doc(binary, '--json', name, tmp_path=tmp_path).stdout)[name]
    options = data['doc']['options']
    # The auth doc fragment and the auth argument spec are one concept: every module documents all of its options.
    assert set(AUTH_ARGUMENT_SPEC) <= set(options), sorted(set(AUTH_ARGUMENT_SPEC) - set(options))
    assert data['doc']['short_description'] and data['return']
    examples = yaml.safe_load(data['examples'])
    # The examples parse as YAML and call the module by its FQCN, never by a short name.
    assert any(name in task for task in examples), examples
    assert not any(module in task for task in examples), examples


@pytest.mark.parametrize('binary', ANSIBLE_DOCS)
def test_the_role_entry_point_renders_its_argument_specs(binary, tmp_path):
    specs = yaml.safe_load((REPO / 'roles' / 'profile_photos' / 'meta' / 'argument_specs.yml').read_text())['argument_specs']
    text = plain(ansible_doc(binary, '-t', 'role', ROLE, tmp_path=tmp_path).stdout)
    assert 'ENTRY POINT: main - %s' % specs['main']['short_description'] in text
    data = json.loads(ansible_doc(binary, '-t', 'role', '--json', ROLE, tmp_path=tmp_path).stdout)[ROLE]
    assert sorted(data['entry_points']) == sorted(specs)
    for entry_point, spec in specs.items():
        assert sorted(data['entry_points'][entry_point]['options']) == sorted(spec['options'])
        for option in spec['options']:
            assert re.search(r'^\s*[-=] %s\b' % option, text, re.MULTILINE), option


def test_the_guides_are_in_the_docsite_and_every_r_link_of_the_plugin_docs_reaches_one():
    """The Ansible docsite renders docs/docsite/rst/ from extra-docs.yml; modules link to the guides with R().

    antsibull-docs lint (make nox: docs-check) checks the rst and extra-docs.yml but not R()'s labels, so they are checked here.
    """
    docsite = REPO / 'docs' / 'docsite'
    guides = sorted(path.stem for path in (docsite / 'rst').glob('*.rst'))
    listed = [entry for section in yaml.safe_load((docsite / 'extra-docs.yml').read_text())['sections'] for entry in section['toctree']]
    assert sorted(listed) == guides and len(guides) >= 10
    labels = set()
    for guide in guides:
        labels.update(re.findall(r'^\.\. _([\w.]+):$', (docsite / 'rst' / (guide + '.rst')).read_text(), re.M))
    assert {'ansible_collections.graphops.msgraph.docsite.%s' % guide for guide in guides} <= labels
    sources = sorted((REPO / 'plugins').rglob('*.py')) + sorted((REPO / 'roles').rglob('argument_specs.yml'))
    linked = {label for path in sources for label in re.findall(r'R\([^,()]+, ([\w.]+)\)', path.read_text())}
    assert len(linked) >= 5 and linked <= labels, sorted(linked - labels)
    # The guides' links to each other reach labels too.
    referenced = {label for guide in guides
                  for label in re.findall(r':ref:`(?:[^`<]*<)?([\w.]+)>?`', (docsite / 'rst' / (guide + '.rst')).read_text())}
    assert referenced and referenced <= labels, sorted(referenced - labels)


def sphinx_build(source: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """The docsite's Sphinx configuration (tests/docsite/conf.py) on a page of its own, warnings as errors as in make docs."""
    command = [str(Path(sys.executable).parent / 'sphinx-build'), '-M', 'html', str(source), str(tmp_path / 'build'),
               '-c', str(DOCSITE_CONF), '-W', '--keep-going', '-q']
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize('line, renders', [
    # docs/docsite/rst/hr_sync.rst before issue 26: no warning from docutils or Sphinx, a broken line on the page.
    ('The playbook below (```examples/hr_sync.yml` (``examples/hr_sync.yml``)) has three tasks:', False),
    ('-  **``user: me`` needs a delegated token**: with any app-only method there is no signed-in user.', False),
    ('The playbook below (``examples/hr_sync.yml``) has three tasks:', True),
    ('-  ``user: me`` **needs a delegated token**: with any app-only method there is no signed-in user.', True),
], ids=['stray-backticks', 'literal-in-bold', 'literal', 'literal-then-bold'])
def test_the_docsite_build_fails_on_inline_markup_that_did_not_render(line, renders, tmp_path):
    source = tmp_path / 'rst'
    source.mkdir()
    (source / 'index.rst').write_text('A guide\n=======\n\n%s\n\n.. code:: yaml\n\n   # ``` in a code block is text\n' % line)
    built = sphinx_build(source, tmp_path)
    if renders:
        assert built.returncode == 0, built.stdout + built.stderr
        assert '`' not in re.sub(r'<pre>.*?</pre>', '', (tmp_path / 'build' / 'html' / 'index.html').read_text(), flags=re.S)
    else:
        assert built.returncode != 0
        assert 'index.rst:4: WARNING: inline markup did not render' in built.stderr, built.stderr


def test_a_reference_the_docsite_cannot_resolve_fails_its_build_but_the_ansible_labels_resolve(tmp_path):
    source = tmp_path / 'rst'
    source.mkdir()
    (source / 'index.rst').write_text('A guide\n=======\n\nSee :ref:`here <common_return_values>`, '
                                      ':ref:`ansible_configuration_settings` and '
                                      ':ref:`copy <ansible_collections.ansible.builtin.copy_module>`.\n')
    assert sphinx_build(source, tmp_path).returncode == 0
    page = (tmp_path / 'build' / 'html' / 'index.html').read_text()
    assert 'href="https://docs.ansible.com/projects/ansible/devel/reference_appendices/config.html' in page
    assert '>Ansible Configuration Settings<' in page
    assert 'href="https://docs.ansible.com/projects/ansible/devel/collections/ansible/builtin/copy_module.html' in page
    for label in ('no_such_label', 'ansible_collections.community.crypto.x509_certificate_module'):
        (source / 'index.rst').write_text('A guide\n=======\n\nSee :ref:`%s`.\n' % label)
        built = sphinx_build(source, tmp_path)
        assert built.returncode != 0 and "undefined label: '%s'" % label in built.stderr


def test_the_pictures_in_the_guides_are_their_png_files():
    """The Ansible docsite takes only the guides' .rst files: their pictures are embedded (tests/utils/docsite_images.py)."""
    guides = REPO / 'docs' / 'docsite' / 'rst'
    checked = subprocess.run([sys.executable, str(REPO / 'tests' / 'utils' / 'docsite_images.py'), '--check'],
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for guide in sorted(guides.glob('*.rst')):
        text = guide.read_text()
        # An image file beside a guide does not reach the docsite: every picture is a data: URI.
        assert re.findall(r'image:: (?!data:image/png;base64,$)(.*)$', text, re.M) == [], guide.name
    assert {'audit-report', 'audit-report-dark', 'performance-scaling'} <= {
        name for guide in guides.glob('*.rst') for name in re.findall(r'^\.\. \|([\w-]+)\| image:: data:', guide.read_text(), re.M)}


def test_the_readme_has_the_sections_certified_collections_have():
    headings = re.findall(r'^## (.+)$', (REPO / 'README.md').read_text(), re.M)
    assert headings == ['Description', 'Requirements', 'Installation', 'Use', 'The Graph emulator', 'Testing', 'Support',
                        'Release notes', 'Related information', 'Licence']
    readme = (REPO / 'README.md').read_text()
    for words in ('ansible-galaxy collection install graphops.msgraph', 'ansible-galaxy collection install graphops-msgraph-',
                  'dependencies:\n  galaxy:', 'make demo', 'make test', '(docs/docsite/rst/versioning.rst)'):
        assert words in readme, words


def test_the_versioning_guide_states_the_versions_meta_runtime_and_tests_config_give():
    """The promise names today's facts: requires_ansible, the module-side Python, the oldest ansible-core tested."""
    guide = (REPO / 'docs' / 'docsite' / 'rst' / 'versioning.rst').read_text()
    requires_ansible = yaml.safe_load((REPO / 'meta' / 'runtime.yml').read_text())['requires_ansible']
    python_requires = yaml.safe_load((REPO / 'tests' / 'config.yml').read_text())['modules']['python_requires']
    oldest = re.search(r'^ansible-core==(\d+\.\d+)\.', (REPO / 'tests' / 'utils' / 'requirements-oldest.txt').read_text(), re.M).group(1)
    version = yaml.safe_load((REPO / 'galaxy.yml').read_text())['version']
    assert "``requires_ansible: '%s'``" % requires_ansible in guide
    row = re.search(r'^%s +(\S+) and later +.* +(\S+) and later$' % re.escape(version), guide, re.M)
    assert row, 'no row for %s in the versioning guide' % version
    assert '>=%s' % row.group(1) in requires_ansible and row.group(1) == oldest
    assert python_requires == '>=%s' % row.group(2)
