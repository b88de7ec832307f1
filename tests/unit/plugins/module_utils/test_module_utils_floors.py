# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floors of plugins/module_utils, declared once: a subpackage imports only from lower floors (and itself).

Read from the source with ast, imports inside functions included (the lazy ones too), so a new import that reaches
up or sideways fails here, naming the file, the line and the floors. A new subpackage must be given its floor here.
"""

from __future__ import annotations

import ast
import os

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._libraries import optional_libraries

PREFIX = 'ansible_collections.graphops.msgraph.plugins.module_utils.'

# Lowest first. Packages on one floor are siblings: they never import each other (the export and the sync share the
# directory reads, they are not built on each other). The modules (plugins/modules) stand above all of them.
FLOORS = (
    ('_libraries',),  # optional libraries found without importing them: imports nothing of ours
    ('_graph',),  # the client, its retries, $batch, errors (the one error root), clouds
    ('_files', '_auth'),  # local files a module writes; tokens
    ('_photo', '_directory', '_settings', '_backup'),  # one principal's photo; users and scope; tenant settings; backups
    ('_report',),  # the HTML audit of a run
    ('_sync', '_export', '_probe'),  # the runs: bulk sync, export, probe
    ('_module',),  # the edge every module goes through
)
FLOOR_OF = {package: level for level, packages in enumerate(FLOORS) for package in packages}

MODULE_UTILS = os.path.dirname(os.path.dirname(os.path.abspath(optional_libraries.__file__)))


def imported_packages(source: str) -> list:
    """(line, subpackage) for every import of this collection's module_utils in the source, wherever it stands."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ['%s.%s' % (node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name.startswith(PREFIX):
                found.append((node.lineno, name[len(PREFIX):].split('.', 1)[0]))
                break
    return found


def floor_violations(package: str, path: str, source: str) -> list:
    """What in one file of ``package`` reaches up or sideways, as sentences."""
    problems = []
    own = FLOOR_OF[package]
    for line, imported in imported_packages(source):
        if imported == package:
            continue
        if imported not in FLOOR_OF:
            problems.append('%s:%d imports %s, which has no floor in FLOORS' % (path, line, imported))
        elif FLOOR_OF[imported] >= own:
            where = 'sideways (the same floor)' if FLOOR_OF[imported] == own else 'up (floor %d)' % FLOOR_OF[imported]
            problems.append('%s:%d: %s (floor %d) imports %s, %s' % (path, line, package, own, imported, where))
    return problems


def subpackages() -> list:
    return sorted(name for name in os.listdir(MODULE_UTILS)
                  if name.startswith('_') and os.path.isdir(os.path.join(MODULE_UTILS, name)) and name != '__pycache__')


def test_every_subpackage_has_a_floor():
    assert [name for name in subpackages() if name not in FLOOR_OF] == []


def test_no_import_reaches_up_or_sideways():
    problems = []
    for package in subpackages():
        folder = os.path.join(MODULE_UTILS, package)
        for name in sorted(os.listdir(folder)):
            if name.endswith('.py'):
                path = os.path.join(folder, name)
                with open(path, encoding='utf-8') as handle:
                    problems.extend(floor_violations(package, '%s/%s' % (package, name), handle.read()))
    assert problems == []


@pytest.mark.parametrize('package, source, verdict', [
    ('_graph', 'from %s_photo.facts import PhotoFacts\n' % PREFIX, 'up (floor 3)'),
    ('_sync', 'def f():\n    from %s_export.manifest import Manifest\n' % PREFIX, 'sideways (the same floor)'),
    ('_auth', 'import %s_module.graph_module\n' % PREFIX, 'up (floor 6)'),
    ('_photo', 'from %s_nowhere import x\n' % PREFIX, 'has no floor'),
    ('_sync', 'from %s_photo.facts import PhotoFacts\nfrom %s_sync.items import SyncItem\n' % (PREFIX, PREFIX), None),
])
def test_the_check_sees_imports_that_reach_up_or_sideways(package, source, verdict):
    problems = floor_violations(package, 'x.py', source)
    if verdict is None:
        assert problems == []
    else:
        assert len(problems) == 1 and verdict in problems[0]
