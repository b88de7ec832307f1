# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""graph_profile_photo_export through real ansible-playbook against the emulator, seen from the side: the files on
disk (bytes, modes, inodes), the emulator's stored photos and its request log.

Few runs, each proving several points: check mode, a first export, a second one that downloads nothing, then one run
after the photos, the scope and the folder changed (prune), and one run over names that must never become paths.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import time

import pytest
from PIL import Image

from conftest import ALICE, BOB, CAROL, PHOTOS

DAVE = 'dave@contoso.com'
ERIN = 'erin.obrien@contoso.com'
FRANK = 'frank_fabrikam.com#EXT#@contoso.com'
GRACE = 'grace_fabrikam.com#EXT#@contoso.com'
ALL_EMPLOYEES = '8e5f0b7a-1c9e-4f5d-9a8c-5e6f7a8b9c4a'
FABRIKAM = 'def30e7c-2ca0-41b9-b96e-87edf6f5dee0'
MANIFEST = '.graphops-export.json'
MODULE = 'graphops.msgraph.graph_profile_photo_export'


@pytest.fixture
def umask_022():
    """The umask of most hosts (ansible-playbook inherits it): what the module writes must be private anyway."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def export(dest, **options) -> dict:
    return {'name': 'export %s' % os.path.basename(str(dest)), MODULE: dict(dest_dir=str(dest), **options)}


def mode_of(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def snapshot(folder) -> dict:
    """Every entry of a folder, dot-files too: bytes, mode, inode and mtime (a rewrite changes the inode)."""
    found = {}
    for name in sorted(os.listdir(folder)):
        info = os.lstat(os.path.join(folder, name))
        with open(os.path.join(folder, name), 'rb') as handle:
            found[name] = (hashlib.sha256(handle.read()).hexdigest(), stat.S_IMODE(info.st_mode), info.st_ino, info.st_mtime_ns)
    return found


def by_user(result: dict) -> dict:
    return {entry['user']: entry for entry in result['results']}


def actions(run) -> list:
    return [[(entry['user'], entry['action'], entry['skipped'], entry['error']) for entry in task['result']['results']]
            for task in run.results]


def manifest_files(folder) -> dict:
    with open(os.path.join(folder, MANIFEST), encoding='utf-8') as handle:
        return json.load(handle)['files']


def inner_requests(admin) -> list:
    return [(entry['method'], entry['path']) for entry in admin.log() if entry['batch']]


def test_export_check_mode_first_run_second_run_and_every_change_put_right(playbook, admin, emulator, tmp_path, umask_022):
    # Graph's 1x1 answer for sizes a photo is not offered in (the beta docs); the 404 answer is the default.
    admin.config(missing_size='1x1')
    admin.put_photo('users/%s' % ALICE, (PHOTOS / 'astronaut.jpg').read_bytes())
    admin.put_photo('users/%s' % CAROL, (PHOTOS / 'cat.jpg').read_bytes())
    with_photo = (ALICE, BOB, CAROL, DAVE, GRACE)  # bob, dave and grace from the seed (480, 240 and 96 px)
    ids = {user['userPrincipalName']: user_id for user_id, user in admin.state()['users'].items()}
    dest = tmp_path / 'export' / 'photos'  # missing, and so is its parent
    thumbs = tmp_path / 'thumbs'
    tasks = [export(dest), export(thumbs, size='96x96', name_by='id', mode='0640')]

    # --- check mode: the same actions as the real run below, nothing created, written or sent ---
    admin.clear_log()
    check = playbook.run(tasks, check=True, diff=True)
    assert check.rc == 0, check.output
    assert not (tmp_path / 'export').exists() and not thumbs.exists()
    assert admin.writes() == []
    assert '+alice@contoso.com.jpg  sha256:' in check.output  # --diff lists the files that would be added

    # --- the first export: one file per user with a photo, byte for byte what Graph serves, private ---
    admin.clear_log()
    first = playbook.run(tasks, diff=True)
    assert first.rc == 0, first.output
    assert actions(first) == actions(check)
    assert admin.writes() == []
    results = by_user(first.result(0))
    assert sorted(user for user, entry in results.items() if entry['action'] == 'exported') == sorted(with_photo)
    assert results[ERIN]['action'] == results[FRANK]['action'] == 'none'
    assert first.result(0)['totals'] == {'exported': 5, 'unchanged': 0, 'removed': 0, 'no_photo': 2, 'skipped': 0, 'failed': 0}
    assert sorted(os.listdir(dest)) == sorted([MANIFEST] + ['%s.jpg' % user for user in with_photo])
    for user in with_photo:
        assert (dest / ('%s.jpg' % user)).read_bytes() == admin.photo_bytes('users/%s' % ids[user]), user
        assert mode_of(dest / ('%s.jpg' % user)) == 0o600
        assert results[user]['file'] == str(dest / ('%s.jpg' % user))
    assert mode_of(dest / MANIFEST) == 0o600
    assert mode_of(dest) == mode_of(tmp_path / 'export') == 0o700  # the folders it created, under umask 022
    # mode: '0640' applies to the files, and to the folder it created with the search bit where it gives read.
    assert mode_of(thumbs) == 0o750
    assert sorted(os.listdir(thumbs)) == sorted([MANIFEST] + ['%s.jpg' % ids[user] for user in with_photo])
    for user in with_photo:
        path = thumbs / ('%s.jpg' % ids[user])
        assert mode_of(path) == 0o640
        with Image.open(io.BytesIO(path.read_bytes())) as picture:
            assert max(picture.size) == 96, (user, picture.size)  # cat.jpg is 451x300: 96x64

    # --- a second export writes nothing and downloads nothing: one metadata read per user ---
    before = (snapshot(dest), snapshot(thumbs))
    admin.clear_log()
    second = playbook.run(tasks)
    assert second.rc == 0, second.output
    assert [task['result']['changed'] for task in second.results] == [False, False]
    assert second.result(0)['totals']['unchanged'] == second.result(1)['totals']['unchanged'] == 5
    assert (snapshot(dest), snapshot(thumbs)) == before
    reads = inner_requests(admin)
    assert reads and all(method == 'GET' and path.endswith('/photo') for method, path in reads), reads
    assert len(reads) == 2 * 7  # every user of the tenant, in each task
    assert second.result(0)['stats']['downloads'] == 0 and admin.writes() == []

    # --- the world changes ---
    admin.put_photo('users/%s' % ALICE, (PHOTOS / 'rocket.jpg').read_bytes())                 # changed in Graph
    admin.delete_photo('users/%s' % DAVE)                                                       # removed in Graph
    admin.put_photo('users/%s' % BOB, admin.photo_bytes('users/%s' % BOB), rewrite=False)       # a new ETag, the same bytes
    (dest / ('%s.jpg' % CAROL)).write_bytes((PHOTOS / 'coffee.jpg').read_bytes())              # edited on disk
    admin.put_photo('users/%s' % ERIN, (PHOTOS / 'camera.jpg').read_bytes())                  # a new photo, whose exact
    (dest / ('%s.jpg' % ERIN)).write_bytes(admin.photo_bytes('users/%s' % ERIN))                # bytes someone put there
    os.chmod(dest / ('%s.jpg' % ERIN), 0o644)
    foreign = {'notes.txt': b'not a photo', 'someone@fabrikam.com.jpg': (PHOTOS / 'cat.jpg').read_bytes()}
    for name, data in foreign.items():
        (dest / name).write_bytes(data)
    # Temporary files of a killed run: one left two hours ago (removed, never read), one of a run in progress (left).
    for name, age in (('.graphops-tmp-killed.tmp', 7200), ('.graphops-tmp-running.tmp', 0)):
        (dest / name).write_bytes(b'\xff\xd8\xff half a photo')
        os.utime(dest / name, (time.time() - age, time.time() - age))
    bob_inode = os.stat(dest / ('%s.jpg' % BOB)).st_ino
    # Grace (a guest) leaves the scope: All employees (alice, carol, dave, bob and erin through a nested group).
    changed_tasks = [export(dest, scope={'group': ALL_EMPLOYEES}, prune=True),
                     export(thumbs, size='240x240', name_by='id', mode='0640', prune=True)]
    admin.clear_log()
    third = playbook.run(changed_tasks, diff=True)
    assert third.rc == 0, third.output
    assert admin.writes() == []
    results = by_user(third.result(0))
    assert {user: entry['action'] for user, entry in results.items()} == {
        ALICE: 'exported', BOB: 'unchanged', CAROL: 'exported', DAVE: 'removed', ERIN: 'unchanged', GRACE: 'removed'}
    assert 'changed in Graph' in results[ALICE]['reason']
    assert 'new ETag' in results[BOB]['reason'] and not results[BOB]['changed']
    assert 'changed on disk' in results[CAROL]['reason']
    assert 'no photo' in results[DAVE]['reason'] and 'no longer in scope' in results[GRACE]['reason']
    assert 'recorded as this module' in results[ERIN]['reason'] and results[ERIN]['changed']  # 0644 made private
    assert third.result(0)['totals'] == {'exported': 2, 'unchanged': 2, 'removed': 2, 'no_photo': 0, 'skipped': 0, 'failed': 0}
    for user in (ALICE, BOB, CAROL, ERIN):
        assert (dest / ('%s.jpg' % user)).read_bytes() == admin.photo_bytes('users/%s' % ids[user]), user
        assert mode_of(dest / ('%s.jpg' % user)) == 0o600
    assert os.stat(dest / ('%s.jpg' % BOB)).st_ino == bob_inode  # left alone
    # Prune removed what it wrote, and nothing else.
    assert sorted(os.listdir(dest)) == sorted([MANIFEST, '.graphops-tmp-running.tmp'] + list(foreign)
                                              + ['%s.jpg' % user for user in (ALICE, BOB, CAROL, ERIN)])
    for name, data in foreign.items():
        assert (dest / name).read_bytes() == data
    assert sorted(manifest_files(dest)) == sorted('%s.jpg' % user for user in (ALICE, BOB, CAROL, ERIN))
    # Downloads only where the ETag or the file said so: alice and bob (new ETags), carol (edited), erin (new photo);
    # and at 240x240 every user who has one (the size changed), but grace, whose photo is smaller.
    downloads = sorted(path for method, path in inner_requests(admin) if path.endswith('/$value'))
    assert downloads == sorted(['/v1.0/users/%s/photo/$value' % ids[user] for user in (ALICE, BOB, CAROL, ERIN)]
                               + ['/v1.0/users/%s/photos/240x240/$value' % ids[user] for user in (ALICE, BOB, CAROL, ERIN)])
    for line in ('-dave@contoso.com.jpg  sha256:', '-%s.jpg  sha256:' % GRACE, '+%s.jpg  sha256:' % ALICE):
        assert line in third.output, line

    # A size the photo is not offered in: grace's 96 px photo has no 240x240 (Graph answers the 1x1 size); her file
    # from the 96x96 export goes with prune, and so does dave's (no photo). The others are read again at 240.
    thumb_results = {entry['user']: entry for entry in third.result(1)['results']}
    assert thumb_results[GRACE]['action'] == 'removed' and 'does not offer' in thumb_results[GRACE]['reason']
    assert thumb_results[DAVE]['action'] == 'removed'
    assert sorted(os.listdir(thumbs)) == sorted([MANIFEST] + ['%s.jpg' % ids[user] for user in (ALICE, BOB, CAROL, ERIN)])
    for user in (ALICE, BOB, CAROL, ERIN):
        path = thumbs / ('%s.jpg' % ids[user])
        with Image.open(io.BytesIO(path.read_bytes())) as picture:
            assert max(picture.size) == 240, (user, picture.size)
        assert mode_of(path) == 0o640


def test_names_that_must_never_become_paths_and_photos_served_as_png(playbook, admin, tmp_path):
    # Graph keeps the alpha channel of this upload and serves …/photo/$value as PNG: the file is <name>.png.
    admin.config(value_keeps_alpha=True)
    admin.put_photo('users/frida@fabrikam.com', (PHOTOS / 'logo-alpha.png').read_bytes())
    dest = tmp_path / 'inside' / 'photos'
    run = playbook.run([dict(export(dest, name_by='mailNickname', tenant_id=FABRIKAM), ignore_errors=True)])
    entry = run.results[0]
    assert entry['status'] == 'failed', run.output
    result = entry['result']
    results = by_user(result)
    skipped = {'mallory@fabrikam.com': 'path separator', 'backslash@fabrikam.com': 'path separator',
               'hidden@fabrikam.com': 'starts with a dot', 'tab@fabrikam.com': 'control character',
               'nonick@fabrikam.com': 'has no mailNickname'}
    for user, words in skipped.items():
        assert results[user]['skipped'] and results[user]['action'] == 'none', results[user]
        assert words in results[user]['reason'] and results[user]['error'] is None, results[user]
    # Equal without regard to case: both fail, each naming the other, and the task fails at its end naming them.
    for user, other in (('pat.one@fabrikam.com', 'pat.two@fabrikam.com'), ('pat.two@fabrikam.com', 'pat.one@fabrikam.com')):
        assert other in results[user]['error'] and results[user]['file'] is None
        assert user in result['msg']
    assert results['frida@fabrikam.com']['action'] == 'exported'
    assert result['totals'] == {'exported': 1, 'unchanged': 0, 'removed': 0, 'no_photo': 4, 'skipped': 5, 'failed': 2}
    # Only frida's file (as PNG, byte for byte) and the manifest; nothing anywhere else.
    assert sorted(os.listdir(dest)) == [MANIFEST, 'frida.png']
    assert (dest / 'frida.png').read_bytes() == admin.photo_bytes('users/frida@fabrikam.com')
    assert (dest / 'frida.png').read_bytes().startswith(b'\x89PNG')
    assert os.listdir(tmp_path / 'inside') == ['photos']
    written = [name for folder, dummy, names in os.walk(tmp_path) for name in names
               if any(word in name.lower() for word in ('mallory', 'slash', 'hidden', 'tab', 'pat', 'nonick'))]
    assert written == []
