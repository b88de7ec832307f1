# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs that outlast their token (DESIGN 0.3), through real ansible-playbook, MSAL and HTTPS against the emulator.

Tokens that live a second over 2,000 principals; every token revoked twice during a sync of 1,000; three revocations
under 429s, 503s and connection resets; and the single-photo, info and settings modules renewing too. What the module
did is read from the emulator's request log and state, never from the module's own report.
"""

from __future__ import annotations

import collections

import pytest

from conftest import ALICE, BOB, PlaybookRunner, small_jpeg, tenant_with_users

SYNC = 'graphops.msgraph.graph_profile_photo_sync'
PHOTO = 'graphops.msgraph.graph_profile_photo'
INFO = 'graphops.msgraph.graph_profile_photo_info'
SETTINGS = 'graphops.msgraph.graph_photo_update_settings'
EXPORT = 'graphops.msgraph.graph_profile_photo_export'
USERS = 2000
EXPIRED = 'Lifetime validation failed, the token is expired.'


def upn(number: int) -> str:
    return 'long%04d@contoso.com' % number


@pytest.fixture(scope='module')
def tenant_emulator(tmp_path_factory):
    """An emulator of its own: the demo tenant and USERS more users with mailboxes and no photo."""
    users = [('00000000-0000-4000-8023-%012d' % number, upn(number)) for number in range(USERS)]
    with tenant_with_users(tmp_path_factory, 'long-runs', users) as process:
        yield process


@pytest.fixture
def long_runs(tenant_emulator, tmp_path):
    tenant_emulator.admin.reset()
    return PlaybookRunner(tenant_emulator, tmp_path), tenant_emulator.admin


@pytest.fixture(scope='module')
def picture(tmp_path_factory) -> str:
    return small_jpeg(tmp_path_factory, (30, 120, 200))


def declared(count: int, to_set: int, src: str) -> list:
    """The first to_set users get the picture (none has a photo yet); the others are declared without one (none has)."""
    return [{'user': upn(number), 'src': src} if number < to_set else {'user': upn(number), 'state': 'absent'}
            for number in range(count)]


def sync_task(photos: list, **options) -> dict:
    return {'name': 'sync', SYNC: dict(photos=photos, result_detail='compact', **options)}


def assert_converged(admin, photos: list) -> None:
    """Every principal in its declared state, and each needed write landed exactly once (from the emulator's side)."""
    state = admin.state()
    to_set = {item['user'] for item in photos if item.get('src')}
    for item in photos:
        photo = state['users'][state['upn_index'][item['user']]]['photo']
        assert (photo is not None) == (item['user'] in to_set), item
    by_id = {user_id: user['userPrincipalName'] for user_id, user in state['users'].items()}
    landed = collections.Counter(by_id[entry['principal'].split('/')[1]] for entry in admin.log()
                                 if entry['write'] and entry['status'] in (200, 204))
    assert set(landed) == to_set
    assert set(landed.values()) == {1}, [user for user, count in landed.items() if count > 1]


def refusals(admin) -> list:
    return [entry for entry in admin.log() if entry['status'] == 401]


def test_tokens_that_live_a_second_are_renewed_over_2000_principals(long_runs, picture):
    runner, admin = long_runs
    # Some 200 batches (two reads of each principal without a photo: its rendition, then the photo), each waiting 30 ms
    # at the emulator, four at a time: the sync lasts over 1.5 s, and a token one.
    # Inner requests are refused, not the envelope: a refusal then costs the module a resend of the items, not of a batch.
    admin.config(token_lifetime=1, batch_token_check='items')
    admin.faults(latency_ms=30)
    photos = declared(USERS, 100, picture)
    run = runner.run([sync_task(photos, concurrency=4)])
    assert run.rc == 0, run.output[-3000:]
    assert run.result()['totals'] == {'unchanged': USERS - 100, 'set': 100, 'removed': 0, 'failed': 0, 'skipped': 0}
    assert_converged(admin, photos)
    # Renewed many times over the run, and mostly ahead of expiry: a renewal that waited for Graph's refusal would
    # leave at least one 401 in the log behind it.
    renewals = len(admin.issued_token_facts()) - 1
    assert renewals >= 2
    assert len({entry['client_request_id'] for entry in refusals(admin)}) < renewals


def test_tokens_revoked_twice_during_a_sync_of_1000(long_runs, picture):
    runner, admin = long_runs
    # Inner requests refused (the envelope is let through), the path the once-per-run refresh of 0.2 failed on.
    admin.config(batch_token_check='items')
    # About 1,500 inner requests (1,000 reads, 500 uploads): every token revoked at the 300th and at the 1,100th. The
    # two are further apart than the 640 requests 32 workers can have in flight (batches of 20), which the emulator
    # counts too when it refuses them: closer, the second revocation could fall among the refusals of the first token
    # and leave nothing to renew (a fresh-clone run on a loaded machine saw 2 tokens for 3).
    admin.faults(revoke_after=[300, 1100])
    photos = declared(1000, 500, picture)
    # retries 0: a request refused for its token is sent again with the new one without spending a retry.
    run = runner.run([sync_task(photos, retries=0)])
    assert run.rc == 0, run.output[-3000:]
    assert run.result()['totals']['failed'] == 0 and run.result()['totals']['set'] == 500
    assert admin.faults()['revoked_at'] == [300, 1100]
    assert len(refusals(admin)) >= 2
    assert_converged(admin, photos)
    assert len(admin.issued_token_facts()) == 3

    admin.clear_log()
    again = runner.run([sync_task(photos, retries=0)])
    assert again.rc == 0, again.output[-3000:]
    assert again.result()['changed'] is False
    assert admin.writes() == []


def test_tokens_revoked_three_times_under_throttling_503s_and_resets(long_runs, picture):
    runner, admin = long_runs
    # Default batch_token_check (both): a revocation mostly meets whole batches (envelope 401), sometimes inner requests.
    # Some 1,000 requests counted (600 reads, 300 uploads, their envelopes and retries): at least 945 without a fault.
    # A run sends few top-level requests (about 60 batches), so 1% resets may miss them all: the first batch is reset too.
    admin.faults(rates={'429': 0.10, '503': 0.05, 'reset': 0.01}, retry_after=['0.1', '0.25'], seed=23,
                 revoke_after=[200, 550, 900], script=[{'reset': True}])
    photos = declared(600, 300, picture)
    # Each attempt fails with a chance of about 16% (an envelope: 10% + 5% + 1%; an inner request 15%). With the default
    # 5 retries, one request in 1/0.16^6 = 60,000 fails for good, and a run sends over 1,000 of them: a run in 60 would
    # fail an item. With 8 retries it is one request in 14 million.
    run = runner.run([sync_task(photos, retries=8)])
    assert run.rc == 0, run.output[-3000:]
    assert run.result()['totals']['failed'] == 0 and run.result()['totals']['set'] == 300
    assert admin.faults()['revoked_at'] == [200, 550, 900]
    log = admin.log()
    assert any(entry['status'] == 429 for entry in log) and any(entry['status'] == 503 for entry in log)
    assert any(entry['status'] is None for entry in log)  # connection resets
    assert_converged(admin, photos)

    admin.clear_faults()
    admin.clear_log()
    again = runner.run([sync_task(photos, retries=8)])
    assert again.rc == 0, again.output[-3000:]
    assert again.result()['changed'] is False
    assert admin.writes() == []


SINGLE_TASKS = [
    ('photo', {PHOTO: {'user': ALICE, 'src': 'PICTURE', 'retries': 0}}),
    ('info', {INFO: {'user': BOB, 'retries': 0}}),
    ('settings', {SETTINGS: {'source': 'onPremises', 'retries': 0}}),
]


@pytest.mark.parametrize('name, task', SINGLE_TASKS, ids=[name for name, dummy in SINGLE_TASKS])
def test_single_principal_modules_renew_a_token_revoked_twice(long_runs, picture, name, task):
    runner, admin = long_runs
    module, options = next(iter(task.items()))
    options = {key: picture if value == 'PICTURE' else value for key, value in options.items()}
    # The second request is refused (its token revoked), and so is the first one sent with the renewed token; then the
    # request goes through with the third token, and so does the rest of the run.
    admin.faults(revoke_after=[2, 3])
    run = runner.run([{'name': name, module: options}])
    assert run.rc == 0, run.output[-3000:]
    statuses = [entry['status'] for entry in admin.log()]
    assert statuses[1:3] == [401, 401] and 401 not in statuses[:1] + statuses[3:], statuses
    assert len(admin.issued_token_facts()) == 3
    if name == 'photo':
        assert admin.photo_facts('users/%s' % ALICE) is not None
    elif name == 'settings':
        assert admin.photo_update_settings()['source'] == 'onPremises'
    else:
        assert run.result()['exists'] is True


def test_the_export_renews_tokens_revoked_during_its_run(long_runs, tmp_path):
    """The export (2,000+ users: a paged listing, then a metadata $batch and downloads per chunk of 20, on several
    threads) meets three revocations and still writes every photo, byte for byte as Graph serves it."""
    runner, admin = long_runs
    state = admin.state()
    ids = {user['userPrincipalName']: user_id for user_id, user in state['users'].items()
           if user['photo'] is not None and user['userPrincipalName'].endswith('@contoso.com')}
    with_photo = sorted(ids)
    assert with_photo, 'the demo tenant has users with photos'
    # The 2nd request is the listing's second page; the others fall among the metadata reads and downloads.
    admin.faults(revoke_after=[2, 40, 400])
    run = runner.run([{'name': 'export', EXPORT: {'dest_dir': str(tmp_path / 'photos'), 'retries': 0}}])
    assert run.rc == 0, run.output[-3000:]
    assert admin.faults()['revoked_at'] == [2, 40, 400]
    assert len(refusals(admin)) >= 3
    assert len(admin.issued_token_facts()) >= 3
    files = {path.stem: path.read_bytes() for path in (tmp_path / 'photos').iterdir() if not path.name.startswith('.')}
    assert sorted(files) == with_photo
    for upn_value in with_photo:
        assert files[upn_value] == admin.photo_bytes('users/%s' % ids[upn_value]), upn_value


def test_a_fresh_token_refused_twice_in_a_row_fails_the_task_without_a_loop(long_runs, picture):
    runner, admin = long_runs
    admin.faults(revoke_after=[1, 2])
    run = runner.run([{'name': 'photo', PHOTO: {'user': ALICE, 'src': picture}}])
    assert run.rc != 0
    message = run.result()['msg']
    assert 'HTTP 401 InvalidAuthenticationToken (%s)' % EXPIRED.rstrip('.') in message
    assert 'Graph refused 2 freshly issued tokens in a row, so this is not an expiry' in message
    assert [entry['status'] for entry in admin.log()] == [401, 401]
    assert len(admin.issued_token_facts()) == 2
    assert admin.writes() == []
