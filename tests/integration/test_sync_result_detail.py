# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""result_detail: compact returns a small result per item and changes nothing else (issue 13), through real
ansible-playbook: the same verdicts, totals, diff and writes as a full result, with only the compact keys."""

from __future__ import annotations

import re

from conftest import ALICE, BOB, CAROL, PHOTOS

MODULE = 'graphops.msgraph.graph_profile_photo_sync'
COMPACT_KEYS = {'principal', 'src', 'state', 'action', 'changed', 'skipped', 'error', 'reason', 'has_photo', 'backup_file',
                'upgrade'}


def photos():
    # Bob unchanged, Carol set, a user who does not exist failed.
    return [{'user': BOB, 'src': str(PHOTOS / 'cat.jpg')},
            {'user': CAROL, 'src': str(PHOTOS / 'rocket.jpg')},
            {'user': 'nobody@contoso.com', 'src': str(PHOTOS / 'coffee.jpg')}]


def without_request_ids(value):
    """Each run's error sentences carry their own Graph request-id."""
    return re.sub(r'request-id [0-9a-f-]+', 'request-id X', value) if isinstance(value, str) else value


def test_compact_results_carry_the_same_verdicts_with_only_the_compact_keys(playbook, admin):
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'cat.jpg').read_bytes())
    full = playbook.run([{'name': 'sync', MODULE: {'photos': photos()}}], check=True, diff=True)
    compact = playbook.run([{'name': 'sync', MODULE: {'photos': photos(), 'result_detail': 'compact'}}], check=True, diff=True)
    assert full.rc != 0 and compact.rc != 0, 'the missing user fails the task either way'
    full_result, compact_result = full.results[-1]['result'], compact.results[-1]['result']
    assert [set(item) for item in compact_result['results']] == [COMPACT_KEYS] * 3
    assert ([{key: without_request_ids(value) for key, value in item.items()} for item in compact_result['results']]
            == [{key: without_request_ids(item[key]) for key in COMPACT_KEYS} for item in full_result['results']])
    assert [item['action'] for item in compact_result['results']] == ['none', 'set', 'none']
    assert 'was not found' in compact_result['results'][2]['error']
    # Bob has a photo, Carol none; the failed item: unknown.
    assert [item['has_photo'] for item in compact_result['results']] == [True, False, None]
    assert compact_result['totals'] == full_result['totals'] == {'unchanged': 1, 'set': 1, 'removed': 0, 'failed': 1, 'skipped': 0}
    assert compact_result['diff'] == full_result['diff'] and compact_result['diff']
    assert without_request_ids(compact_result['msg']) == without_request_ids(full_result['msg'])
    assert admin.writes() == []
    # A real run with compact results sets Carol's photo as a full one would.
    run = playbook.run([{'name': 'sync', MODULE: {'photos': photos()[:2], 'result_detail': 'compact'}}])
    assert run.rc == 0, run.output
    assert [item['changed'] for item in run.results[-1]['result']['results']] == [False, True]
    assert [entry['principal'] for entry in admin.writes()] == ['users/%s' % admin.state()['upn_index'][CAROL]]


def test_an_unknown_result_detail_is_refused_before_any_request(playbook, admin):
    admin.clear_log()
    options = {'photos': [{'user': ALICE, 'src': str(PHOTOS / 'cat.jpg')}], 'result_detail': 'short'}
    run = playbook.run([{'name': 'sync', MODULE: options}])
    assert run.rc != 0
    assert 'value of result_detail must be one of: full, compact, got: short' in run.results[-1]['result']['msg']
    assert admin.log() == []
