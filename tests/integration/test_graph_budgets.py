# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Graph's budgets (issue 29), through real ansible-playbook against the emulator with its budgets on.

A first run whose backlog meets the closed write budget many times loses no item, even with retries 0 (waiting for a
budget spends none); a budget's 429 pauses the other workers (nothing is sent while it is closed, seen in the
emulator's request log); a refused request is never sent again before its Retry-After. Under fixed windows and the
token bucket (sliding), with and without the x-ms-throttle-* headers. The windows are scaled (2 s or 4 s instead of
150 s) and the quota cut to 20 writes per window, so that 200 principals meet it ten times in a test of seconds.
"""

from __future__ import annotations

import pytest

from conftest import PlaybookRunner, small_jpeg, tenant_with_users

SYNC = 'graphops.msgraph.graph_profile_photo_sync'
PHOTO = 'graphops.msgraph.graph_profile_photo'
USERS = 200
# 3,000 writes per 150 s, scaled to 20 per 2 s (window x 2/150, quota x 2/150 x 1/2): 200 principals meet it ten times.
BUDGETS = {'budgets': True, 'budget_window_scale': 2 / 150, 'budget_rate_scale': 0.5}
# 20 per 4 s: closures long enough to see in the log that nothing is sent while the budget is closed (100 principals).
LONG_WINDOWS = {'budgets': True, 'budget_window_scale': 4 / 150, 'budget_rate_scale': 0.25}


def upn(number: int) -> str:
    return 'budget%04d@contoso.com' % number


@pytest.fixture(scope='module')
def tenant_emulator(tmp_path_factory):
    """An emulator of its own: the demo tenant and USERS more users with mailboxes and no photo."""
    users = [('00000000-0000-4000-8029-%012d' % number, upn(number)) for number in range(USERS)]
    with tenant_with_users(tmp_path_factory, 'budgets', users) as process:
        yield process


@pytest.fixture
def budgeted(tenant_emulator, tmp_path):
    tenant_emulator.admin.reset()
    return PlaybookRunner(tenant_emulator, tmp_path), tenant_emulator.admin


@pytest.fixture(scope='module')
def picture(tmp_path_factory) -> str:
    return small_jpeg(tmp_path_factory, (200, 120, 30))


def write_refusals(log: list) -> list:
    return [entry for entry in log if entry['write'] and entry['status'] == 429 and entry['budget']]


def assert_retry_after_never_cut_short(log: list, refused: list) -> None:
    """Each principal refused by a budget is not written again before the Retry-After it was given had passed.

    The log's time is when the emulator answered: the next attempt's answer comes after its sending, which the module
    held back at least Retry-After after it read the 429 (itself after the 429's entry)."""
    writes = sorted((entry for entry in log if entry['write']), key=lambda entry: entry['seq'])
    for entry in refused:
        later = [other for other in writes if other['principal'] == entry['principal'] and other['seq'] > entry['seq']]
        assert later, 'a refused write was never sent again: %r' % entry
        assert later[0]['time'] >= entry['time'] + float(entry['retry_after']), (entry, later[0])


@pytest.mark.parametrize('windows, headers, retry_after', [
    ('fixed', True, 'exact'), ('sliding', False, 'exact'), ('sliding', True, 'whole_seconds')])
def test_a_first_run_meeting_the_closed_write_budget_many_times_loses_no_item(budgeted, picture, windows, headers, retry_after):
    runner, admin = budgeted
    admin.config(budget_windows=windows, budget_headers=headers, budget_retry_after=retry_after, photo_budget='directory', **BUDGETS)
    photos = [{'user': upn(number), 'src': picture} for number in range(USERS)]
    # retries 0: any 429 that spent a retry would fail its item.
    run = runner.run([{'name': 'sync', SYNC: {'photos': photos, 'retries': 0, 'result_detail': 'compact'}}])
    assert run.rc == 0, run.output[-3000:]
    result = run.result()
    assert result['totals']['set'] == USERS and result['totals']['failed'] == 0
    log = admin.log()
    landed = [entry for entry in log if entry['write'] and entry['status'] == 200]
    assert sorted(entry['principal'] for entry in landed) == sorted(set(entry['principal'] for entry in landed))
    assert len(landed) == USERS
    # The backlog met the closed budget (200 writes, 20 a window), and the module waited for each refusal (reads too:
    # they spend the resource units) without spending a retry.
    assert write_refusals(log)
    assert result['stats']['budget_waits'] == len([entry for entry in log if entry['batch'] and entry['budget']])
    # The gate told how the write budget counts: 20 per 2 s windows, or a bucket refilling 10 a second (a bucket whose
    # Retry-After is rounded up to a second may be counted either way).
    learned = result['stats']['budgets']['write']
    if retry_after == 'whole_seconds':
        assert learned['counts_in'] in ('fixed windows', 'token bucket'), learned
    elif windows == 'fixed':
        # Its figures come from the first write 429, whose period may have begun in an earlier window that the writes
        # left unspent (reads come first): 22 per 2.5 s or per 3.0 s were seen for 20 per 2 s. A later 429 corrects
        # them when the backlog is large enough to meet one (the unit tests and the benchmark measure that).
        assert learned['counts_in'] == 'fixed windows', learned
        assert learned['allowance'] >= 20 and learned['window_seconds'] >= 1.9, learned
    else:
        assert learned['counts_in'] == 'token bucket', learned
        assert learned['seconds_per_request'] == pytest.approx(0.1, rel=0.3), learned


def test_a_budget_429_pauses_every_worker_and_retry_after_is_never_cut_short(budgeted, picture):
    runner, admin = budgeted
    admin.config(budget_windows='fixed', photo_budget='directory', **LONG_WINDOWS)
    photos = [{'user': upn(number), 'src': picture} for number in range(USERS // 2)]
    started = admin.log()
    run = runner.run([{'name': 'sync', SYNC: {'photos': photos, 'retries': 0, 'concurrency': 8, 'result_detail': 'compact'}}])
    assert run.rc == 0, run.output[-3000:]
    log = [entry for entry in admin.log() if entry['seq'] > (started[-1]['seq'] if started else 0)]
    refused = write_refusals(log)
    assert refused
    assert_retry_after_never_cut_short(log, refused)
    # Every worker paused: once the module had read a closure (allowing 1.5 s for requests already on the wire),
    # nothing at all was written until the window reopened, by any of the 8 workers.
    writes = [entry for entry in log if entry['write']]
    closures = [entry for entry in refused if float(entry['retry_after']) > 2.5]
    assert closures, 'no closure long enough to look into'
    for entry in closures:
        quiet_from, quiet_until = entry['time'] + 1.5, entry['time'] + float(entry['retry_after']) - 0.1
        during = [other for other in writes if quiet_from < other['time'] < quiet_until]
        assert during == [], (entry, during[:3])
    # Few refusals: the backlog resumed at the pace that had landed instead of meeting each window all at once.
    assert len(refused) <= USERS // 2


def test_the_single_principal_module_waits_for_a_budget_without_spending_retries(budgeted, picture):
    runner, admin = budgeted
    # 1 write per 4 s (budget_rate_scale cuts the quota) for the single-photo module, three tasks in a row: each starts
    # well within 4 s of the one before, so the second and the third meet the closed budget.
    admin.config(budgets=True, photo_budget='directory', budget_window_scale=4 / 150, budget_rate_scale=0.0125)
    tasks = [{'name': 'photo %d' % number, PHOTO: {'user': upn(number), 'src': picture, 'retries': 0}} for number in range(3)]
    run = runner.run(tasks)
    assert run.rc == 0, run.output[-3000:]
    log = admin.log()
    assert len([entry for entry in log if entry['write'] and entry['status'] == 200]) == 3
    refused = write_refusals(log)
    assert refused, 'the second write should have met the closed budget'
    assert_retry_after_never_cut_short(log, refused)
