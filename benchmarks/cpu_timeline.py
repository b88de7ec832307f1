# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a first run's time goes, over time: which process works while the other waits.

The benchmark's setup (run_benchmark.py: N users, 20 ms latency, half of them holding their photo, a quarter another
one, a quarter none), one first run through ansible-playbook with ANSIBLE_KEEP_REMOTE_FILES=1 to keep the module's
AnsiballZ payload, then ``--rounds`` runs of that payload alone, each against the emulator set back to the first-run
state. During each, the CPU of the module process and of the emulator is read from /proc every ``--interval`` seconds,
and the run is cut into phases (cpu_phases.py): module alone (its start and its results are in it), both, emulator
alone, neither. Nothing is asserted; docs/docsite/rst/performance.rst (sixth pass) reads the figures.

Usage: PYTHONPATH=.build/collections .venv/bin/python benchmarks/cpu_timeline.py [--case standard|realistic]
       [--count 1000] [--rounds 3] [--interval 0.05] [--latency-ms 20] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import run_benchmark as bench
from cpu_phases import cpu_phases, phases_line
from graph_emulator.process import EmulatorProcess


def cpu_seconds_or_none(pid: int) -> float | None:
    try:
        return bench.process_cpu_seconds(pid)
    except (OSError, IndexError, ValueError):
        return None


def sampled_run(payload: Path, emulator_pid: int, interval: float) -> tuple:
    """Run the kept payload; return (its result, wall seconds, samples of (seconds, module CPU, emulator CPU))."""
    env = dict(os.environ, AZURE_CLIENT_SECRET=bench.CLIENT_SECRET)
    samples = []
    started = time.monotonic()
    module = subprocess.Popen([sys.executable, str(payload)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env)

    def sample():
        while module.poll() is None:
            samples.append((time.monotonic() - started, cpu_seconds_or_none(module.pid), cpu_seconds_or_none(emulator_pid)))
            time.sleep(interval)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = module.communicate()
    sampler.join()
    wall = time.monotonic() - started
    if module.returncode != 0 or '{' not in out:
        raise RuntimeError('the module failed:\n%s\n%s' % (out[-2000:], err[-2000:]))
    return json.loads(out[out.index('{'):]), wall, samples


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--case', choices=('standard', 'realistic'), default='standard')
    parser.add_argument('--count', type=int, default=1000)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--interval', type=float, default=0.05)
    parser.add_argument('--latency-ms', type=int, default=20)
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    args = parser.parse_args(argv)
    make = bench.portrait if args.case == 'realistic' else bench.picture
    workdir = Path(tempfile.mkdtemp(prefix='graphops-cpu-timeline-'))
    seed = workdir / 'seed.yml'
    bench.write_seed(seed, args.count)
    os.environ['ANSIBLE_KEEP_REMOTE_FILES'] = '1'
    os.environ['ANSIBLE_REMOTE_TMP'] = str(workdir / 'remote')
    print('%s case, N = %d, emulator latency %d ms, %d rounds; work directory %s'
          % (args.case, args.count, args.latency_ms, args.rounds, workdir))
    try:
        run_rounds(args, make, workdir, seed)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def run_rounds(args, make, workdir: Path, seed: Path) -> None:
    with EmulatorProcess(seed=seed, state_dir=str(workdir / 'emulator'), args=['--latency-ms', str(args.latency_ms)]) as emulator:
        bench.prepare_photos(emulator, workdir / 'photos', args.count, make)
        sync = {'name': 'sync', 'graphops.msgraph.graph_profile_photo_sync': {'src_dir': str(workdir / 'photos')}}
        first = bench.run_playbook(emulator, workdir, 'first', [sync])
        print('through ansible-playbook: task %.2f s' % first['task']['seconds'])
        payload = next((workdir / 'remote').rglob('AnsiballZ_graph_profile_photo_sync.py'))
        for number in range(1, args.rounds + 1):
            # A first run writes only the second half (another photo, or none): it goes back to its state.
            for index in range(args.count // 2, args.count):
                bench.set_photo_before_first_run(emulator, index, args.count, make)
            result, wall, samples = sampled_run(payload, emulator.process.pid, args.interval)
            stats = result['stats']
            print('round %d: module process %.2f s, of which sync %.2f s; totals %s; CPU module %.2f s'
                  % (number, wall, stats['seconds'], result['totals'], stats.get('cpu_seconds', float('nan'))))
            print('  ' + phases_line(cpu_phases(samples)))


if __name__ == '__main__':
    sys.exit(main())
