# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What graph_profile_photo_sync downloads to compare, and its cache, through real ansible-playbook (issue 13).

Seen from the side: the emulator's request log (paths and response sizes) and the cache file itself.
"""

from __future__ import annotations

import io
import json

from PIL import Image, ImageDraw

from conftest import ALICE, BOB, CAROL, CONTACT, PHOTOS

MODULE = 'graphops.msgraph.graph_profile_photo_sync'
RENDITION = '/photos/96x96/$value'


def sync_task(**options) -> dict:
    return {'name': 'sync', MODULE: options, 'register': 'sync_result'}


def by_principal(result: dict) -> dict:
    return {item['principal']: item for item in result['results']}


def graph_reads(admin) -> dict:
    """principal path -> [(path after the principal, response bytes)] of the inner GETs in the log."""
    found = {}
    for entry in admin.log():
        if entry['batch'] and entry['method'] == 'GET':
            path = entry['path'].split('/v1.0', 1)[1]
            for principal in ('/users/%s/contacts/%s' % (ALICE, CONTACT), '/users/%s' % BOB, '/users/%s' % CAROL):
                if path.startswith(principal + '/'):
                    found.setdefault(principal, []).append((path[len(principal):], entry['bytes']))
                    break
    return found


def small_picture(side: int = 64) -> bytes:
    image = Image.new('RGB', (side, side), 'navy')
    ImageDraw.Draw(image).ellipse((side // 5, side // 5, side * 4 // 5, side * 4 // 5), fill='orange')
    buffer = io.BytesIO()
    image.save(buffer, 'JPEG', quality=92)
    return buffer.getvalue()


def test_an_unchanged_principal_is_compared_from_the_96px_rendition_and_a_contact_in_full(playbook, admin):
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'cat.jpg').read_bytes())
    admin.put_photo('users/%s/contacts/%s' % (ALICE, CONTACT), (PHOTOS / 'coffee.jpg').read_bytes())
    admin.clear_log()
    run = playbook.run([sync_task(photos=[
        {'user': BOB, 'src': str(PHOTOS / 'cat.jpg')},
        {'user': ALICE, 'contact': CONTACT, 'src': str(PHOTOS / 'coffee.jpg')},
    ])], diff=True)
    assert run.rc == 0, run.output
    result = run.result()
    assert result['totals'] == {'unchanged': 2, 'set': 0, 'removed': 0, 'failed': 0, 'skipped': 0}
    items = by_principal(result)
    assert items['users/%s' % BOB]['compared_size'] == '96x96'
    assert items['users/%s' % BOB]['photo']['before']['width'] == 96, 'the facts are those of what was compared'
    assert items['users/%s/contacts/%s' % (ALICE, CONTACT)]['compared_size'] == 'full'
    assert all(item['cache'] is None for item in result['results'])
    reads = graph_reads(admin)
    (path, size), = reads['/users/%s' % BOB]
    assert path == RENDITION and 0 < size <= 6 * 1024, reads
    assert [path for path, size in reads['/users/%s/contacts/%s' % (ALICE, CONTACT)]] == ['/photo/$value'], 'contacts have no sizes'
    assert admin.writes() == []


def test_a_size_not_offered_or_a_smaller_photo_falls_back_to_the_photo_itself(playbook, admin, tmp_path):
    small = tmp_path / 'small.jpg'
    small.write_bytes(small_picture(64))
    for missing_size in ('404', '1x1'):
        admin.config(missing_size=missing_size)
        admin.put_photo('users/%s' % BOB, small.read_bytes())          # 64x64: no 96x96 rendition
        admin.put_photo('users/%s' % CAROL, (PHOTOS / 'rocket.jpg').read_bytes())
        admin.clear_log()
        run = playbook.run([sync_task(photos=[{'user': BOB, 'src': str(small)}, {'user': CAROL, 'src': str(PHOTOS / 'rocket.jpg')}])])
        assert run.rc == 0, run.output
        result = run.result()
        assert result['totals'] == {'unchanged': 2, 'set': 0, 'removed': 0, 'failed': 0, 'skipped': 0}, missing_size
        items = by_principal(result)
        assert items['users/%s' % BOB]['compared_size'] == 'full', missing_size
        assert items['users/%s' % CAROL]['compared_size'] == '96x96', missing_size
        reads = graph_reads(admin)
        assert [path for path, size in reads['/users/%s' % BOB]] == [RENDITION, '/photo/$value'], (missing_size, reads)
        assert [path for path, size in reads['/users/%s' % CAROL]] == [RENDITION], (missing_size, reads)
        assert admin.writes() == []


def test_the_cache_makes_a_repeated_run_one_metadata_read_and_notices_every_change(playbook, admin, emulator, tmp_path):
    cache = tmp_path / 'cache' / 'photo-sync-cache.json'
    cache.parent.mkdir()
    bob_file, carol_file = tmp_path / 'bob.jpg', tmp_path / 'carol.jpg'
    bob_file.write_bytes((PHOTOS / 'cat.jpg').read_bytes())
    carol_file.write_bytes((PHOTOS / 'astronaut.jpg').read_bytes())
    admin.put_photo('users/%s' % BOB, bob_file.read_bytes())
    task = sync_task(photos=[{'user': BOB, 'src': str(bob_file)}, {'user': CAROL, 'src': str(carol_file)}], cache=str(cache))

    # An audit: no cache yet (a warning says so), nothing written to Graph; Bob's verdict is recorded, Carol's is not.
    audit = playbook.run([task], check=True)
    assert audit.rc == 0, audit.output
    assert 'does not exist yet' in audit.output
    assert admin.writes() == []
    assert audit.result()['cache'] == {'path': str(cache), 'hits': 0, 'entries': 1}
    entries = json.loads(cache.read_text())['entries']
    assert list(entries) == ['users/%s' % BOB]
    assert entries['users/%s' % BOB]['etag'] == admin.photo_facts('users/%s' % BOB)['etag']

    # The real run: Bob from the cache (one metadata read), Carol compared, set, and her new ETag read back.
    admin.clear_log()
    real = playbook.run([task])
    assert real.rc == 0, real.output
    items = by_principal(real.result())
    assert items['users/%s' % BOB]['cache'] == 'hit' and items['users/%s' % BOB]['action'] == 'none'
    assert items['users/%s' % CAROL]['cache'] == 'miss' and items['users/%s' % CAROL]['action'] == 'set'
    assert [path for path, size in graph_reads(admin)['/users/%s' % BOB]] == ['/photo']
    assert [path for path, size in graph_reads(admin)['/users/%s' % CAROL]][-1] == '/photo', 'the new ETag is read back'
    entries = json.loads(cache.read_text())['entries']
    assert entries['users/%s' % CAROL]['etag'] == admin.photo_facts('users/%s' % CAROL)['etag']

    # Nothing changed: one metadata read each (under 1 KB), no download, no decode.
    admin.clear_log()
    again = playbook.run([task])
    assert again.rc == 0, again.output
    assert again.result()['changed'] is False and again.result()['stats']['cache_hits'] == 2
    assert again.result()['stats']['compared'] == 0
    for principal in ('/users/%s' % BOB, '/users/%s' % CAROL):
        (path, size), = graph_reads(admin)[principal]
        assert path == '/photo' and size < 1024
    assert [result['photo']['before'] for result in again.result()['results']] == [
        result['photo']['before'] for result in real.result()['results'][:1]] + [real.result()['results'][1]['photo']['after']]

    # Bob's photo replaced in Graph (a new ETag, the same picture) and Carol's file re-saved (same picture, new bytes):
    # both are compared again, and both are still unchanged.
    admin.put_photo('users/%s' % BOB, bob_file.read_bytes())
    image = Image.open(carol_file)
    buffer = io.BytesIO()
    image.save(buffer, 'JPEG', quality=93)
    carol_file.write_bytes(buffer.getvalue())
    admin.clear_log()
    changed = playbook.run([task])
    assert changed.rc == 0, changed.output
    assert [result['cache'] for result in changed.result()['results']] == ['miss', 'miss']
    assert changed.result()['totals']['unchanged'] == 2
    reads = graph_reads(admin)
    assert [path for path, size in reads['/users/%s' % BOB]] == ['/photo', RENDITION]
    assert [path for path, size in reads['/users/%s' % CAROL]] == ['/photo', RENDITION]

    # A damaged cache file is ignored with a warning and rewritten whole.
    cache.write_text('{"not": "a cache"')
    damaged = playbook.run([task])
    assert damaged.rc == 0, damaged.output
    assert 'is not a photo sync cache' in damaged.output
    assert [result['cache'] for result in damaged.result()['results']] == ['miss', 'miss']
    text = cache.read_text()
    payload = json.loads(text)
    assert payload['format'] == 'graphops.msgraph.photo_sync_cache' and sorted(payload['entries']) == [
        'users/%s' % BOB, 'users/%s' % CAROL]
    # Never a secret or image bytes.
    assert emulator.client_secret not in text
    assert 'Bearer' not in text and '/9j/' not in text and 'JFIF' not in text
    assert len(text) < 2048
    assert [path.name for path in cache.parent.iterdir()] == [cache.name], 'no temporary file left behind'
