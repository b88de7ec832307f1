# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbook of docs/docsite/rst/hr_sync.rst (examples/hr_sync.yml) runs as the guide says, against the demo tenant, with only
the variables `make emulator` prints: the audit writes nothing, the run does what the audit said, a second run
changes nothing."""

from __future__ import annotations

import io

from PIL import Image

from conftest import REPO, recap, run_example_playbook, yaml_code_block

PLAYBOOK = REPO / 'examples' / 'hr_sync.yml'


def run_playbook(emulator, *flags) -> str:
    return run_example_playbook(emulator, PLAYBOOK, *flags)


def test_the_guide_playbook_audits_applies_and_then_changes_nothing(emulator, admin):
    admin.clear_log()
    audit = run_playbook(emulator, '--check', '--diff')
    assert admin.writes() == []
    assert recap(audit) == (4, 3)
    # The audit's diff names what would change: alice and bob (HR photos), dave (departed), frank (guest, no photo).
    for principal in ('users/alice@contoso.com', 'users/bob@contoso.com', 'users/erin.obrien@contoso.com',
                      'users/dave@contoso.com', 'users/frank_fabrikam.com#EXT#@contoso.com'):
        assert principal in audit, principal

    real = run_playbook(emulator)
    assert recap(real) == (4, 3)
    writes = sorted((entry['method'], entry['principal']) for entry in admin.writes())
    assert writes == [
        ('DELETE', 'users/4a1b6d3c-7e5a-4b19-9c48-1a2b3c4d5e06'),   # dave, departed
        ('PUT', 'users/1c7e3a9f-4b2d-4e86-9a15-3f8c2d7b6e01'),      # alice, E1001
        ('PUT', 'users/2d8f4b1a-5c3e-4f97-8b26-4a9d3e8c7f12'),      # bob, E1002 (nested group)
        ('PUT', 'users/5b2c7e4d-8f6b-4c2a-8d59-2b3c4d5e6f17'),      # erin, E1005
        ('PUT', 'users/6c3d8f5e-9a7c-4d3b-9e6a-3c4d5e6f7a28'),      # frank, a guest without a photo
    ]

    admin.clear_log()
    again = run_playbook(emulator)
    assert recap(again) == (4, 0) and admin.writes() == []


def test_the_guide_shows_the_playbook_file_as_it_is():
    guides = REPO / 'docs' / 'docsite' / 'rst'
    guide = (guides / 'hr_sync.rst').read_text()
    assert yaml_code_block(PLAYBOOK) in guide
    assert '(docs/docsite/rst/hr_sync.rst)' in (REPO / 'README.md').read_text()
    assert '<ansible_collections.graphops.msgraph.docsite.hr_sync>`' in (guides / 'bulk_sync.rst').read_text()


UPGRADE_PLAYBOOK = REPO / 'examples' / 'upgrade_ad_thumbnails.yml'


def ad_thumbnail() -> bytes:
    """A 96x96 JPEG, as Active Directory's thumbnailPhoto reaches Graph."""
    picture = Image.open(REPO / 'tests' / 'fixtures' / 'photos' / 'cat.jpg').convert('RGB').resize((96, 96))
    out = io.BytesIO()
    picture.save(out, 'JPEG', quality=85)
    return out.getvalue()


def test_upgrade_ad_thumbnails_replaces_the_thumbnail_and_keeps_the_photo_bob_chose(emulator, admin):
    """The section "Upgrade AD thumbnails": Alice carries a 96x96 AD thumbnail, Bob his own 480x480 photo (the demo
    tenant's), Erin none. The audit writes nothing and says which is upgraded and which kept; the run does that."""
    alice, bob, erin = ('users/%s' % admin.state()['upn_index'][upn]
                        for upn in ('alice@contoso.com', 'bob@contoso.com', 'erin.obrien@contoso.com'))
    admin.put_photo(alice, ad_thumbnail(), rewrite=False)
    bob_before = admin.photo_facts(bob)
    assert (bob_before['width'], bob_before['height']) == (480, 480)
    admin.clear_log()
    audit = run_example_playbook(emulator, UPGRADE_PLAYBOOK, '--check', '--diff')
    assert admin.writes() == []
    assert recap(audit) == (2, 1)
    assert "'set': 2" in audit and "'kept': 1" in audit
    assert 'replace_smaller_than: users/alice@contoso.com replaced: its largest side, 96 px, is smaller than replace_smaller_than (200)' in audit
    assert 'replace_smaller_than: users/bob@contoso.com kept: its largest side, 480 px, is not smaller than replace_smaller_than (200)' in audit

    real = run_example_playbook(emulator, UPGRADE_PLAYBOOK)
    assert recap(real) == (2, 1)
    assert sorted(entry['principal'] for entry in admin.writes()) == sorted([alice, erin])
    assert admin.photo_facts(bob)['sha256'] == bob_before['sha256']

    admin.clear_log()
    again = run_example_playbook(emulator, UPGRADE_PLAYBOOK)
    assert recap(again) == (2, 0) and admin.writes() == []
    assert "'kept': 1" in again


def test_the_guide_shows_the_upgrade_playbook_as_it_is():
    guide = (REPO / 'docs' / 'docsite' / 'rst' / 'hr_sync.rst').read_text()
    assert '\nUpgrade AD thumbnails\n---------------------\n' in guide
    assert yaml_code_block(UPGRADE_PLAYBOOK) in guide
