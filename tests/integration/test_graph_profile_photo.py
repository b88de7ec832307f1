# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""graph_profile_photo through real ansible-playbook, real MSAL and HTTPS against the emulator (rewrite on).

Each target goes through: check mode (the emulator's log shows no write), real run (changed), second run
(not changed although the emulator rewrote the photo), absent in check mode, absent, absent again.
"""

from __future__ import annotations

import hashlib

import pytest

from conftest import (
    ALICE, ALICE_ID, BOB, CAROL, CONTACT, ENGINEERING_TEAM, FOLDER, FOLDER_CONTACT, MARKETING, PHOTOS, READONLY_APP,
)

MODULE = 'graphops.msgraph.graph_profile_photo'

# (id, module target options, emulator admin path of the stored photo, delegated scopes or None for the demo app)
TARGETS = [
    ('user-upn', {'user': ALICE}, 'users/%s' % ALICE, None),
    ('user-id', {'user': ALICE_ID}, 'users/%s' % ALICE, None),
    ('group', {'group': MARKETING}, 'groups/%s' % MARKETING, None),
    ('team', {'team': ENGINEERING_TEAM}, 'groups/%s' % ENGINEERING_TEAM, ['TeamSettings.ReadWrite.All', 'Group.ReadWrite.All']),
    ('contact', {'user': ALICE, 'contact': CONTACT}, 'users/%s/contacts/%s' % (ALICE, CONTACT), None),
    ('contact-in-folder', {'user': ALICE, 'contact': FOLDER_CONTACT, 'contact_folder': FOLDER},
     'users/%s/contactFolders/%s/contacts/%s' % (ALICE, FOLDER, FOLDER_CONTACT), None),
    ('me', {'user': 'me'}, 'users/%s' % ALICE, ['User.ReadWrite']),
]


def photo_task(target: dict, **options) -> dict:
    return {'name': 'photo', MODULE: dict(target, **options), 'register': 'photo_result'}


def auth_for(admin, scopes):
    """Run options: the demo app from the environment, or a delegated token for alice."""
    if scopes is None:
        return {}, True
    return {'access_token': admin.delegated_token(ALICE, scopes)}, False


@pytest.mark.parametrize('target_id, target, stored_at, scopes', TARGETS, ids=[t[0] for t in TARGETS])
def test_present_is_idempotent_and_check_mode_writes_nothing(playbook, admin, target_id, target, stored_at, scopes):
    auth, use_default_auth = auth_for(admin, scopes)
    src = str(PHOTOS / 'astronaut.jpg')
    admin.delete_photo(stored_at) if admin.photo_bytes(stored_at) is not None else None
    admin.clear_log()

    check = playbook.run([photo_task(target, src=src, **auth)], check=True, use_default_auth=use_default_auth)
    assert check.rc == 0, check.output
    assert check.result()['changed'] is True
    assert check.result()['action'] == 'set'
    assert admin.writes() == [], 'check mode sent a write'
    assert admin.photo_bytes(stored_at) is None

    real = playbook.run([photo_task(target, src=src, **auth)], use_default_auth=use_default_auth)
    assert real.rc == 0, real.output
    assert real.result()['changed'] is True
    stored = admin.photo_bytes(stored_at)
    assert stored is not None
    # The emulator rewrote the upload, as Graph does: the stored bytes are not the file's bytes.
    assert hashlib.sha256(stored).hexdigest() != hashlib.sha256((PHOTOS / 'astronaut.jpg').read_bytes()).hexdigest()

    admin.clear_log()
    again = playbook.run([photo_task(target, src=src, **auth)], use_default_auth=use_default_auth)
    assert again.rc == 0, again.output
    assert again.result()['changed'] is False
    assert again.result()['action'] == 'none'
    assert admin.writes() == []


@pytest.mark.parametrize('target_id, target, stored_at, scopes', [t for t in TARGETS if not t[0].startswith('contact')],
                         ids=[t[0] for t in TARGETS if not t[0].startswith('contact')])
def test_absent_removes_only_when_a_photo_exists(playbook, admin, target_id, target, stored_at, scopes):
    auth, use_default_auth = auth_for(admin, scopes)
    admin.put_photo(stored_at, (PHOTOS / 'coffee.jpg').read_bytes())
    admin.clear_log()

    check = playbook.run([photo_task(target, state='absent', **auth)], check=True, use_default_auth=use_default_auth)
    assert check.rc == 0, check.output
    assert check.result()['changed'] is True
    assert admin.writes() == []
    assert admin.photo_bytes(stored_at) is not None

    real = playbook.run([photo_task(target, state='absent', **auth)], use_default_auth=use_default_auth)
    assert real.rc == 0, real.output
    assert real.result()['changed'] is True
    assert real.result()['photo']['after'] is None
    assert real.result()['photo']['before']['content_type'] == 'image/jpeg'
    assert admin.photo_bytes(stored_at) is None
    deletes = [entry for entry in admin.writes() if entry['method'] == 'DELETE']
    assert len(deletes) == 1
    if target_id == 'team':
        # A team's photo is removed through its group: Graph refuses DELETE on /teams.
        assert deletes[0]['path'].endswith('/groups/%s/photo/$value' % ENGINEERING_TEAM)

    admin.clear_log()
    again = playbook.run([photo_task(target, state='absent', **auth)], use_default_auth=use_default_auth)
    assert again.rc == 0, again.output
    assert again.result()['changed'] is False
    assert admin.writes() == []


def test_a_different_picture_is_uploaded_and_the_same_one_is_not(playbook, admin):
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'cat.jpg').read_bytes())
    admin.clear_log()
    same = playbook.run([photo_task({'user': BOB}, src=str(PHOTOS / 'cat.jpg'))])
    assert same.rc == 0, same.output
    assert same.result()['changed'] is False
    assert admin.writes() == []

    different = playbook.run([photo_task({'user': BOB}, src=str(PHOTOS / 'rocket.jpg'))])
    assert different.rc == 0, different.output
    assert different.result()['changed'] is True
    assert [entry['method'] for entry in admin.writes()] == ['PUT']


@pytest.mark.parametrize('prepare, sent_type, upload', [
    ('auto', 'image/jpeg', {'prepared': True, 'reasons': ['transparency']}),
    ('never', 'image/png', {'prepared': False, 'reasons': []}),
])
def test_png_with_transparency_is_idempotent_after_the_service_flattens_it(playbook, admin, prepare, sent_type, upload):
    src = str(PHOTOS / 'logo-alpha.png')
    carol = 'users/%s' % admin.state()['upn_index'][CAROL]
    admin.clear_log()
    first = playbook.run([photo_task({'user': CAROL}, src=src, prepare=prepare)])
    assert first.rc == 0, first.output
    assert first.result()['changed'] is True
    # What was sent, as the emulator received it: one PUT, of the prepared JPEG (auto) or of the PNG itself (never).
    assert [(entry['method'], entry['principal'], entry['status'], entry['content_type']) for entry in admin.writes()] == [
        ('PUT', carol, 200, sent_type)]
    assert first.result()['photo']['after']['content_type'] == sent_type
    assert first.result()['upload'] == upload
    stored = admin.photo_facts(carol)
    assert (stored['content_type'], stored['uploads']) == ('image/jpeg', 1), 'the service keeps a flattened JPEG'

    admin.clear_log()
    second = playbook.run([photo_task({'user': CAROL}, src=src, prepare=prepare)])
    assert second.rc == 0, second.output
    assert second.result()['changed'] is False
    # The second run wrote nothing: no write reached the emulator, and the photo is the one the first run set.
    assert admin.writes() == []
    assert admin.photo_facts(carol) == stored


def test_sha256_compare_reports_a_change_against_a_rewriting_service(playbook, admin):
    src = str(PHOTOS / 'astronaut.jpg')
    playbook.run([photo_task({'user': BOB}, src=src)])
    admin.clear_log()
    check = playbook.run([photo_task({'user': BOB}, src=src, compare='sha256')], check=True)
    assert check.rc == 0, check.output
    assert check.result()['changed'] is True
    assert admin.writes() == []


def test_diff_shows_facts_and_headers_never_bytes(playbook, admin):
    src = str(PHOTOS / 'rocket.jpg')
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'coffee.jpg').read_bytes())
    run = playbook.run([photo_task({'user': BOB}, src=src)], check=True, diff=True)
    assert run.rc == 0, run.output
    diff = run.result()['diff']
    assert diff['before_header'] == 'users/%s (current photo)' % BOB
    assert diff['after_header'] == 'users/%s (photo from %s)' % (BOB, src)
    assert set(diff['before']) == {'sha256', 'phash', 'width', 'height', 'content_type', 'size'}
    assert diff['after']['sha256'] == hashlib.sha256((PHOTOS / 'rocket.jpg').read_bytes()).hexdigest()
    # The default callback renders it as a unified diff with those headers.
    assert '--- before: users/%s (current photo)' % BOB in run.stdout
    assert '+++ after: users/%s (photo from %s)' % (BOB, src) in run.stdout
    assert '"content_type": "image/jpeg"' in run.stdout
    # No image bytes anywhere in the result.
    assert '/9j/' not in run.output and 'JFIF' not in run.output

    admin.delete_photo('users/%s' % BOB)
    new = playbook.run([photo_task({'user': BOB}, src=src)], check=True, diff=True)
    assert new.result()['diff']['before'] is None
    assert new.result()['diff']['before_header'] == 'users/%s (no photo)' % BOB


def test_contact_absent_fails_clearly_and_sends_nothing(playbook, admin):
    admin.clear_log()
    run = playbook.run([photo_task({'user': ALICE, 'contact': CONTACT}, state='absent')])
    assert run.rc != 0
    assert run.results[-1]['status'] == 'failed'
    assert 'Graph cannot delete the photo of users/%s/contacts/%s' % (ALICE, CONTACT) in run.result()['msg']
    assert 'Traceback' not in run.output
    assert admin.log() == []


def test_me_with_an_app_only_token_fails_before_any_request(playbook, admin):
    admin.clear_log()
    run = playbook.run([photo_task({'user': 'me'}, src=str(PHOTOS / 'cat.jpg'))])
    assert run.rc != 0
    assert 'user: me needs a delegated token' in run.result()['msg']
    assert 'client_secret gives an app-only token' in run.result()['msg']
    assert admin.log() == []


def test_me_with_an_app_only_access_token_gets_graphs_answer_explained(playbook, admin, emulator):
    # An access_token is opaque to the module, so Graph says it is app-only; the message explains it.
    import requests
    response = requests.post('%s/%s/oauth2/v2.0/token' % (emulator.url, emulator.tenant_id), verify=str(emulator.ca_path), timeout=10, data={
        'grant_type': 'client_credentials', 'client_id': emulator.client_id, 'client_secret': emulator.client_secret,
        'scope': 'https://graph.microsoft.com/.default'})
    app_token = response.json()['access_token']
    run = playbook.run([photo_task({'user': 'me'}, src=str(PHOTOS / 'cat.jpg'), access_token=app_token)], use_default_auth=False)
    assert run.rc != 0
    msg = run.result()['msg']
    assert 'Could not read the photo of me: HTTP 400' in msg
    assert 'needs a delegated token' in msg
    assert app_token not in run.output
    assert admin.writes() == []


def test_app_only_group_photo_write_refused_by_graph_is_explained(playbook, admin):
    # Graph has refused app-only group photo writes with 403 AppOnlyTokenNotSupportedForGroupUpdate although the app
    # held the permission (microsoft-graph-docs-contrib issue 1802): the emulator's group_photo_app_only=deny_writes.
    admin.config(group_photo_app_only='deny_writes')
    admin.clear_log()
    run = playbook.run([photo_task({'group': MARKETING}, src=str(PHOTOS / 'cat.jpg'))])
    assert run.rc != 0
    msg = run.result()['msg']
    assert 'Could not set the photo of groups/%s: HTTP 403 AppOnlyTokenNotSupportedForGroupUpdate' % MARKETING in msg
    assert 'use a delegated token' in msg
    assert [entry['status'] for entry in admin.writes()] == [403]


def test_missing_permission_names_the_permission(playbook, admin):
    client_id, secret = READONLY_APP
    run = playbook.run([photo_task({'user': ALICE}, src=str(PHOTOS / 'cat.jpg'))],
                       env={'AZURE_CLIENT_ID': client_id, 'AZURE_CLIENT_SECRET': secret})
    assert run.rc != 0
    msg = run.result()['msg']
    assert 'Could not set the photo of users/%s: HTTP 403 Authorization_RequestDenied' % ALICE in msg
    assert 'request-id' in msg
    assert 'ProfilePhoto.ReadWrite.All' in msg
    assert admin.photo_bytes('users/%s' % ALICE) is None


def test_unknown_principal_is_reported_as_not_found(playbook, admin):
    run = playbook.run([photo_task({'user': 'nobody@contoso.com'}, src=str(PHOTOS / 'cat.jpg'))])
    assert run.rc != 0
    msg = run.result()['msg']
    assert 'users/nobody@contoso.com was not found' in msg
    assert 'HTTP 404 Request_ResourceNotFound' in msg
    assert admin.writes() == []


@pytest.mark.parametrize('options, expected', [
    ({'user': ALICE, 'group': MARKETING, 'src': 'x.jpg'}, 'Name exactly one principal'),
    ({'contact': CONTACT, 'src': 'x.jpg'}, 'contact needs user'),
    ({'user': ALICE}, 'state is present but all of the following are missing: src'),
    ({'src': 'x.jpg'}, 'Name exactly one principal'),
], ids=['two-targets', 'contact-without-user', 'present-without-src', 'no-target'])
def test_argument_errors_are_clear_and_send_nothing(playbook, admin, options, expected):
    admin.clear_log()
    run = playbook.run([{'name': 'photo', MODULE: options}])
    assert run.rc != 0
    assert expected in run.result()['msg']
    assert 'Traceback' not in run.output
    assert admin.log() == []


def test_the_secret_is_not_in_the_output(playbook, emulator):
    run = playbook.run([photo_task({'user': ALICE}, src=str(PHOTOS / 'cat.jpg'), client_secret=emulator.client_secret)],
                       verbosity=4, diff=True)
    assert run.rc == 0, run.output
    assert emulator.client_secret not in run.output


def test_api_version_beta_is_used_for_every_graph_request(playbook, admin):
    admin.clear_log()
    run = playbook.run([photo_task({'user': ALICE}, src=str(PHOTOS / 'cat.jpg'), api_version='beta')])
    assert run.rc == 0, run.output
    assert run.result()['changed'] is True
    paths = [entry['path'] for entry in admin.log()]
    assert paths and all(path.startswith('/beta/users/') for path in paths), paths
