# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bulk sync's cache: what it keeps, when a verdict is reused, and how the file is read and written."""

from __future__ import annotations

import json
import os
import time

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._sync.runner import PhotoSync
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.cache import (
    CACHE_FORMAT,
    CACHE_VERSION,
    CachePathError,
    PhotoSyncCache,
    check_cache_path,
    verdict_settings,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_digests import FileDigests, file_sha256
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import items_from_photos

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import FakeBatchClient
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_photo_sync import BLUE, RED, FakeGraph, picture
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import make_writer
# The writer sets the process umask to 077; this autouse fixture puts the usual one back after each test.
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import usual_umask  # noqa: F401  # pylint: disable=unused-import

SETTINGS = verdict_settings(compare='perceptual', prepare='auto', crop='none')
FACTS = {'sha256': 'ab' * 32, 'width': 96, 'height': 96, 'content_type': 'image/jpeg', 'size': 2100}


def recorded(cache, principal='users/a', **changes):
    fields = dict(etag='"E1"', file_digest='f' * 64, settings=SETTINGS, verdict='same', compared_size='96x96',
                  photo=FACTS, upload={'prepared': False, 'reasons': []})
    fields.update(changes)
    cache.record(principal, **fields)


def test_a_verdict_is_reused_only_with_the_same_etag_file_and_settings(tmp_path):
    cache = PhotoSyncCache(str(tmp_path / 'c.json'))
    recorded(cache)
    same = dict(etag='"E1"', file_digest='f' * 64, settings=SETTINGS)
    square = verdict_settings(compare='perceptual', prepare='auto', crop='square')
    assert cache.lookup('users/a', **same)['photo'] == FACTS
    assert cache.lookup('users/a', etag='"E2"', file_digest='f' * 64, settings=SETTINGS) is None, 'a new upload, by anyone, has a new ETag'
    assert cache.lookup('users/a', etag='"E1"', file_digest='0' * 64, settings=SETTINGS) is None, 'the file changed'
    assert cache.lookup('users/a', etag='"E1"', file_digest='f' * 64, settings=square) is None
    assert cache.lookup('users/b', **same) is None
    assert cache.lookup('users/a', etag=None, file_digest='f' * 64, settings=SETTINGS) is None
    assert (cache.hits, cache.misses) == (1, 5)


def test_only_in_state_verdicts_with_an_etag_and_a_file_are_kept(tmp_path):
    cache = PhotoSyncCache(str(tmp_path / 'c.json'))
    recorded(cache)
    recorded(cache, verdict='differs')
    assert 'users/a' not in cache.entries, 'a photo that differs is compared again next time'
    recorded(cache)
    recorded(cache, etag=None)
    assert 'users/a' not in cache.entries
    recorded(cache, verdict='set', compared_size=None)
    assert cache.entries['users/a']['verdict'] == 'set'


def test_save_is_atomic_private_and_holds_no_image_bytes(tmp_path):
    path = tmp_path / 'c.json'
    path.write_text('old')
    path.chmod(0o644)
    cache = PhotoSyncCache(str(path))
    recorded(cache)
    files = make_writer()
    calls = []
    move = files.module.atomic_move

    def atomic_move(src, dest, *args, **kwargs):
        calls.append(src)
        assert path.read_text() == 'old', 'the old file stays whole until the new one is complete'
        return move(src, dest, *args, **kwargs)

    files.module.atomic_move = atomic_move
    size = cache.save(files=files)
    assert os.path.dirname(calls[0]) == str(tmp_path) and sorted(os.listdir(tmp_path)) == ['c.json']
    assert path.stat().st_mode & 0o777 == 0o600, "it names people: readable by its owner only"
    payload = json.loads(path.read_text())
    assert size == path.stat().st_size
    assert payload['format'] == CACHE_FORMAT and payload['version'] == CACHE_VERSION
    assert set(payload['entries']['users/a']) == {'etag', 'file_sha256', 'settings', 'verdict', 'compared_size', 'photo', 'upload',
                                                  'recorded'}
    again = PhotoSyncCache.load(str(path))
    assert again.warnings == [] and again.entries == payload['entries']


@pytest.mark.parametrize('content, words', [
    (None, 'does not exist yet'),
    (b'\xff\xd8 not json', 'is not a photo sync cache'),
    (b'{"format": "something.else", "version": 1, "entries": {}}', 'is not a photo sync cache'),
    (json.dumps({'format': CACHE_FORMAT, 'version': CACHE_VERSION + 1, 'entries': {}}).encode(), 'of this version'),
    (b'[]', 'is not a photo sync cache'),
])
def test_a_missing_or_foreign_file_is_ignored_with_a_warning(tmp_path, content, words):
    path = tmp_path / 'c.json'
    if content is not None:
        path.write_bytes(content)
    cache = PhotoSyncCache.load(str(path))
    assert cache.entries == {}
    assert len(cache.warnings) == 1 and words in cache.warnings[0] and str(path) in cache.warnings[0]


def test_an_unreadable_file_is_ignored_with_a_warning(tmp_path):
    path = tmp_path / 'c.json'
    path.mkdir()
    cache = PhotoSyncCache.load(str(path))
    assert cache.entries == {} and 'cannot be read' in cache.warnings[0]


def test_malformed_entries_are_dropped(tmp_path):
    path = tmp_path / 'c.json'
    good = {'etag': '"E"', 'file_sha256': 'f', 'settings': SETTINGS, 'verdict': 'same', 'photo': None, 'upload': None}
    path.write_text(json.dumps({'format': CACHE_FORMAT, 'version': CACHE_VERSION,
                                'entries': {'users/a': good, 'users/b': {'etag': 3}, 'users/c': 'x'}}))
    assert list(PhotoSyncCache.load(str(path)).entries) == ['users/a']


def test_the_cache_path_is_checked_before_any_request(tmp_path):
    with pytest.raises(CachePathError, match='is a directory'):
        check_cache_path(str(tmp_path))
    with pytest.raises(CachePathError, match='does not exist'):
        check_cache_path(str(tmp_path / 'missing' / 'c.json'))
    check_cache_path(str(tmp_path / 'c.json'))


def test_file_sha256_streams_the_file_and_is_none_when_unreadable(tmp_path):
    path = tmp_path / 'p.jpg'
    path.write_bytes(BLUE)
    assert file_sha256(str(path)) == __import__('hashlib').sha256(BLUE).hexdigest()
    assert file_sha256(str(tmp_path / 'missing.jpg')) is None and file_sha256(None) is None


def test_a_sync_with_the_cache_reads_only_metadata_the_second_time(tmp_path):
    (tmp_path / 'blue.jpg').write_bytes(BLUE)
    (tmp_path / 'red.jpg').write_bytes(RED)
    graph = FakeGraph({'/users/bob@contoso.com': picture('royalblue'), '/users/carol@contoso.com': BLUE})
    items = items_from_photos([{'user': 'bob@contoso.com', 'src': str(tmp_path / 'blue.jpg')},
                               {'user': 'carol@contoso.com', 'src': str(tmp_path / 'red.jpg')}])
    path = str(tmp_path / 'cache.json')

    def run(check_mode):
        cache = PhotoSyncCache.load(path)
        # As if the files had been written an hour before the run (file_digests.py: a fresh file is hashed again).
        cache.digests = FileDigests(clock=lambda: time.time_ns() + 3600 * 10 ** 9)
        client = FakeBatchClient(graph)
        report = PhotoSync(client, check_mode=check_mode, cache=cache).run(items)
        cache.save(files=make_writer())
        return report, client, cache

    audit, dummy, cache = run(True)
    assert [result['cache'] for result in audit.results] == ['miss', 'miss'] and audit.stats['files_hashed'] == 2
    assert list(cache.entries) == ['users/bob@contoso.com'], 'check mode records what it read, never a photo as set'

    real, client, cache = run(False)
    assert [(result['cache'], result['action']) for result in real.results] == [('hit', 'none'), ('miss', 'set')]
    assert real.stats['files_hashed'] == 1, "Bob's file is known by its identity on disk, Carol's has no entry yet"
    assert cache.entries['users/carol@contoso.com']['etag'] == graph.etags['/users/carol@contoso.com']

    again, client, cache = run(False)
    assert [result['cache'] for result in again.results] == ['hit', 'hit'] and not again.changed
    assert sorted(entry['url'] for entry in client.inner_requests) == ['/users/bob@contoso.com/photo', '/users/carol@contoso.com/photo']
    assert again.stats['compared'] == 0 and again.stats['cache_hits'] == 2
    assert again.stats['files_hashed'] == 0, 'a cache hit reads no local file'
