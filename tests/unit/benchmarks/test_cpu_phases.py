# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The phases of a run from CPU samples (benchmarks/cpu_phases.py): which process worked while the other waited."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# benchmarks/ is not a package of the collection: its pure module is imported from its directory.
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

from cpu_phases import PHASES, cpu_phases, phases_line  # noqa: E402 pylint: disable=wrong-import-position


def test_each_interval_goes_to_the_process_that_worked():
    samples = [
        (0.0, 0.0, 0.0),
        (0.5, 0.5, 0.0),    # the module alone at 1 CPU (its start)
        (1.0, 1.1, 0.1),    # both: the module at 1.2 CPUs, the emulator at 0.2
        (1.5, 1.1, 0.85),   # the emulator alone at 1.5 CPUs (the uploads)
        (2.0, 1.12, 0.86),  # neither: 0.04 and 0.02 CPUs, under a tenth
    ]
    phases = cpu_phases(samples)
    assert [phases[phase]['seconds'] for phase in PHASES] == pytest.approx([0.5, 0.5, 0.5, 0.5])
    assert phases['module alone']['module_cpus'] == pytest.approx(1.0)
    assert (phases['both']['module_cpus'], phases['both']['emulator_cpus']) == pytest.approx((1.2, 0.2))
    assert phases['emulator alone']['emulator_cpus'] == pytest.approx(1.5)
    assert phases['neither']['module_cpus'] == pytest.approx(0.04)


def test_busy_is_a_tenth_of_a_cpu_by_default_and_can_be_set():
    samples = [(0.0, 0.0, 0.0), (1.0, 1.0, 0.15)]
    assert cpu_phases(samples)['both']['seconds'] == pytest.approx(1.0)
    assert cpu_phases(samples, busy=0.2)['module alone']['seconds'] == pytest.approx(1.0)


def test_an_unreadable_sample_is_skipped_and_the_interval_spans_it():
    # The module's process was not readable at 0.5 s (it had not started yet, or had just ended).
    samples = [(0.0, 0.0, 0.0), (0.5, None, 0.1), (1.0, 0.8, 0.2)]
    phases = cpu_phases(samples)
    assert phases['both']['seconds'] == pytest.approx(1.0)
    assert phases['both']['module_cpus'] == pytest.approx(0.8)
    assert sum(phases[phase]['seconds'] for phase in PHASES) == pytest.approx(1.0)


def test_no_interval_gives_zeroes():
    phases = cpu_phases([(0.0, 0.0, 0.0)])
    assert all(phases[phase] == {'seconds': 0.0, 'module_cpus': 0.0, 'emulator_cpus': 0.0} for phase in PHASES)


def test_the_line_names_every_phase_with_its_figures():
    line = phases_line(cpu_phases([(0.0, 0.0, 0.0), (2.0, 0.1, 3.0)]))
    assert line.startswith('module alone 0.00 s (module 0.00, emulator 0.00 CPUs); both 0.00 s')
    assert 'emulator alone 2.00 s (module 0.05, emulator 1.50 CPUs)' in line
    assert line.endswith('neither 0.00 s (module 0.00, emulator 0.00 CPUs)')
