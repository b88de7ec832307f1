# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's floor of a run (benchmarks/machine_floor.py): its arithmetic and the goals line's words."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# benchmarks/ is not a package of the collection: its pure module is imported from its directory.
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

from machine_floor import floor_line, run_floors, run_work, speedup_goal_problem, time_goal_problem  # noqa: E402 pylint: disable=wrong-import-position

PER_ITEM_MS = {'preview': 2.0, 'rendition_facts': 0.5, 'compare': 0.1, 'prepare': 20.0, 'emulator_rewrite': 10.0, 'file_check': 0.2}
# The benchmark's setup at N = 1,000: half hold their photo, a quarter another one, a quarter none.
COUNTS = {'same': 500, 'different': 250, 'none': 250}


def test_floors_of_each_run_by_hand():
    floors = run_floors(PER_ITEM_MS, COUNTS, fixed_seconds=1.0, cpus=2)
    # first: the 750 principals with a photo previewed (1,500 ms), their renditions decoded and compared (375 + 75 ms),
    # 500 uploads prepared by the module (10,000 ms) and rewritten by the emulator (5,000 ms): 16,950 ms on 2 CPUs,
    # plus the fixed 1 s.
    assert floors['first'] == pytest.approx(1.0 + 16.950 / 2)
    # second: every principal compared: 1,000 x 2.6 ms.
    assert floors['second'] == pytest.approx(1.0 + 2.600 / 2)
    # cached: every file's digest: 1,000 x 0.2 ms.
    assert floors['cached'] == pytest.approx(1.0 + 0.200 / 2)


def test_the_emulator_share_counts_in_the_first_run_only():
    slower = dict(PER_ITEM_MS, emulator_rewrite=PER_ITEM_MS['emulator_rewrite'] + 4.0)
    before = run_floors(PER_ITEM_MS, COUNTS, fixed_seconds=1.0, cpus=2)
    after = run_floors(slower, COUNTS, fixed_seconds=1.0, cpus=2)
    # 500 uploads x 4 ms more, on 2 CPUs.
    assert after['first'] - before['first'] == pytest.approx(1.0)
    assert after['second'] == pytest.approx(before['second'])
    assert after['cached'] == pytest.approx(before['cached'])


def test_the_fixed_cost_is_not_shared_by_the_cpus():
    idle = {kind: 0.0 for kind in PER_ITEM_MS}
    for cpus in (1, 2, 8):
        assert run_floors(idle, COUNTS, fixed_seconds=1.25, cpus=cpus) == pytest.approx({'first': 1.25, 'second': 1.25, 'cached': 1.25})
    one = run_floors(PER_ITEM_MS, COUNTS, fixed_seconds=1.0, cpus=1)
    four = run_floors(PER_ITEM_MS, COUNTS, fixed_seconds=1.0, cpus=4)
    assert one['second'] == pytest.approx(1.0 + 2.6)
    assert four['second'] == pytest.approx(1.0 + 2.6 / 4)


def test_only_principals_with_a_photo_are_previewed_and_compared_in_the_first_run():
    work = run_work({'same': 3, 'different': 5, 'none': 7})
    assert work['first'] == {'preview': 8, 'rendition_facts': 8, 'compare': 8, 'prepare': 12, 'emulator_rewrite': 12}
    assert work['second'] == {'preview': 15, 'rendition_facts': 15, 'compare': 15}
    assert work['cached'] == {'file_check': 15}


def test_a_run_whose_work_was_not_measured_has_no_floor():
    without_digest = {kind: ms for kind, ms in PER_ITEM_MS.items() if kind != 'file_check'}
    floors = run_floors(without_digest, COUNTS, fixed_seconds=1.0, cpus=2)
    assert sorted(floors) == ['first', 'second']
    # Nothing to upload: the upload figures are not needed.
    only_compares = {kind: PER_ITEM_MS[kind] for kind in ('preview', 'rendition_facts', 'compare')}
    assert run_floors(only_compares, {'same': 10}, fixed_seconds=0.5, cpus=2)['first'] == pytest.approx(0.5 + 26.0 / 1000 / 2)


def test_goal_words_say_when_the_goal_is_below_the_floor():
    assert time_goal_problem('realistic N=1000 second run', 4.73, 3.0) == 'realistic N=1000 second run: 4.73 s > 3.0 s'
    above = time_goal_problem('realistic N=1000 second run', 4.73, 3.0, 3.31)
    assert above == "realistic N=1000 second run: 4.73 s > 3.0 s (this machine's floor: 3.31 s, above the goal: no run reaches it here)"
    below = time_goal_problem('realistic N=1000 first run', 9.1, 7.0, 6.2)
    assert below == "realistic N=1000 first run: 9.10 s > 7.0 s (this machine's floor: 6.20 s)"


def test_speedup_words_say_the_best_the_floor_allows():
    assert speedup_goal_problem('standard N=1000', 205.4, 250) == 'standard N=1000: only 205x faster per principal than the loop'
    assert speedup_goal_problem('standard N=1000', 205.4, 250, 231.0) == (
        "standard N=1000: only 205x faster per principal than the loop (at this machine's floor at most 231x, below the 250x goal: "
        "no run reaches it here)")
    assert speedup_goal_problem('standard N=1000', 205.4, 250, 400.0) == (
        "standard N=1000: only 205x faster per principal than the loop (at this machine's floor at most 400x)")


def test_floor_line_names_the_figures():
    # 1.051 s: the first run's 9.526 s is not a tie for the rounding to two decimals.
    runs = run_floors(PER_ITEM_MS, COUNTS, fixed_seconds=1.051, cpus=2)
    line = floor_line({'cpus': 2, 'fixed_seconds': 1.051, 'per_item_ms': PER_ITEM_MS, 'prepared': True, 'runs': runs})
    assert 'on 2 CPUs, + fixed task cost 1.05 s' in line
    assert 'first >= 9.53 s, unchanged >= 2.35 s, cached >= 1.15 s' in line
    assert 'prepare 20.0 ms, emulator rewrite 10.0 ms' in line
    without_cache = dict(runs)
    del without_cache['cached']
    line = floor_line({'cpus': 2, 'fixed_seconds': 1.05, 'per_item_ms': PER_ITEM_MS, 'prepared': False, 'runs': without_cache})
    assert 'cached' not in line.split(';')[1]
    assert 'upload as it is 20.00 ms' in line
