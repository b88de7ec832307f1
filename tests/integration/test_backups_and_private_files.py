# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""backup_dir and private files through one real ansible-playbook run against the emulator (each run costs seconds:
one playbook proves every point, task by task).

What Graph held and what was written are read from the side (the emulator's admin API and request log); the files
from the disk. The playbook runs under umask 022, the usual one, which the files must not depend on.
"""

from __future__ import annotations

import datetime
import os
import shutil
import stat

from conftest import ALICE, BOB, CAROL, CONTACT, FOLDER, FOLDER_CONTACT, MARKETING, PHOTOS

SYNC = 'graphops.msgraph.graph_profile_photo_sync'
GRACE = '7d4e9a6f-0b8d-4e4c-8f7b-4d5e6f7a8b39'  # a guest, named by object id
ALL_EMPLOYEES = '8e5f0b7a-1c9e-4f5d-9a8c-5e6f7a8b9c4a'
ERIN_ID = '5b2c7e4d-8f6b-4c2a-8d59-2b3c4d5e6f17'
DAVE = 'dave@contoso.com'


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def tree(folder) -> dict:
    """relative path -> bytes of every file under folder."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob('*')) if path.is_file()}


def png_photo() -> bytes:
    from PIL import Image  # pylint: disable=import-outside-toplevel
    import io  # pylint: disable=import-outside-toplevel
    buffer = io.BytesIO()
    Image.open(PHOTOS / 'coffee.jpg').convert('RGB').resize((120, 120)).save(buffer, 'PNG')
    return buffer.getvalue()


def stamps_around(now: datetime.datetime, seconds: int) -> list:
    return [(now + datetime.timedelta(seconds=offset)).strftime('%Y%m%dT%H%M%SZ') for offset in range(-2, seconds)]


def test_backups_hold_what_each_run_replaced_or_removed_and_files_are_private(playbook, admin, tmp_path):
    photos = PHOTOS
    # What Graph holds before the run: seeded photos (bob, dave, Marketing), and photos put for the test. Carol's is a
    # PNG that Graph serves as it is (no rewrite): her backup must be a .png.
    for principal, data in (('users/%s/contacts/%s' % (ALICE, CONTACT), (photos / 'cat.jpg').read_bytes()),
                            ('users/%s/contactFolders/%s/contacts/%s' % (ALICE, FOLDER, FOLDER_CONTACT), (photos / 'cat.jpg').read_bytes()),
                            ('groups/%s' % ALL_EMPLOYEES, (photos / 'camera.jpg').read_bytes())):
        admin.put_photo(principal, data)
    admin.put_photo('users/%s' % CAROL, png_photo(), rewrite=False)
    held = {name: admin.photo_bytes(principal) for name, principal in (
        ('bob', 'users/%s' % BOB), ('carol', 'users/%s' % CAROL), ('marketing', 'groups/%s' % MARKETING),
        ('contact', 'users/%s/contacts/%s' % (ALICE, CONTACT)),
        ('dave', 'users/%s' % DAVE), ('grace', 'users/%s' % GRACE), ('everyone', 'groups/%s' % ALL_EMPLOYEES),
        ('folder_contact', 'users/%s/contactFolders/%s/contacts/%s' % (ALICE, FOLDER, FOLDER_CONTACT)))}
    assert held['carol'].startswith(b'\x89PNG') and [name for name, data in held.items() if not data] == []

    backups, reports = tmp_path / 'backups', tmp_path / 'reports'
    reports.mkdir()
    (tmp_path / 'grace.jpg').write_bytes(held['grace'])          # the photo she has: unchanged
    hr = tmp_path / 'hr'
    hr.mkdir()
    shutil.copy(photos / 'rocket.jpg', hr / 'E1004.jpg')          # dave, departed: in the scope below, replaced
    shutil.copy(photos / 'rocket.jpg', hr / 'E1002.jpg')          # bob: outside that scope, skipped
    (tmp_path / 'not-a-folder').write_bytes(b'')                 # root may write anywhere, but never under a file
    # Another run started in each of these seconds: the sync's own folder must be <stamp>-2, and theirs untouched.
    now = datetime.datetime.now(datetime.timezone.utc)
    for stamp in stamps_around(now, 90):
        (backups / 'sync' / stamp).mkdir(parents=True)
        (backups / 'sync' / stamp / 'other-run.jpg').write_bytes(b'another run')

    listed = [
        {'user': ALICE, 'src': str(photos / 'astronaut.jpg')},                     # no photo: set, nothing to back up
        {'user': BOB, 'src': str(photos / 'cat.jpg')},                             # replaced
        {'user': CAROL, 'src': str(photos / 'rocket.jpg')},                        # replaced; Graph served a PNG
        {'user': GRACE, 'src': str(tmp_path / 'grace.jpg')},                       # unchanged
        {'group': MARKETING, 'state': 'absent'},                                   # removed
        {'user': ALICE, 'contact': CONTACT, 'src': str(photos / 'rocket.jpg')},    # replaced
        {'user': 'nobody@contoso.com', 'src': str(photos / 'rocket.jpg')},         # failed: no such user
    ]
    tasks = [
        {'name': 'check', SYNC: {'photos': listed, 'backup_dir': str(backups / 'check'), 'report': str(reports / 'check.html')},
         'check_mode': True, 'ignore_errors': True},
        {'name': 'sync', SYNC: {'photos': listed, 'backup_dir': str(backups / 'sync'), 'report': str(reports / 'sync.html'),
                                'cache': str(reports / 'cache.json')}, 'ignore_errors': True},
        {'name': 'scoped', SYNC: {'src_dir': str(hr), 'match_by': 'employeeId', 'scope': {'filter': 'accountEnabled eq false'},
                                  'backup_dir': str(backups / 'scoped'), 'report': str(reports / 'shared.html'),
                                  'cache': str(reports / 'shared-cache.json'), 'mode': '0640'}},
        {'name': 'unwritable', SYNC: {'photos': [{'user': ERIN_ID, 'src': str(photos / 'astronaut.jpg')},
                                                 {'group': ALL_EMPLOYEES, 'src': str(photos / 'rocket.jpg')}],
                                      'backup_dir': str(tmp_path / 'not-a-folder' / 'backups')}, 'ignore_errors': True},
        {'name': 'single check', 'graphops.msgraph.graph_profile_photo': {
            'user': ALICE, 'contact': FOLDER_CONTACT, 'contact_folder': FOLDER, 'src': str(photos / 'rocket.jpg'),
            'backup_dir': str(backups / 'single-check')}, 'check_mode': True},
        # group names the Graph group here, never the group that owns the backup file.
        {'name': 'single', 'graphops.msgraph.graph_profile_photo': {
            'group': ALL_EMPLOYEES, 'src': str(photos / 'rocket.jpg'), 'backup_dir': str(backups / 'single')}},
        {'name': 'info', 'graphops.msgraph.graph_profile_photo_info': {'group': ALL_EMPLOYEES, 'dest': str(reports / 'everyone.jpg')}},
        {'name': 'info shared', 'graphops.msgraph.graph_profile_photo_info': {'user': BOB, 'dest': str(reports / 'bob-shared.jpg'),
                                                                              'mode': '0640'}},
    ]
    admin.clear_log()
    previous = os.umask(0o022)
    try:
        run = playbook.run(tasks)
    finally:
        os.umask(previous)
    assert run.rc == 0, run.output
    results = {entry['task']: entry['result'] for entry in run.results}

    # Check mode: the same verdicts, no backup, no folder.
    check = results['check']
    assert [item['action'] for item in check['results']] == ['set', 'set', 'set', 'none', 'remove', 'set', 'none']
    assert [item['backup_file'] for item in check['results']] == [None] * 7
    assert check['backup'] == {'path': None, 'files': 0} and not (backups / 'check').exists()

    # The real run: its own folder (another run holds <stamp>), with exactly the photos Graph held for the principals it
    # replaced or removed, byte for byte, named so that the folder is a src_dir; nothing for set-where-none, unchanged
    # or failed items.
    sync = results['sync']
    run_folder = sync['backup']['path']
    assert run_folder.endswith('-2') and os.path.dirname(run_folder) == str(backups / 'sync')
    assert os.path.basename(run_folder)[:-2] in stamps_around(now, 90)
    for stamp in stamps_around(now, 90):
        assert tree(backups / 'sync' / stamp) == {'other-run.jpg': b'another run'}
    expected = {
        'bob@contoso.com.jpg': held['bob'],
        'carol@contoso.com.png': held['carol'],
        'groups/%s.jpg' % MARKETING: held['marketing'],
        'contacts/%s/%s.jpg' % (ALICE, CONTACT): held['contact'],
    }
    assert tree(backups / 'sync' / os.path.basename(run_folder)) == expected
    assert sync['backup']['files'] == 4
    assert [item['backup_file'] for item in sync['results']] == [
        None, os.path.join(run_folder, 'bob@contoso.com.jpg'), os.path.join(run_folder, 'carol@contoso.com.png'), None,
        os.path.join(run_folder, 'groups', '%s.jpg' % MARKETING), os.path.join(run_folder, 'contacts', ALICE, '%s.jpg' % CONTACT),
        None]
    assert sync['totals'] == {'unchanged': 1, 'set': 4, 'removed': 1, 'failed': 1, 'skipped': 0}

    # A file for a user outside scope is skipped: nothing kept for bob there; dave's photo, replaced, is kept under his
    # employeeId (E1004.jpg restores it with match_by: employeeId).
    scoped = results['scoped']
    assert [(item['principal'], item['skipped'], item['action']) for item in scoped['results']] == [
        ('users/%s' % BOB, True, 'none'), ('users/%s' % DAVE, False, 'set')]
    assert tree(backups / 'scoped') == {os.path.basename(scoped['backup']['path']) + '/E1004.jpg': held['dave']}

    # An unwritable backup_dir fails the principal that needed a backup, before its write; the others go on.
    unwritable = results['unwritable']
    erin, everyone = unwritable['results']
    assert erin['changed'] is True and erin['error'] is None
    assert everyone['error'].startswith('Could not back up the photo of groups/%s, so it was not changed: ' % ALL_EMPLOYEES)
    assert 'is not a folder' in everyone['error'] and unwritable['backup'] == {'path': None, 'files': 0}
    writes = {(entry['method'], entry['principal']) for entry in admin.writes()}
    assert ('PUT', 'users/%s' % ERIN_ID) in writes
    # The one write the group got is the single-photo task's below, whose backup is the photo the group had: no write
    # was sent for it in this task.
    assert len([entry for entry in admin.writes() if entry['principal'] == 'groups/%s' % ALL_EMPLOYEES]) == 1

    # The single-photo module: check mode saves nothing; a real run keeps the group's photo (the one the failed task
    # above left) under groups/.
    single_check = results['single check']
    assert single_check['action'] == 'set' and single_check['photo']['before'] is not None, 'a replace, in check mode'
    assert single_check['backup_file'] is None and not (backups / 'single-check').exists()
    single = results['single']['backup_file']
    assert single == str(backups / 'single' / os.path.basename(os.path.dirname(os.path.dirname(single)))
                         / 'groups' / ('%s.jpg' % ALL_EMPLOYEES))
    assert open(single, 'rb').read() == held['everyone']

    # Private whatever the umask: backups, reports, caches and saved photos 0600, the folders made for them 0700;
    # mode: '0640' gives 0640, and its folders 0750.
    for path in (os.path.join(run_folder, 'bob@contoso.com.jpg'), os.path.join(run_folder, 'groups', '%s.jpg' % MARKETING),
                 single, reports / 'check.html', reports / 'sync.html', reports / 'cache.json', reports / 'everyone.jpg'):
        assert mode_of(path) == 0o600, path
    for path in (run_folder, os.path.join(run_folder, 'contacts', ALICE), backups / 'single', os.path.dirname(single)):
        assert mode_of(path) == 0o700, path
    assert mode_of(backups / 'sync') == 0o755, 'a folder the module did not create keeps its mode'
    assert mode_of(scoped['backup']['path'] + '/E1004.jpg') == 0o640
    assert mode_of(scoped['backup']['path']) == mode_of(backups / 'scoped') == 0o750
    for path in (reports / 'shared.html', reports / 'shared-cache.json', reports / 'bob-shared.jpg'):
        assert mode_of(path) == 0o640, path
    assert results['info shared']['changed'] is True
