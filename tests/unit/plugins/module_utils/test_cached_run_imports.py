# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cached run imports only what it uses: every module task imports (and, from AnsiballZ's zip, compiles) each file it
imports on every run (docs/docsite/rst/performance.rst, "The one-principal task").

The run happens in a fresh interpreter, so that what the rest of the test session imported does not count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from ansible_collections.graphops.msgraph.plugins.module_utils._libraries.optional_libraries import (
    LazyModule,
    library_found,
    library_import_error,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._sync import cache as cache_module
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.cache import PhotoSyncCache, verdict_settings
from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_digests import FileDigests

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_photo_sync import BLUE
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import make_writer
# The writer sets the process's umask to 077; this fixture (autouse) puts the usual one back after each test.
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import usual_umask  # noqa: F401  # pylint: disable=unused-import

PREFIX = 'ansible_collections.graphops.msgraph.plugins.module_utils.'


def fresh_interpreter_env() -> dict:
    """The environment of a fresh interpreter that imports this collection as this session does: the folder holding
    ansible_collections/ (found from a module of the collection, not resolved through symbolic links) comes first on
    its path, under `make test-pytest` (.build/collections) as under ansible-test units (a copy of its own)."""
    root = os.path.abspath(cache_module.__file__)
    for dummy in range(7):  # ansible_collections/graphops/msgraph/plugins/module_utils/_sync/cache.py
        root = os.path.dirname(root)
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(part for part in (root, env.get('PYTHONPATH')) if part)
    return env


# The sync module's own imports, then a sync of one principal whose ETag and file are those of its cache entry.
CACHED_RUN = r'''
import json, sys
from ansible_collections.graphops.msgraph.plugins.modules import graph_profile_photo_sync  # noqa: F401 (its imports)
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.cache import PhotoSyncCache
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import items_from_directory
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.runner import PhotoSync
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import FakeBatchClient, inner

def graph(entry):
    assert (entry['method'], entry['url']) == ('GET', '/users/alice@contoso.com/photo'), entry
    return inner(entry['id'], 200, {'@odata.mediaEtag': '"E1"', 'id': '96x96', 'width': 96, 'height': 96})

src_dir, cache_path = sys.argv[1], sys.argv[2]
cache = PhotoSyncCache.load(cache_path)
report = PhotoSync(FakeBatchClient(graph), check_mode=True, cache=cache).run(items_from_directory(src_dir))
print(json.dumps({'results': report.results, 'stats': report.stats, 'modules': sorted(sys.modules)}))
'''


def test_a_cached_run_imports_no_pillow_and_no_code_it_does_not_run(tmp_path):
    src_dir = tmp_path / 'photos'
    src_dir.mkdir()
    photo = src_dir / 'alice@contoso.com.jpg'
    photo.write_bytes(BLUE)
    cache = PhotoSyncCache.load(str(tmp_path / 'cache.json'))
    # Recorded as if the file had been written an hour before (a file written a moment ago is hashed again).
    cache.digests = FileDigests(clock=lambda: time.time_ns() + 3600 * 10 ** 9)
    digest = cache.file_digest('users/alice@contoso.com', str(photo))
    cache.record('users/alice@contoso.com', etag='"E1"', file_digest=digest,
                 settings=verdict_settings(compare='perceptual', prepare='auto', crop='none'), verdict='same',
                 compared_size='96x96', photo={'sha256': 'ab' * 32, 'width': 96, 'height': 96}, upload=None)
    cache.save(files=make_writer())

    completed = subprocess.run([sys.executable, '-c', CACHED_RUN, str(src_dir), str(tmp_path / 'cache.json')],
                               capture_output=True, text=True, env=fresh_interpreter_env(), check=False, timeout=120)
    assert completed.returncode == 0, completed.stderr
    run = json.loads(completed.stdout)
    assert [(result['cache'], result['action']) for result in run['results']] == [('hit', 'none')]
    assert run['stats']['files_hashed'] == 0
    modules = set(run['modules'])
    assert not {name for name in modules if name == 'PIL' or name.startswith('PIL.')}, 'no picture is opened'
    for unused in ('_photo.source', '_photo.prepare', '_photo.facts', '_report.report_html', '_directory.users', '_sync.source_of_record',
                   '_backup.photo_backups', '_files.file_names'):
        assert PREFIX + unused not in modules, unused
    assert PREFIX + '_sync.runner' in modules and PREFIX + '_photo.compare' in modules, 'the test imports what it should'


def test_optional_libraries_are_found_without_being_imported(monkeypatch):
    monkeypatch.delitem(sys.modules, 'json.tool', raising=False)
    assert library_found('json') and not library_found('graphops_no_such_library')
    monkeypatch.setitem(sys.modules, 'graphops_hidden_library', None)
    assert not library_found('graphops_hidden_library')
    assert 'graphops_no_such_library' in library_import_error('graphops_no_such_library')
    assert library_import_error('json') is None
    lazy = LazyModule('json.tool')
    assert 'json.tool' not in sys.modules, 'nothing imported until an attribute is read'
    assert callable(lazy.main) and 'json.tool' in sys.modules


def test_a_given_access_token_imports_no_msal():
    script = ('import sys\n'
              'from ansible_collections.graphops.msgraph.plugins.module_utils._auth.method_choice import build_auth_method\n'
              'build_auth_method({"auth_method": "access_token", "access_token": "opaque"}, session=None)\n'
              'print(sorted(name for name in sys.modules if name == "msal" or name.startswith("msal.")))\n')
    completed = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, env=fresh_interpreter_env(),
                               check=False, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == '[]'


def test_the_photo_modules_import_no_pillow_and_no_backup_code_until_a_run_needs_them():
    script = ('import json, sys\n'
              'from ansible_collections.graphops.msgraph.plugins.modules import graph_profile_photo, graph_profile_photo_sync\n'
              'print(json.dumps(sorted(sys.modules)))\n')
    completed = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, env=fresh_interpreter_env(),
                               check=False, timeout=120)
    assert completed.returncode == 0, completed.stderr
    modules = set(json.loads(completed.stdout))
    assert not {name for name in modules if name == 'PIL' or name.startswith('PIL.') or name == 'msal'}
    for unused in ('_backup.photo_backups', '_files.file_names', '_report.report_html', '_directory.users'):
        assert PREFIX + unused not in modules, unused
