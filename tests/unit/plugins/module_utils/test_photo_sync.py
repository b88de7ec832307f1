# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sync engine and its one write path, against a fake Graph that keeps photos in a dict.

Check mode must send no write: BatchPhotoWriter.apply returns before building a request, and no other code
of the sync builds a PUT or DELETE.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchRunner
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.bulk_writer import BatchPhotoWriter
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import ACTION_NONE, ACTION_REMOVE, ACTION_SET, PhotoPlan
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.runner import COMPACT_RESULT_KEYS, PhotoSync, compact_results
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import items_from_photos
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_from_options

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import FakeBatchClient, graph_error_body, inner

MODULE_UTILS = Path(__file__).resolve().parents[4] / 'plugins' / 'module_utils'


def picture(colour, fmt='JPEG') -> bytes:
    image = Image.new('RGB', (200, 200), colour)
    ImageDraw.Draw(image).ellipse((30, 30, 150, 170), fill='white')
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=90)
    return buffer.getvalue()


BLUE = picture('royalblue')
RED = picture('crimson')


def rendition(data, size):
    """What Graph serves at .../photos/{size}x{size}/$value: the photo fitted within size x size, as JPEG."""
    image = Image.open(io.BytesIO(data)).convert('RGB')
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, 'JPEG', quality=85)
    return buffer.getvalue()


class FakeGraph:
    """Photos by path; GET answers the photo, its sized renditions (404 for a size larger than the photo) or its
    metadata with an ETag, or 404 ImageNotFound; PUT stores (with a new ETag), DELETE removes; some paths fail."""

    SIZED = re.compile(r'^(?P<key>.*)/photos/(?P<side>[0-9]+)x(?P=side)/\$value$')

    def __init__(self, photos=None, failures=None):
        self.photos = dict(photos or {})
        self.failures = dict(failures or {})  # (method, url) -> (status, code)
        self.etags = {key: '"E%d"' % number for number, key in enumerate(self.photos)}
        self.uploads = 0

    def __call__(self, entry):
        method, url = entry['method'], entry['url']
        if (method, url) in self.failures:
            status, code = self.failures[(method, url)]
            return inner(entry['id'], status, graph_error_body(code))
        sized = self.SIZED.match(url)
        if sized:
            photo, side = self.photos.get(sized.group('key')), int(sized.group('side'))
            if photo is None or max(Image.open(io.BytesIO(photo)).size) < side:
                return inner(entry['id'], 404, graph_error_body('ImageNotFound'))
            return inner(entry['id'], 200, rendition(photo, side))
        if method == 'GET' and url.endswith('/photo'):
            key = url[:-len('/photo')]
            if key not in self.photos:
                return inner(entry['id'], 404, graph_error_body('ImageNotFound'))
            width, height = Image.open(io.BytesIO(self.photos[key])).size
            return inner(entry['id'], 200, {'@odata.mediaEtag': self.etags[key], 'id': '%dx%d' % (width, height),
                                            'width': width, 'height': height})
        key = url.replace('/photo/$value', '')
        if method == 'GET':
            if key in self.photos:
                return inner(entry['id'], 200, self.photos[key])
            return inner(entry['id'], 404, graph_error_body('ImageNotFound'))
        if method == 'PUT':
            self.photos[key] = base64.b64decode(entry['body'])
            self.uploads += 1
            self.etags[key] = '"U%d"' % self.uploads
            return inner(entry['id'], 200)
        self.photos.pop(key, None)
        return inner(entry['id'], 200)


@pytest.fixture
def photo_files(tmp_path):
    (tmp_path / 'blue.jpg').write_bytes(BLUE)
    (tmp_path / 'red.jpg').write_bytes(RED)
    return tmp_path


def declared(photo_files):
    return items_from_photos([
        {'user': 'alice@contoso.com', 'src': str(photo_files / 'blue.jpg'), 'state': 'present'},   # no photo: set
        {'user': 'bob@contoso.com', 'src': str(photo_files / 'blue.jpg'), 'state': 'present'},     # same: none
        {'user': 'carol@contoso.com', 'src': str(photo_files / 'red.jpg'), 'state': 'present'},    # different: set
        {'group': 'g1', 'state': 'absent'},                                                       # has one: remove
    ])


def graph_with_photos():
    return FakeGraph({'/users/bob@contoso.com': picture('royalblue'), '/users/carol@contoso.com': BLUE, '/groups/g1': RED})


def writes_in(client):
    return [(entry['method'], entry['url']) for entry in client.inner_requests if entry['method'] != 'GET']


def test_check_mode_sends_no_write_and_reports_what_would_change(photo_files):
    graph = graph_with_photos()
    client = FakeBatchClient(graph)
    report = PhotoSync(client, check_mode=True, want_diff=True).run(declared(photo_files))
    assert writes_in(client) == []
    assert {entry['method'] for entry in client.inner_requests} == {'GET'}
    assert report.totals == {'unchanged': 1, 'set': 2, 'removed': 1, 'failed': 0, 'skipped': 0}
    assert [result['changed'] for result in report.results] == [True, False, True, True]
    assert len(report.diffs) == 3
    assert graph.photos['/groups/g1'] == RED and '/users/alice@contoso.com' not in graph.photos


def test_a_real_run_writes_only_what_differs_in_batches(photo_files):
    graph = graph_with_photos()
    client = FakeBatchClient(graph)
    report = PhotoSync(client, check_mode=False).run(declared(photo_files))
    assert sorted(writes_in(client)) == [('DELETE', '/groups/g1/photo/$value'), ('PUT', '/users/alice@contoso.com/photo/$value'),
                                         ('PUT', '/users/carol@contoso.com/photo/$value')]
    assert graph.photos['/users/alice@contoso.com'] == BLUE and graph.photos['/users/carol@contoso.com'] == RED
    assert '/groups/g1' not in graph.photos
    puts = [entry for entry in client.inner_requests if entry['method'] == 'PUT']
    assert all(entry['headers'] == {'Content-Type': 'image/jpeg'} for entry in puts)
    assert [result['action'] for result in report.results] == [ACTION_SET, ACTION_NONE, ACTION_SET, ACTION_REMOVE]
    assert report.diffs == [], 'no diff unless asked for'
    # One batch of 96x96 reads, one of photo/$value for the one whose rendition read said 404 (alice has no photo, and
    # a 404 may also mean "no such size"), one of writes.
    assert [entry['url'] for entry in client.payloads[0]['requests']] == [
        '/users/alice@contoso.com/photos/96x96/$value', '/users/bob@contoso.com/photos/96x96/$value',
        '/users/carol@contoso.com/photos/96x96/$value', '/groups/g1/photos/96x96/$value']
    assert [entry['url'] for entry in client.payloads[1]['requests']] == ['/users/alice@contoso.com/photo/$value']
    assert len(client.payloads) == 3
    assert [result['compared_size'] for result in report.results] == [None, '96x96', '96x96', '96x96']

    again = FakeBatchClient(graph)
    second = PhotoSync(again, check_mode=False).run(declared(photo_files))
    assert writes_in(again) == [] and second.totals['unchanged'] == 4


def test_a_failing_item_does_not_stop_the_others(photo_files):
    graph = graph_with_photos()
    graph.failures[('GET', '/users/bob@contoso.com/photos/96x96/$value')] = (403, 'Authorization_RequestDenied')
    graph.failures[('GET', '/users/bob@contoso.com/photo/$value')] = (403, 'Authorization_RequestDenied')
    graph.failures[('PUT', '/users/carol@contoso.com/photo/$value')] = (413, 'RequestEntityTooLarge')
    report = PhotoSync(FakeBatchClient(graph), check_mode=False).run(declared(photo_files))
    assert report.totals == {'unchanged': 0, 'set': 1, 'removed': 1, 'failed': 2, 'skipped': 0}
    bob, carol = report.results[1], report.results[2]
    assert 'Could not read the photo of users/bob@contoso.com: HTTP 403' in bob['error']
    assert 'ProfilePhoto.Read.All' in bob['error'] and bob['changed'] is False
    assert 'Could not set the photo of users/carol@contoso.com: HTTP 413' in carol['error']
    assert carol['action'] == ACTION_SET and carol['changed'] is False
    assert graph.photos['/users/alice@contoso.com'] == BLUE


def test_many_items_go_20_reads_per_batch_and_keep_their_order(tmp_path):
    (tmp_path / 'blue.jpg').write_bytes(BLUE)
    items = items_from_photos([{'user': 'user%02d@contoso.com' % n, 'src': str(tmp_path / 'blue.jpg'), 'state': 'present'}
                               for n in range(45)])
    client = FakeBatchClient(FakeGraph())
    report = PhotoSync(client, check_mode=True, concurrency=4).run(items)
    # Nobody has a photo: each 96x96 read answers 404, which may also mean "no such size", so photo/$value is read too.
    assert sorted(len(payload['requests']) for payload in client.payloads) == [5, 5, 20, 20, 20, 20]
    assert [result['principal'] for result in report.results] == ['users/user%02d@contoso.com' % n for n in range(45)]
    assert report.stats['batches'] == 6 and report.stats['inner_requests'] == 90


class ExplodingRunner:
    def run(self, requests):
        raise AssertionError('check mode built and sent %d requests' % len(requests))


def test_the_writer_in_check_mode_returns_before_building_any_request():
    target = target_from_options(user='alice@contoso.com')
    plans = {1: PhotoPlan(target, ACTION_SET, None, None, source=SimpleNamespace(data=BLUE, content_type='image/jpeg')),
             2: PhotoPlan(target_from_options(group='g1'), ACTION_REMOVE, None, None),
             3: PhotoPlan(target, ACTION_NONE, None, None)}
    assert BatchPhotoWriter(ExplodingRunner(), check_mode=True).apply(plans) == {1: None, 2: None}
    with pytest.raises(AssertionError, match='built and sent 2 requests'):
        BatchPhotoWriter(ExplodingRunner(), check_mode=False).apply(plans)


def test_no_other_code_of_the_sync_builds_a_write():
    # Writes are PUT / PATCH / DELETE requests; in module_utils only the writers may build them: the two photo writers
    # and the photo update settings writer (its check-mode guard: test_photo_update_settings.py), and the probe's requests
    # (its check-mode guard: test_photo_probe.py).
    # Every file of module_utils, in its subpackages too (the walk sees the files a write could hide in).
    sources = sorted(MODULE_UTILS.rglob('*.py'))
    assert len([path for path in sources if path.parent != MODULE_UTILS]) >= 30
    builders = set()
    for path in sources:
        if re.search(r"""method=['"](PUT|PATCH|DELETE)['"]|request\(['"](PUT|PATCH|DELETE)['"]""", path.read_text()):
            builders.add(path.relative_to(MODULE_UTILS).as_posix())
    assert builders == {'_sync/bulk_writer.py', '_photo/state.py', '_settings/photo_update_settings.py', '_probe/probe_requests.py'}


def test_the_engine_holds_a_check_mode_writer_and_a_shared_runner(photo_files):
    client = FakeBatchClient(FakeGraph())
    sync = PhotoSync(client, check_mode=True)
    assert isinstance(sync.writer, BatchPhotoWriter) and sync.writer.check_mode is True
    assert isinstance(sync.runner, BatchRunner) and sync.writer.runner is sync.runner


def test_compact_results_are_made_as_the_run_goes_and_say_what_full_ones_say(photo_files):
    items = items_from_photos([
        {'user': 'alice@contoso.com', 'src': str(photo_files / 'blue.jpg')},
        {'user': 'bob@contoso.com', 'src': str(photo_files / 'blue.jpg')},
        {'user': 'carol@contoso.com', 'src': str(photo_files / 'red.jpg')},
        {'group': 'g1', 'state': 'absent'},
        {'user': 'dave@contoso.com', 'src': str(photo_files / 'missing.jpg')},  # fails: no such file
    ])
    full = PhotoSync(FakeBatchClient(graph_with_photos()), check_mode=True, want_diff=True).run(items)
    compact = PhotoSync(FakeBatchClient(graph_with_photos()), check_mode=True, want_diff=True, result_detail='compact').run(items)
    assert [set(result) for result in compact.results] == [set(COMPACT_RESULT_KEYS)] * len(items)
    assert compact.results == compact_results(full.results)
    assert compact.totals == full.totals and compact.totals['failed'] == 1
    assert [result['principal'] for result in compact.failed] == ['users/dave@contoso.com']
    assert compact.diffs == full.diffs and compact.changed is full.changed is True
