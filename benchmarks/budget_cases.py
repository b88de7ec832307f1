# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The budget cases of make bench (issue 29): a first run and an unchanged run against the emulator's budgets.

N users (``--budget-users``, 10,000 by default), half declared with a photo they do not have yet and half without one
(nothing to write), synced in one task with the module's defaults (``retries`` 5 included):

- writes: the first run, under Graph's documented write budget (3,000 per 150 s per app and tenant) with the windows
  scaled by 1/15 (200 writes per 10 s: Graph's 20 a second, the same rate), fixed windows;
- reads: the same task again (everything unchanged: reads only) under the resource-unit budget of a large tenant
  (8,000 per 10 s), its window unscaled; ``--budget-read-rate`` scales that quota down (a slower Graph, said in the
  output), since this machine's emulator serves a few hundred requests a second at most, and a budget it cannot reach
  measures the machine, not the gate.

``--budget-windows sliding`` runs both under token buckets instead of fixed windows; ``--budget-cases writes`` leaves
out the reads case (for a large N).

For each: the time the budget allows (fixed windows from the run's first request: the window in which the last
request can land opens at (ceil(n / quota) - 1) x window), the time the task took, their ratio, budget 429s per landed
request and failed items. The task carries ``ignore_errors`` so that a run whose items fail (the code before issue 29)
is measured too. Goals: ratio <= 1.10, <= 0.1 budget 429 per landed write, 0 failed.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

from graph_emulator.budgets import RESOURCE_UNIT_WINDOW, WRITES_PER_APP_AND_TENANT, tenant_unit_quota
from graph_emulator.process import EmulatorProcess
from PIL import Image

WINDOW_SCALE = 1 / 15.0  # 150 s -> 10 s, 10 s -> 0.667 s: the same rates
GOAL_RATIO = 1.10
GOAL_429_PER_WRITE = 0.1


def declared_picture(path: Path) -> str:
    buffer = io.BytesIO()
    Image.new('RGB', (96, 96), (40, 120, 200)).save(buffer, 'JPEG', quality=90)
    path.write_bytes(buffer.getvalue())
    return str(path)


def budget_allows(count: int, quota: float, window: float) -> float:
    """Seconds from the first request until the window in which the last of count requests can land opens."""
    return max(0.0, (math.ceil(count / quota) - 1) * window)


def bench_budgets(count: int, args, workroot: Path, *, run_playbook, write_seed, upn) -> dict:
    workdir = workroot / ('budgets-%d' % count)
    workdir.mkdir()
    write_seed(workdir / 'seed.yml', count)
    picture = declared_picture(workdir / 'declared.jpg')
    photos = [{'user': upn(index), 'src': picture} if index % 2 == 0 else {'user': upn(index), 'state': 'absent'}
              for index in range(count)]
    task = {'name': 'sync', 'ignore_errors': True,
            'graphops.msgraph.graph_profile_photo_sync': {'photos': photos, 'result_detail': 'compact'}}
    write_quota = WRITES_PER_APP_AND_TENANT[0] * WINDOW_SCALE
    write_window = WRITES_PER_APP_AND_TENANT[1] * WINDOW_SCALE
    # The resource-unit window stays Graph's 10 s: scaled like the writes' it would be 0.67 s, shorter than a $batch
    # of 20 takes here, so that every batch would straddle two windows. Only its quota is scaled (--budget-read-rate).
    unit_quota = tenant_unit_quota(count) * args.budget_read_rate
    unit_window = RESOURCE_UNIT_WINDOW
    windows = args.budget_windows
    figures = {'users': count, 'windows': windows, 'cases': {}}
    with EmulatorProcess(seed=workdir / 'seed.yml', state_dir=str(workdir / 'emulator'),
                         args=['--latency-ms', str(args.latency_ms)]) as emulator:
        emulator.admin.config(budgets=True, budget_window_scale=WINDOW_SCALE, budget_windows=windows)
        first = run_playbook(emulator, workdir, 'budgets-first', [task])
        figures['cases']['writes'] = case_figures(emulator, first, kind='write', quota=write_quota, window=write_window,
                                                  rate_note='documented write budget, windows x1/15 (200 per 10 s)',
                                                  keep=workdir / 'log-writes.json')
        if 'reads' in args.budget_cases:
            # The unchanged run: reads only, against the resource units of a large tenant, 10 s windows.
            emulator.admin.config(budget_window_scale=1.0, budget_rate_scale=args.budget_read_rate)
            again = run_playbook(emulator, workdir, 'budgets-unchanged', [task])
            figures['cases']['reads'] = case_figures(
                emulator, again, kind='read', quota=unit_quota, window=unit_window,
                rate_note='resource units of a large tenant, 10 s windows%s' % (
                    ', quota x%g (a slower Graph: this machine serves less than Graph allows)' % args.budget_read_rate
                    if args.budget_read_rate != 1 else ''), keep=workdir / 'log-reads.json')
    return figures


def case_figures(emulator, run: dict, *, kind: str, quota: float, window: float, rate_note: str, keep: Path | None = None) -> dict:
    log = emulator.admin.log()
    if keep is not None:
        keep.write_text(json.dumps(log))
    inner = [entry for entry in log if entry['batch'] or entry['method'] != 'POST']
    landed_writes = [entry for entry in inner if entry['write'] and entry['status'] in (200, 204)]
    landed_reads = [entry for entry in inner if entry['method'] == 'GET' and entry['status'] not in (429,) and entry['status'] is not None]
    budget_429s = [entry for entry in inner if entry['budget']]
    if kind == 'write':
        landed, allowed = len(landed_writes), budget_allows(len(landed_writes), quota, window)
        refused = [entry for entry in budget_429s if entry['write']]
    else:
        # Every request spends resource units here (photo_budget both): the reads, and the writes if any.
        landed = len(landed_reads) + len(landed_writes)
        allowed = budget_allows(landed, quota, window)
        refused = budget_429s
    task = run['task']
    totals = task.get('totals') or {}
    seconds = task['seconds']
    # From the first request of the kind to the last that landed: the run less the module's start and its reads before.
    spent = landed_writes if kind == 'write' else landed_reads
    span = (max(entry['time'] for entry in spent) - min(entry['time'] for entry in inner if entry in spent or entry['budget'])
            if spent else 0.0)
    return {'kind': kind, 'note': rate_note, 'landed': landed, 'allowed': allowed, 'seconds': seconds, 'span': span,
            'ratio': seconds / allowed if allowed else None, 'budget_429s': len(refused), 'all_budget_429s': len(budget_429s),
            'per_landed': len(refused) / landed if landed else 0.0, 'failed': totals.get('failed'), 'status': task['status'],
            'learned': (task.get('stats') or {}).get('budgets')}


def report_budgets(figures: dict) -> list:
    lines = ['budgets, N = %d users (half need a photo), %s windows, module defaults (retries 5):' % (figures['users'], figures['windows'])]
    for name, case in figures['cases'].items():
        lines.append('  %-6s %s: %d landed; the budget allows %.1f s, the task took %.1f s (ratio %s; first to last %s '
                     '%.1f s); %d budget 429s (%.3f per landed %s); failed items %s%s' % (
                         name, case['note'], case['landed'], case['allowed'], case['seconds'],
                         '%.2fx' % case['ratio'] if case['ratio'] else 'n/a', case['kind'], case['span'], case['budget_429s'], case['per_landed'],
                         'write' if case['kind'] == 'write' else 'request', case['failed'],
                         '' if case['status'] == 'ok' else ' (task %s)' % case['status']))
        if case.get('learned'):
            learned = ['%s %s' % (lane, ', '.join('%s %s' % item for item in values.items()))
                       for lane, values in sorted(case['learned'].items())]
            lines.append('         the gate learned: %s' % '; '.join(learned))
    return lines


def check_budgets(figures: dict) -> list:
    problems = []
    for name, case in figures['cases'].items():
        if case['failed']:
            problems.append('budgets %s: %s failed items' % (name, case['failed']))
        if case['ratio'] and case['allowed'] >= 5 * 10 * WINDOW_SCALE and case['ratio'] > GOAL_RATIO:
            problems.append('budgets %s: %.2fx the time the budget allows (goal %.2fx)' % (name, case['ratio'], GOAL_RATIO))
        if case['kind'] == 'write' and case['per_landed'] > GOAL_429_PER_WRITE:
            problems.append('budgets writes: %.3f budget 429s per landed write (goal %.1f)' % (case['per_landed'], GOAL_429_PER_WRITE))
    return problems
