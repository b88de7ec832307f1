# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks of "Back up before an HR sync, and restore one run" (examples/hr_sync_with_backup.yml and
examples/restore_photos.yml) run as the guide says, against the demo tenant: the sync keeps, byte for byte, the photo of
each user it replaced or removed and nothing else; syncing that run's folder as src_dir with the same match_by puts
them back (Graph rewrites uploads: the same pictures, and a second restore writes nothing)."""

from __future__ import annotations

import os

from conftest import BOB, REPO, ensure_collection_link, recap, run_example_playbook, yaml_code_block

from ansible_collections.graphops.msgraph.plugins.module_utils._photo.compare import photos_match
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import photo_facts_from_bytes

BACKUP_PLAYBOOK = REPO / 'examples' / 'hr_sync_with_backup.yml'
RESTORE_PLAYBOOK = REPO / 'examples' / 'restore_photos.yml'
GUIDE = REPO / 'docs' / 'docsite' / 'rst' / 'backup_and_export.rst'
DAVE = 'dave@contoso.com'
# Ids from emulator/graph_emulator/seeds/demo.yml
BOB_ID, DAVE_ID = '2d8f4b1a-5c3e-4f97-8b26-4a9d3e8c7f12', '4a1b6d3c-7e5a-4b19-9c48-1a2b3c4d5e06'
ALICE_ID, ERIN_ID = '1c7e3a9f-4b2d-4e86-9a15-3f8c2d7b6e01', '5b2c7e4d-8f6b-4c2a-8d59-2b3c4d5e6f17'


def test_the_sync_keeps_what_it_replaced_or_removed_and_the_run_folder_puts_it_back(emulator, admin, tmp_path):
    ensure_collection_link()
    held = {name: admin.photo_bytes('users/%s' % upn) for name, upn in (('bob', BOB), ('dave', DAVE))}
    backups = tmp_path / 'backups'
    admin.clear_log()
    sync = run_example_playbook(emulator, BACKUP_PLAYBOOK, '-e', 'photo_backup_dir=%s' % backups)
    assert recap(sync) == (2, 1)
    writes = sorted((entry['method'], entry['principal']) for entry in admin.writes())
    assert writes == [('DELETE', 'users/%s' % DAVE_ID), ('PUT', 'users/%s' % ALICE_ID), ('PUT', 'users/%s' % BOB_ID),
                      ('PUT', 'users/%s' % ERIN_ID)]
    # One folder for the run, holding exactly the photos Bob and Dave had, named by employeeId; nothing for Alice and
    # Erin (no photo before), nor for Carol (unchanged).
    (run_folder,) = list(backups.iterdir())
    assert {path.name: path.read_bytes() for path in run_folder.iterdir()} == {'E1002.jpg': held['bob'], 'E1004.jpg': held['dave']}
    assert 'To put them back: ansible-playbook restore_photos.yml -e photo_restore_dir=%s' % run_folder in sync

    restores = tmp_path / 'restores'
    admin.clear_log()
    restore = run_example_playbook(emulator, RESTORE_PLAYBOOK, '-e', 'photo_restore_dir=%s' % run_folder, '-e', 'photo_backup_dir=%s' % restores)
    assert recap(restore) == (3, 1)
    assert sorted((entry['method'], entry['principal']) for entry in admin.writes()) == [
        ('PUT', 'users/%s' % BOB_ID), ('PUT', 'users/%s' % DAVE_ID)]
    for name, upn in (('bob', BOB), ('dave', DAVE)):
        restored = photo_facts_from_bytes(admin.photo_bytes('users/%s' % upn))
        assert photos_match(photo_facts_from_bytes(held[name]), restored, 'perceptual'), name
    # The restore kept the HR photo it replaced on Bob, in a folder of its own run: it can be undone the same way.
    (restore_folder,) = list(restores.iterdir())
    assert sorted(os.listdir(restore_folder)) == ['E1002.jpg']

    admin.clear_log()
    again = run_example_playbook(emulator, RESTORE_PLAYBOOK, '-e', 'photo_restore_dir=%s' % run_folder, '-e', 'photo_backup_dir=%s' % restores)
    assert recap(again) == (3, 0) and admin.writes() == []
    assert len(list(restores.iterdir())) == 1, 'a run that replaces nothing leaves no folder'


def test_the_guide_shows_both_playbooks_as_they_are():
    guide = GUIDE.read_text()
    for playbook in (BACKUP_PLAYBOOK, RESTORE_PLAYBOOK):
        assert yaml_code_block(playbook) in guide, playbook.name
