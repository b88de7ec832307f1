# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration playbook of docs/docsite/rst/backup_and_export.rst (examples/migrate_photos.yml) runs as the guide
says, between the emulator's two tenants, with only the variables `make emulator` prints: the audit writes nothing to
the target tenant, the run puts every photo on the user with the same employeeId, and a second run writes nothing."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import PHOTOS, REPO, recap, run_example_playbook, yaml_code_block

from ansible_collections.graphops.msgraph.plugins.module_utils._photo.compare import photos_match
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import photo_facts_from_bytes

PLAYBOOK = REPO / 'examples' / 'migrate_photos.yml'
# Contoso's enabled employees with a photo, by employeeId (dave, E1004, is disabled: not in the export's scope; grace,
# a guest with a photo, has no employeeId: skipped), and the same people in the second tenant.
MOVED = {'E1001': ('alice@contoso.com', 'alice@fabrikam.com'), 'E1002': ('bob@contoso.com', 'bob@fabrikam.com'),
         'E1005': ('erin.obrien@contoso.com', 'erin.obrien@fabrikam.com')}


def run_playbook(emulator, photo_dir: Path, *flags) -> str:
    return run_example_playbook(emulator, PLAYBOOK, '-e', 'migrate_photo_dir=%s' % photo_dir, *flags)


def test_the_guide_playbook_moves_every_photo_to_the_same_employee_and_then_changes_nothing(emulator, admin, tmp_path):
    admin.put_photo('users/alice@contoso.com', (PHOTOS / 'astronaut.jpg').read_bytes())
    admin.put_photo('users/erin.obrien@contoso.com', (PHOTOS / 'camera.jpg').read_bytes())
    photo_dir = tmp_path / 'migration'

    admin.clear_log()
    audit = run_playbook(emulator, photo_dir, '--check', '--diff')
    assert admin.writes() == []
    assert sorted(os.listdir(photo_dir)) == ['.graphops-export.json', 'E1001.jpg', 'E1002.jpg', 'E1005.jpg']
    for dummy, target in MOVED.values():
        assert 'users/%s' % target in audit, target  # the sync's diff names what it would set

    real = run_playbook(emulator, photo_dir)
    assert recap(real) == (3, 1)  # the export found its files in place (unchanged); the sync set the photos
    writes = sorted((entry['method'], admin.state()['users'][entry['principal'].split('/')[1]]['userPrincipalName'])
                    for entry in admin.writes())
    assert writes == sorted(('PUT', target) for dummy, target in MOVED.values())
    for employee, (source, target) in MOVED.items():
        exported = (photo_dir / ('%s.jpg' % employee)).read_bytes()
        assert exported == admin.photo_bytes('users/%s' % source), employee
        landed = admin.photo_bytes('users/%s' % target)
        assert photos_match(photo_facts_from_bytes(exported), photo_facts_from_bytes(landed)), employee
    # Nobody else in the target tenant got a photo.
    targets = {target for dummy, target in MOVED.values()}
    state = admin.state()
    for user in state['users'].values():
        if user['tenant_id'] != emulator.tenant_id and user['userPrincipalName'] not in targets:
            assert user['uploads'] == 0, user['userPrincipalName']

    admin.clear_log()
    again = run_playbook(emulator, photo_dir)
    assert recap(again) == (3, 0) and admin.writes() == []
    # The export downloaded nothing (one metadata read per user); the sync compared from 96x96 renditions.
    assert not [entry for entry in admin.log() if entry['path'].endswith('/photo/$value')]


def test_the_guide_shows_the_playbook_file_as_it_is():
    guides = REPO / 'docs' / 'docsite' / 'rst'
    guide = (guides / 'backup_and_export.rst').read_text()
    assert yaml_code_block(PLAYBOOK) in guide
    assert '(docs/docsite/rst/backup_and_export.rst)' in (REPO / 'README.md').read_text()
    assert 'backup_and_export' in (REPO / 'docs' / 'docsite' / 'extra-docs.yml').read_text()
