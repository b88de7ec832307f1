# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""graph_profile_photo_probe through real ansible-playbook, against emulators started with --profile under each of the
behaviour switches its facts are about: each fact names its switch's behaviour, the emulator_profile it returns is
those switches, and the probed user and group end as they began (seen through the admin API)."""

from __future__ import annotations

import io

import pytest
import yaml
from graph_emulator.process import EmulatorProcess
from PIL import Image, ImageChops, ImageStat

from conftest import ALICE, BOB, CAROL, MARKETING, READONLY_APP, PlaybookRunner

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
    'reencoded': True, 'crop': 'none', 'exif_orientation': 'applied', 'transparency': 'white', 'value_keeps_alpha': False,
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
         'upload_etag': 'content', 'resource_unit_header': True},
        ALICE,
        {'crop': 'square', 'exif_orientation': 'ignored', 'transparency': 'black', 'snapped': True, 'unknown_size': '1x1',
         'batch_upload': 'refused', 'group_app_only_write': 'denied', 'same_bytes_new_etag': False,
         'throttle_headers': ['x-ms-resource-unit']}),
    'alpha_kept_and_dropped_group_reads_denied': (
        {'flatten_background': 'drop', 'value_keeps_alpha': True, 'group_photo_app_only': 'deny'},
        BOB,
        {'transparency': 'dropped', 'value_keeps_alpha': True, 'group_app_only_write': 'denied'}),
    'uploads_kept_as_sent': (
        {'rewrite': False},
        ALICE,
        {'reencoded': False, 'largest_side': 1000, 'value_keeps_alpha': True}),
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
    assert 'Bearer' not in run.output and 'access_token' not in str(result['observations'])
