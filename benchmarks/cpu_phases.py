# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The phases of a run, from samples of the CPU of the module and of the emulator (benchmarks/cpu_timeline.py).

A sample is (seconds since the start, the module's CPU seconds so far, the emulator's CPU seconds so far). Between two
samples each process is busy when it used at least BUSY of a CPU; the interval is then "module alone", "emulator
alone", "both" or "neither". A run bound by one process shows long stretches of that process alone.

Pure arithmetic and wording, standard library only: tests/unit/benchmarks checks it without a benchmark.
"""

from __future__ import annotations

PHASES = ('module alone', 'both', 'emulator alone', 'neither')
# A process that used less than a tenth of a CPU over an interval is waiting, not working.
BUSY = 0.1


def cpu_phases(samples: list, busy: float = BUSY) -> dict:
    """phase -> {'seconds': wall seconds, 'module_cpus': mean CPUs the module used, 'emulator_cpus': the same for the
    emulator}, over the intervals between consecutive samples. A sample with None (a process not readable) is
    skipped, and the interval spans to the next readable one."""
    seconds = dict.fromkeys(PHASES, 0.0)
    module_cpu = dict.fromkeys(PHASES, 0.0)
    emulator_cpu = dict.fromkeys(PHASES, 0.0)
    readable = [sample for sample in samples if None not in sample]
    for (start, module_before, emulator_before), (end, module_after, emulator_after) in zip(readable, readable[1:]):
        wall = end - start
        if wall <= 0:
            continue
        module_used, emulator_used = module_after - module_before, emulator_after - emulator_before
        module_busy, emulator_busy = module_used >= busy * wall, emulator_used >= busy * wall
        if module_busy and emulator_busy:
            phase = 'both'
        elif module_busy:
            phase = 'module alone'
        elif emulator_busy:
            phase = 'emulator alone'
        else:
            phase = 'neither'
        seconds[phase] += wall
        module_cpu[phase] += module_used
        emulator_cpu[phase] += emulator_used
    return {phase: {'seconds': seconds[phase],
                    'module_cpus': module_cpu[phase] / seconds[phase] if seconds[phase] else 0.0,
                    'emulator_cpus': emulator_cpu[phase] / seconds[phase] if seconds[phase] else 0.0}
            for phase in PHASES}


def phases_line(phases: dict) -> str:
    """One line: each phase's seconds and the CPUs each process used in it, e.g.
    ``module alone 0.90 s (module 1.05, emulator 0.02 CPUs); both ...``."""
    return '; '.join('%s %.2f s (module %.2f, emulator %.2f CPUs)' % (
        phase, phases[phase]['seconds'], phases[phase]['module_cpus'], phases[phase]['emulator_cpus']) for phase in PHASES)
