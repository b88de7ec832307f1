# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor of a benchmark run on this machine: what no run of graph_profile_photo_sync can go below.

A run's floor is the fixed cost of a task (starting ansible-playbook and the module, imports, the token, one
principal's round trips) plus the CPU of the work no run avoids (the per-item figures run_benchmark.py measures with
the collection's and the emulator's own code), spread perfectly over the CPUs: no HTTP, JSON or Python overhead, both
cores busy all the time. The emulator's share counts, because it runs on the same cores.

Pure arithmetic and wording, standard library only: tests/unit/benchmarks checks it without a benchmark.
"""

from __future__ import annotations

# The work, per item, that a run cannot avoid (CPU milliseconds, measured by run_benchmark.calibrate_cpu):
# preview: the local file's facts as the sync makes them (load_source_image; a file that needs preparing is decoded at
#   a reduced scale for a preview, any other decoded whole);
# rendition_facts: the facts of Graph's 96x96 rendition; compare: photos_match of the two;
# prepare: completing a deferred preparation for an upload (about nothing for a file sent as it is);
# emulator_rewrite: what the emulator (as Graph) does to store an upload: decode, resize, encode, renditions;
# file_check: with cache, knowing the file unchanged, all an unchanged principal costs the module: the stat that shows
#   its identity on disk is the one recorded with its digest (_files/file_digests.py; before issue 25, its sha256).
WORK_KINDS = ('preview', 'rendition_facts', 'compare', 'prepare', 'emulator_rewrite', 'file_check')
# The runs that have a floor, as run_benchmark.py names their figures.
RUNS = ('first', 'second', 'cached')


def run_work(counts: dict) -> dict:
    """run -> {work kind: how many times the run does it}, from the case's setup (counts of 'same', 'different' and
    'none' principals), as the sync does it today (_sync/runner.py):

    - first run: a principal with a photo ('same', 'different') has its file's preview made and Graph's rendition
      decoded and compared; 'different' and 'none' are uploaded: each upload prepared by the module and rewritten by
      the emulator. A principal without a photo needs no preview: the sync makes one today before it knows (it loads
      the file while Graph's answer is on its way), but that work is avoidable, so the floor does not count it;
    - second run (all unchanged): every principal compared;
    - cached run: every principal's file checked (its identity on disk), nothing read or decoded.
    """
    same, different, none = counts.get('same', 0), counts.get('different', 0), counts.get('none', 0)
    principals = same + different + none
    with_photo = same + different
    uploads = different + none
    return {
        'first': {'preview': with_photo, 'rendition_facts': with_photo, 'compare': with_photo, 'prepare': uploads,
                  'emulator_rewrite': uploads},
        'second': {'preview': principals, 'rendition_facts': principals, 'compare': principals},
        'cached': {'file_check': principals},
    }


def run_floors(per_item_ms: dict, counts: dict, fixed_seconds: float, cpus: int) -> dict:
    """run -> floor in seconds: the fixed cost of a task (paid once, not shared by the CPUs) plus the CPU seconds of the
    run's work (run_work) divided by the CPUs. A run whose work needs a figure missing from per_item_ms has no floor."""
    cpus = max(1, int(cpus))
    floors = {}
    for run, work in run_work(counts).items():
        if any(times and kind not in per_item_ms for kind, times in work.items()):
            continue
        cpu_ms = sum(per_item_ms[kind] * times for kind, times in work.items() if times)
        floors[run] = fixed_seconds + cpu_ms / 1000.0 / cpus
    return floors


def time_goal_problem(label: str, seconds: float, goal: float, floor: float | None = None) -> str:
    """The goals line's words for a missed time goal; with the run's floor, whether the goal is below it."""
    text = '%s: %.2f s > %.1f s' % (label, seconds, goal)
    if floor is None:
        return text
    if floor > goal:
        return text + " (this machine's floor: %.2f s, above the goal: no run reaches it here)" % floor
    return text + " (this machine's floor: %.2f s)" % floor


def speedup_goal_problem(label: str, speedup: float, goal: float, best: float | None = None) -> str:
    """The goals line's words for a missed speedup over the task loop; ``best``: the speedup a first run at its floor
    would give."""
    text = '%s: only %.0fx faster per principal than the loop' % (label, speedup)
    if best is None:
        return text
    if best < goal:
        return text + " (at this machine's floor at most %.0fx, below the %.0fx goal: no run reaches it here)" % (best, goal)
    return text + " (at this machine's floor at most %.0fx)" % best


def floor_line(floor: dict) -> str:
    """One line that says a case's floors and the per-item figures they come from (floor: run_benchmark's 'floor')."""
    runs = [('first', 'first'), ('second', 'unchanged'), ('cached', 'cached')]
    per_item = floor['per_item_ms']
    upload = 'prepare %.1f ms' % per_item['prepare'] if floor.get('prepared') else 'upload as it is %.2f ms' % per_item['prepare']
    return ('  floor on this machine (CPU that no run avoids, on %d CPUs, + fixed task cost %.2f s; a lower bound: both CPUs '
            'always busy, no HTTP, JSON or Python overhead): %s; per item: preview %.2f ms, rendition facts %.2f ms, compare '
            '%.3f ms, %s, emulator rewrite %.1f ms, file check %.3f ms' % (
                floor['cpus'], floor['fixed_seconds'],
                ', '.join('%s >= %.2f s' % (name, floor['runs'][run]) for run, name in runs if run in floor['runs']),
                per_item['preview'], per_item['rendition_facts'], per_item['compare'], upload, per_item['emulator_rewrite'],
                per_item['file_check']))
