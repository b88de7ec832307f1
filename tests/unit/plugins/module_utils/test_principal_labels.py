# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A principal is shown as Graph names it (a guest's '#EXT#'), and kept in its URL form where a machine needs it:
request paths, the cache's keys and the shards (so that neither moves from what 0.2 wrote)."""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_from_options
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.cache import PhotoSyncCache, verdict_settings
from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_digests import file_sha256
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import items_from_directory, items_from_photos
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.runner import PhotoSync
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.shards import shard_of

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import FakeBatchClient
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_photo_sync import BLUE, RED, FakeGraph
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import make_writer
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import usual_umask  # noqa: F401  # pylint: disable=unused-import

GUEST = 'frank_fabrikam.com#EXT#@contoso.com'
GUEST_URL = 'frank_fabrikam.com%23EXT%23@contoso.com'
OTHER_GUEST = 'grace_fabrikam.com#EXT#@contoso.com'
OTHER_GUEST_URL = 'grace_fabrikam.com%23EXT%23@contoso.com'


@pytest.mark.parametrize('options, path, label', [
    ({'user': GUEST}, 'users/%s' % GUEST_URL, 'users/%s' % GUEST),
    ({'user': GUEST, 'contact': 'c/1=', 'contact_folder': 'f#1'},
     'users/%s/contactFolders/f%%231/contacts/c%%2F1%%3D' % GUEST_URL, 'users/%s/contactFolders/f#1/contacts/c/1=' % GUEST),
    ({'user': 'me', 'contact': 'c#1'}, 'me/contacts/c%231', 'me/contacts/c#1'),
    ({'user': 'me'}, 'me', 'me'),
    ({'group': 'g#1'}, 'groups/g%231', 'groups/g#1'),
    ({'team': 't#1'}, 'teams/t%231', 'teams/t#1'),
], ids=['guest', 'guest-contact-in-folder', 'my-contact', 'me', 'group', 'team'])
def test_the_label_names_the_principal_as_given_and_the_path_is_url_encoded(options, path, label):
    target = target_from_options(**options)
    assert (target.path, target.label) == (path, label)
    assert target.photo_value_path == '/%s/photo/$value' % path


def test_sync_results_diffs_and_errors_show_the_guest_as_graph_names_it(tmp_path):
    (tmp_path / 'blue.jpg').write_bytes(BLUE)
    graph = FakeGraph({'/users/%s' % GUEST_URL: RED})
    for read in ('/photos/96x96/$value', '/photo/$value'):
        graph.failures[('GET', '/users/%s%s' % (OTHER_GUEST_URL, read))] = (403, 'Authorization_RequestDenied')
    items = items_from_photos([{'user': GUEST, 'src': str(tmp_path / 'blue.jpg')},
                               {'user': OTHER_GUEST, 'src': str(tmp_path / 'blue.jpg')}])
    client = FakeBatchClient(graph)
    report = PhotoSync(client, check_mode=True, want_diff=True).run(items)
    # The requests went to the URL form ...
    assert '/users/%s/photos/96x96/$value' % GUEST_URL in [entry['url'] for entry in client.inner_requests]
    # ... what a person reads names the principal as Graph does.
    frank, grace = report.results
    assert frank['principal'] == 'users/%s' % GUEST and frank['changed'] is True
    (diff,) = report.diffs
    assert diff['before_header'].startswith('users/%s (current photo' % GUEST)
    assert diff['after_header'] == 'users/%s (photo from %s)' % (GUEST, tmp_path / 'blue.jpg')
    assert grace['principal'] == 'users/%s' % OTHER_GUEST
    assert grace['error'].startswith('Could not read the photo of users/%s: HTTP 403' % OTHER_GUEST)
    assert '%23' not in repr(report.results) + repr(report.diffs)


def test_a_cache_written_by_0_2_still_hits_for_a_guest(tmp_path):
    """0.2 keyed the cache by the URL form (then also its results' principal): that key is kept, so no entry is lost."""
    src = tmp_path / 'blue.jpg'
    src.write_bytes(BLUE)
    graph = FakeGraph({'/users/%s' % GUEST_URL: BLUE})
    settings = verdict_settings(compare='perceptual', prepare='auto', crop='none')
    old = PhotoSyncCache(str(tmp_path / 'cache.json'))
    old.record('users/%s' % GUEST_URL, etag=graph.etags['/users/%s' % GUEST_URL], file_digest=file_sha256(str(src)),
               settings=settings, verdict='same', compared_size='96x96',
               photo={'sha256': 'ab' * 32, 'width': 200, 'height': 200, 'content_type': 'image/jpeg', 'size': 1},
               upload={'prepared': False, 'reasons': []})
    old.save(files=make_writer())
    cache = PhotoSyncCache.load(str(tmp_path / 'cache.json'))
    client = FakeBatchClient(graph)
    report = PhotoSync(client, check_mode=False, cache=cache).run(items_from_photos([{'user': GUEST, 'src': str(src)}]))
    assert [(result['principal'], result['cache']) for result in report.results] == [('users/%s' % GUEST, 'hit')]
    assert [entry['url'] for entry in client.inner_requests] == ['/users/%s/photo' % GUEST_URL], 'one metadata read'
    assert list(cache.entries) == ['users/%s' % GUEST_URL]


def test_a_guest_stays_in_the_shard_0_2_put_it_in(tmp_path):
    (tmp_path / ('%s.jpg' % GUEST)).write_bytes(BLUE)
    (item,) = items_from_directory(str(tmp_path))
    assert item.label == 'users/%s' % GUEST
    # The shard key is the URL form, as in 0.2: sha256 of it, pinned here so that a change of key cannot pass.
    assert item.key == 'users/%s' % GUEST_URL
    digest = hashlib.sha256(('users/%s' % GUEST_URL).lower().encode('utf-8')).digest()
    assert [shard_of(item.key, count) for count in (2, 3, 7)] == [int.from_bytes(digest[:8], 'big') % count for count in (2, 3, 7)]
    assert [shard_of(item.key, count) for count in (2, 3, 7)] != [shard_of(item.label, count) for count in (2, 3, 7)], \
        'the display form would hash elsewhere: this test must tell the two apart'


def test_a_duplicate_declaration_names_the_guest_as_graph_does(tmp_path):
    items = items_from_photos([{'user': GUEST, 'src': 'a.jpg'}, {'user': GUEST.upper(), 'src': 'b.jpg'}])
    assert items[0].error == 'users/%s is declared 2 times (photos[0], photos[1]); keep one declaration per principal.' % GUEST
