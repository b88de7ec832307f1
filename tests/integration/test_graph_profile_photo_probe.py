# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""graph_profile_photo_probe through real ansible-playbook, against emulators started with --profile under each of the
behaviour switches its facts are about: each fact names its switch's behaviour, the emulator_profile it returns is
those switches, and the probed user and group end as they began (seen through the admin API)."""

from __future__ import annotations

import io
import os
import re
import shutil

import pytest
import yaml
from graph_emulator.process import EmulatorProcess
from graph_emulator.runtime_config import DEFAULTS
from graph_emulator.seed import DEFAULT_SEED
from PIL import Image, ImageChops, ImageStat

from ansible_collections.graphops.msgraph.plugins.module_utils._probe.emulator_profile import EMULATOR_DEFAULTS

from conftest import ALICE, BOB, CAROL, MARKETING, READONLY_APP, REPO, PlaybookRunner, run_example_playbook

MODULE = 'graphops.msgraph.graph_profile_photo_probe'
ALL_SIZES = ['48x48', '64x64', '96x96', '120x120', '240x240', '360x360', '432x432', '504x504', '648x648']


def probe(**options) -> dict:
    return {'name': 'probe', MODULE: options, 'register': 'probe'}


def principal_state(admin, principal: str):
    """What a principal's photo is, whatever its ETag: None, or (content type, width, height, the picture at 32x32)."""
    facts = admin.photo_facts(principal)
    if facts is None:
        return None
    picture = Image.open(io.BytesIO(admin.photo_bytes(principal))).convert('RGB').resize((32, 32))
    return facts['content_type'], facts['width'], facts['height'], picture


def assert_same_state(before, after):
    """The principal is as it began: no photo and none, or the same picture (put back, so re-encoded once more)."""
    assert (before is None) == (after is None)
    if before is None:
        return
    assert before[:3] == after[:3]
    difference = ImageStat.Stat(ImageChops.difference(before[3], after[3])).mean
    assert max(difference) < 3, difference


@pytest.fixture
def profile_emulator(tmp_path):
    """Start an emulator of its own with a --profile file of the given settings (the form the probe's profile takes)."""
    started = []

    def start(settings: dict):
        folder = tmp_path / ('emulator%d' % len(started))
        folder.mkdir()
        profile = folder / 'profile.yml'
        profile.write_text(yaml.safe_dump(settings))
        process = EmulatorProcess(state_dir=str(folder / 'state'), args=['--profile', str(profile)])
        process.start()
        started.append(process)
        return process, PlaybookRunner(process, folder)

    yield start
    for process in started:
        process.stop()


def run_probe(emulator, runner, user: str, group: str | None, **options):
    principals = ['users/' + user] + (['groups/' + group] if group else [])
    before = {principal: principal_state(emulator.admin, principal) for principal in principals}
    run = runner.run([probe(user=user, **({'group': group} if group else {}), **options)])
    for principal in principals:
        assert_same_state(before[principal], principal_state(emulator.admin, principal))
    return run


DEFAULT_FACTS = {
    'reencoded': True, 'jpeg_quality': 85, 'crop': 'none', 'exif_orientation': 'applied', 'transparency': 'white', 'value_keeps_alpha': False,
    'largest_side': 648, 'snapped': False, 'sizes': ALL_SIZES, 'same_bytes_new_etag': True, 'unknown_size': '404',
    'batch_upload': 'accepted', 'group_app_only_write': 'allowed', 'throttle_headers': [],
}

# (emulator settings, the user probed, the facts that differ from DEFAULT_FACTS). Facts are independent of each other
# (each experiment has its own picture), so one run covers several switches.
CASES = {
    'defaults': ({}, BOB, {}),
    'every_switch_flipped': (
        {'aspect': 'crop_square', 'exif_orientation': 'ignore', 'flatten_background': 'black', 'snap_sizes': True,
         'missing_size': '1x1', 'batch_photo_upload': 'refused', 'group_photo_app_only': 'deny_writes',
         'upload_etag': 'content', 'resource_unit_header': True, 'jpeg_quality': 95},
        ALICE,
        {'jpeg_quality': 95, 'crop': 'square', 'exif_orientation': 'ignored', 'transparency': 'black', 'snapped': True, 'unknown_size': '1x1',
         'batch_upload': 'refused', 'group_app_only_write': 'denied', 'same_bytes_new_etag': False,
         'throttle_headers': ['x-ms-resource-unit']}),
    'alpha_kept_and_dropped_group_reads_denied': (
        {'flatten_background': 'drop', 'value_keeps_alpha': True, 'group_photo_app_only': 'deny'},
        BOB,
        {'transparency': 'dropped', 'value_keeps_alpha': True, 'group_app_only_write': 'denied'}),
    'uploads_kept_as_sent': (
        {'rewrite': False},
        ALICE,
        # The 1000x1000 upload comes back as sent, at the quality the probe encoded it (90).
        {'reencoded': False, 'largest_side': 1000, 'value_keeps_alpha': True, 'jpeg_quality': 90}),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_each_fact_names_the_switch_behaviour_and_the_principals_end_as_they_began(profile_emulator, case):
    settings, user, expected = CASES[case]
    emulator, runner = profile_emulator(settings)
    run = run_probe(emulator, runner, user, MARKETING)
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is True
    assert result['restored'] is True
    assert result['facts'] == dict(DEFAULT_FACTS, **expected)
    # The profile is the emulator's own settings: those the emulator was started with, the others at their defaults.
    profile = result['emulator_profile']
    assert {name: profile[name] for name in settings if name in profile} == {
        name: value for name, value in settings.items() if name in profile}
    assert result['differences'] == {name: {'tenant': value, 'emulator_default': result['differences'][name]['emulator_default']}
                                     for name, value in settings.items() if name in profile}
    assert set(result['differences']) == set(settings) & set(profile)
    assert result['observations']['crop']['part'] == ('middle' if result['facts']['crop'] == 'square' else 'all')
    assert 'Bearer' not in run.output and 'access_token' not in str(result['observations'])
    # The profile loads: an emulator started with it has exactly those settings.
    again, dummy = profile_emulator(profile)
    config = again.admin.config()
    assert {name: config[name] for name in profile} == profile


def test_the_probe_knows_the_emulator_defaults():
    assert EMULATOR_DEFAULTS == {name: DEFAULTS[name] for name in EMULATOR_DEFAULTS}


def test_an_experiment_that_fails_half_way_ends_with_the_photos_put_back(playbook, admin, emulator):
    """The eighth Graph request (the second upload, after the checks of the user and group, the reads of their photos
    and the first experiment's upload and two reads) gets a 503 that the task does not retry: the experiment fails,
    and Bob's and the group's photos are put back before the task fails."""
    before = {p: principal_state(admin, p) for p in ('users/' + BOB, 'groups/' + MARKETING)}
    admin.script_faults([{'pass': True}] * 7 + [{'status': 503}])
    run = playbook.run([probe(user=BOB, group=MARKETING, retries=0)])
    assert run.rc != 0
    result = run.result()
    assert 'The listed_size experiment failed' in result['msg'] and 'HTTP 503' in result['msg']
    assert 'put back' in result['msg']
    assert result['restored'] is True
    assert result['facts']['reencoded'] is True  # what it learnt before the failure is returned
    for principal, state in before.items():
        assert_same_state(state, principal_state(admin, principal))
    assert 'Traceback' not in run.output
    # The first experiment's upload, the failed one, and Bob's photo put back; the group was not written yet.
    assert [(entry['method'], entry['status']) for entry in admin.log() if entry['write']] == [('PUT', 200), ('PUT', 503), ('PUT', 200)]


def test_a_photo_that_cannot_be_put_back_fails_the_task_naming_its_backup_file(playbook, admin):
    """Bob without a group: 17 Graph requests (the user's check, the read of his photo, 15 for the experiments), then
    putting his photo back gets a 503 that the task does not retry."""
    before = admin.photo_bytes('users/' + BOB)
    admin.script_faults([{'pass': True}] * 17 + [{'status': 503}])
    run = playbook.run([probe(user=BOB, retries=0)])
    assert run.rc != 0
    result = run.result()
    assert result['restored'] is False
    match = re.search(r'Could not put the photo of users/%s back \(HTTP 503 .*\): it is saved in (\S+); set it again' % re.escape(BOB),
                      result['msg'])
    assert match, result['msg']
    with open(match.group(1), 'rb') as handle:
        assert handle.read() == before  # the private temporary folder is kept, holding the photo as Graph served it
    shutil.rmtree(os.path.dirname(os.path.dirname(match.group(1))))
    assert 'Traceback' not in run.output


def test_under_throttling_the_probe_retries_reports_the_header_and_puts_the_photos_back(playbook, admin):
    before = {p: principal_state(admin, p) for p in ('users/' + BOB, 'groups/' + MARKETING)}
    admin.faults(rates={'429': 0.3}, retry_after=['0.05'], seed=7)
    run = playbook.run([probe(user=BOB, group=MARKETING)])
    assert run.rc == 0, run.output
    result = run.result()
    assert result['restored'] is True
    assert 'retry-after' in result['facts']['throttle_headers']
    assert any(entry['fault'] == '429' for entry in admin.log())
    for principal, state in before.items():
        assert_same_state(state, principal_state(admin, principal))


def test_check_mode_lists_the_experiments_and_writes_nothing(playbook, admin, tmp_path):
    backups = tmp_path / 'backups'
    admin.clear_log()
    run = playbook.run([probe(user=BOB, group=MARKETING, backup_dir=str(backups))], check=True)
    assert run.rc == 0, run.output
    result = run.result()
    assert admin.writes() == []
    assert not backups.exists()
    assert result['facts'] == {}
    experiments = {experiment['name']: experiment for experiment in result['experiments']}
    assert experiments['crop']['facts'] == ['crop']
    assert 'PUT /users/%s/photo/$value (2:1 JPEG, red, green and blue thirds)' % BOB in experiments['crop']['requests']
    assert any(request.startswith('PUT /groups/%s/photo/$value' % MARKETING) for request in experiments['group_app_only_write']['requests'])


def test_backup_dir_keeps_the_photos_and_a_real_run_reports_changed(playbook, admin, tmp_path):
    backups = tmp_path / 'backups'
    run = playbook.run([probe(user=BOB, group=MARKETING, backup_dir=str(backups))])
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is True
    kept = {entry['principal']: entry for entry in result['kept']}
    bob_file = kept['users/' + BOB]['backup_file']
    assert bob_file.startswith(str(backups)) and bob_file.endswith('/%s.jpg' % BOB)
    with open(bob_file, 'rb') as handle:
        assert handle.read()[:3] == b'\xff\xd8\xff'
    assert os.stat(bob_file).st_mode & 0o777 == 0o600  # a photo is personal data
    assert kept['groups/' + MARKETING]['backup_file'].endswith('/groups/%s.jpg' % MARKETING)


READER_APP = ('6e0c2f4a-8b3d-4f1e-9a7c-2d5b8e1f4a36', 'probe-reader-secret')


def test_a_missing_write_permission_is_named_and_nothing_is_changed(tmp_path):
    """An app that may read users and photos but not write them: the first upload's 403 names the permission, the task
    fails at once, and Bob keeps his photo (the refused upload changed nothing, so nothing is put back)."""
    seed = yaml.safe_load(open(DEFAULT_SEED, encoding='utf-8'))
    seed['tenants'][0]['apps'].append({'client_id': READER_APP[0], 'display_name': 'probe-reader', 'secrets': [READER_APP[1]],
                                       'roles': ['User.Read.All', 'ProfilePhoto.Read.All']})
    (tmp_path / 'seed.yml').write_text(yaml.safe_dump(seed))
    with EmulatorProcess(seed=str(tmp_path / 'seed.yml'), state_dir=str(tmp_path / 'state')) as emulator:
        before = principal_state(emulator.admin, 'users/' + BOB)
        run = PlaybookRunner(emulator, tmp_path).run([probe(user=BOB)], env={'AZURE_CLIENT_ID': READER_APP[0],
                                                                             'AZURE_CLIENT_SECRET': READER_APP[1]})
        assert run.rc != 0
        result = run.result()
        assert 'The large_upload experiment failed: Could not set the photo of users/%s: HTTP 403' % BOB in result['msg']
        assert 'needs the Graph permission ProfilePhoto.ReadWrite.All (or User.ReadWrite.All)' in result['msg']
        assert result['restored'] is True
        assert [(entry['method'], entry['status']) for entry in emulator.admin.log() if entry['write']] == [('PUT', 403)]
        assert_same_state(before, principal_state(emulator.admin, 'users/' + BOB))


@pytest.mark.parametrize('user, env, expected', [
    ('nobody@contoso.com', {}, 'users/nobody@contoso.com does not exist in this tenant'),
    (CAROL, {}, 'users/%s has no mailbox' % CAROL),
    (BOB, {'AZURE_CLIENT_ID': READONLY_APP[0], 'AZURE_CLIENT_SECRET': READONLY_APP[1]},
     'the probe needs the Graph permission User.ReadBasic.All (or User.Read.All)'),
])
def test_a_clear_message_before_any_write(playbook, admin, user, env, expected):
    admin.clear_log()
    run = playbook.run([probe(user=user)], env=env)
    assert run.rc != 0
    result = run.result()
    assert expected in result['msg'], result['msg']
    assert 'Nothing was written' in result['msg']
    assert admin.writes() == []
    assert 'Traceback' not in run.output


def test_the_example_playbook_probes_and_writes_a_profile_the_emulator_loads(emulator, admin, tmp_path):
    """examples/probe_tenant.yml as docs/docsite/rst/verify_tenant.rst runs it (the variables `make emulator` prints), on a
    tenant where two behaviours differ from the defaults; the profile it writes starts an emulator that behaves so."""
    admin.config(aspect='crop_square', missing_size='1x1')
    dest = tmp_path / 'tenant-profile.yml'
    output = run_example_playbook(emulator, REPO / 'examples' / 'probe_tenant.yml', '-e', 'probe_profile_dest=%s' % dest)
    assert "'crop': 'square'" in output or '"crop": "square"' in output
    assert 'emulator_default' in output
    profile = yaml.safe_load(dest.read_text())
    assert (profile['aspect'], profile['missing_size']) == ('crop_square', '1x1')
    with EmulatorProcess(state_dir=str(tmp_path / 'state'), args=['--profile', str(dest)]) as rehearsal:
        config = rehearsal.admin.config()
        assert {name: config[name] for name in profile} == profile


def test_the_example_playbook_in_check_mode_writes_nothing(emulator, admin, tmp_path):
    dest = tmp_path / 'tenant-profile.yml'
    admin.clear_log()
    run_example_playbook(emulator, REPO / 'examples' / 'probe_tenant.yml', '--check', '-e', 'probe_profile_dest=%s' % dest)
    assert admin.writes() == []
    assert not dest.exists()
