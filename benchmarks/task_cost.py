# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The own cost of a one-principal task, over ``ansible.builtin.ping`` in the same play; import by import, request by
request.

Against the emulator (20 ms latency on every Graph and token request), one user whose photo is its file, so every
task below finds it unchanged and writes nothing. One play runs ``--rounds`` rounds of: ``ansible.builtin.ping``,
``graph_profile_photo`` (the user, its file), ``graph_profile_photo_sync`` over a folder holding the one file with
``cache`` (filled by a first task before the rounds: every round is a cache hit), and the same sync without ``cache``.
The ``bench_timer`` callback times each task from its start to its result; a task's own cost is its time less the
ping of the same round (the median over rounds is printed; the rounds alternate, so the machine's slow moments fall
on every kind of task alike).

Then the AnsiballZ payloads of that play (``ANSIBLE_KEEP_REMOTE_FILES=1``) are run again alone, each
``--import-rounds`` times with ``python -X importtime``, against the same emulator: the least time of each import
over the rounds (the least disturbed is the closest to the work itself), summed by who owns the module (Ansible,
requests and what it imports, MSAL, Pillow, this collection, the standard library), the number of this collection's
files (each compiled from source on every run: AnsiballZ ships sources in a zip) and the process's CPU. Last, each
payload runs once more with every HTTP request it sends timed (requests' ``HTTPAdapter.send`` wrapped, in this
process, around the payload run with runpy): what each request is and how long it took.

Nothing is asserted; docs/docsite/rst/performance.rst ("The one-principal task") reads the figures.

Usage: PYTHONPATH=.build/collections .venv/bin/python benchmarks/task_cost.py [--rounds 5] [--import-rounds 7]
       [--latency-ms 20] [--collections DIR] [--json FILE] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import run_benchmark as bench
from graph_emulator.process import EmulatorProcess

# Who owns an imported module, by the first part of its name; the first match wins.
OWNERS = (
    ('this collection', ('ansible_collections.graphops.',)),
    ('ansible', ('ansible.', 'ansible_collections')),
    ('requests', ('requests', 'urllib3', 'charset_normalizer', 'chardet', 'idna', 'certifi')),
    ('msal', ('msal', 'jwt')),
    ('Pillow', ('PIL',)),
    ('cryptography', ('cryptography', 'cffi', '_cffi_backend')),
)
TASKS = ('ping', 'graph_profile_photo', 'sync, cached', 'sync, no cache')
# The module each task's payload runs (AnsiballZ_<name>.py).
PAYLOADS = {'ping': 'ping', 'graph_profile_photo': 'graph_profile_photo', 'sync, cached': 'graph_profile_photo_sync',
            'sync, no cache': 'graph_profile_photo_sync'}
_IMPORT_LINE = re.compile(r'^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$')


def owner_of(module: str) -> str:
    for owner, prefixes in OWNERS:
        if module.startswith(prefixes):
            return owner
    return 'standard library and others'


def parse_importtime(text: str) -> dict:
    """module -> microseconds spent importing it alone (without what it imported), from ``-X importtime``."""
    found = {}
    for line in text.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            found[match.group(4)] = int(match.group(1))
    return found


def least_imports(runs: list) -> dict:
    """module -> the least of its own import time over several runs (a module missing from a run counts as absent)."""
    modules = set().union(*runs) if runs else set()
    return {module: min(run[module] for run in runs if module in run) for module in modules}


def imports_by_owner(imports: dict) -> dict:
    """owner -> {'ms': milliseconds, 'modules': count}."""
    owners = {}
    for module, micros in imports.items():
        entry = owners.setdefault(owner_of(module), {'ms': 0.0, 'modules': 0})
        entry['ms'] += micros / 1000.0
        entry['modules'] += 1
    return owners


# Run by the payload's own interpreter: times every HTTP request the module sends, then runs the payload as __main__.
REQUEST_TIMER = r'''
import json, runpy, sys, time
import requests.adapters
from urllib.parse import urlsplit
started = time.monotonic()
timings = []
send = requests.adapters.HTTPAdapter.send
def timed_send(self, request, *args, **kwargs):
    begun = time.monotonic()
    response = send(self, request, *args, **kwargs)
    timings.append({'method': request.method, 'path': urlsplit(request.url).path, 'status': response.status_code,
                    'started_ms': round((begun - started) * 1000.0, 1), 'ms': round((time.monotonic() - begun) * 1000.0, 1)})
    return response
requests.adapters.HTTPAdapter.send = timed_send
sys.argv = [sys.argv[1]]
try:
    runpy.run_path(sys.argv[0], run_name='__main__')
except SystemExit:
    pass
finally:
    with open(__timings_file__, 'w') as out:
        json.dump(timings, out)
'''


def run_payload(payload: Path, env: dict, *, importtime: bool) -> dict:
    """Run a kept payload once: its result, wall seconds and, with importtime, its imports."""
    command = [sys.executable] + (['-X', 'importtime'] if importtime else []) + [str(payload)]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = process.communicate()
    wall = time.monotonic() - started
    if process.returncode != 0 or '{' not in out:
        raise RuntimeError('%s failed:\n%s\n%s' % (payload.name, out[-2000:], err[-2000:]))
    result = json.loads(out[out.index('{'):])
    return {'result': result, 'wall': wall, 'imports': parse_importtime(err) if importtime else {}}


def children_cpu() -> float:
    import resource  # pylint: disable=import-outside-toplevel
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_payload(payload: Path, env: dict, rounds: int) -> dict:
    """The payload run ``rounds`` times with -X importtime: least import time of each module, least wall and CPU."""
    runs, walls, cpus = [], [], []
    for dummy in range(rounds):
        before = children_cpu()
        run = run_payload(payload, env, importtime=True)
        cpus.append(children_cpu() - before)
        walls.append(run['wall'])
        runs.append(run['imports'])
        if run['result'].get('failed') or run['result'].get('changed'):
            raise RuntimeError('%s: expected an unchanged principal, got %s' % (payload.name, run['result'].get('msg')))
    imports = least_imports(runs)
    return {'wall_min': min(walls), 'wall_median': statistics.median(walls), 'cpu_min': min(cpus),
            'cpu_median': statistics.median(cpus), 'imports': imports, 'by_owner': imports_by_owner(imports),
            'collection_files': sorted(module for module in imports if owner_of(module) == 'this collection')}


def time_requests(payload: Path, env: dict, workdir: Path) -> list:
    timings_file = workdir / ('%s.requests.json' % payload.parent.name)
    script = REQUEST_TIMER.replace('__timings_file__', repr(str(timings_file)))
    completed = subprocess.run([sys.executable, '-c', script, str(payload)], capture_output=True, text=True, env=env,
                               check=False)
    if not timings_file.exists():
        raise RuntimeError('timing the requests of %s failed:\n%s' % (payload.name, completed.stderr[-2000:]))
    return json.loads(timings_file.read_text())


def play_tasks(user: str, src: Path, src_dir: Path, cache: Path, rounds: int) -> list:
    single = {'graphops.msgraph.graph_profile_photo': {'user': user, 'src': str(src)}}
    cached = {'graphops.msgraph.graph_profile_photo_sync': {'src_dir': str(src_dir), 'cache': str(cache)}}
    uncached = {'graphops.msgraph.graph_profile_photo_sync': {'src_dir': str(src_dir)}}
    tasks = [dict(name='fill the cache', **cached)]
    for number in range(rounds):
        tasks += [dict(name='ping %d' % number, **{'ansible.builtin.ping': {}}),
                  dict(name='graph_profile_photo %d' % number, **single),
                  dict(name='sync, cached %d' % number, **cached),
                  dict(name='sync, no cache %d' % number, **uncached)]
    return tasks


def task_seconds(timer_file: Path) -> dict:
    """kind -> [seconds of each round], from the bench_timer lines (names '<kind> <round>')."""
    found = {kind: [] for kind in TASKS}
    for line in timer_file.read_text().splitlines():
        entry = json.loads(line)
        kind, dummy, number = entry['task'].rpartition(' ')
        if kind in found and number.isdigit():
            if entry['status'] != 'ok' or entry.get('changed'):
                raise RuntimeError('task %s: %s' % (entry['task'], entry.get('msg') or 'changed'))
            found[kind].append(entry['seconds'])
    return found


def own_costs(seconds: dict) -> dict:
    """kind -> median over rounds of (the task - the ping of the same round), in seconds."""
    pings = seconds['ping']
    return {kind: statistics.median(task - ping for task, ping in zip(values, pings))
            for kind, values in seconds.items() if kind != 'ping' and values}


def report(figures: dict) -> list:
    lines = ['one-principal tasks, %d rounds in one play (emulator latency %d ms); load average before %s, after %s' % (
        figures['rounds'], figures['latency_ms'], figures['load_before'], figures['load_after'])]
    seconds, costs = figures['seconds'], figures['own_cost']
    for kind in TASKS:
        values = seconds[kind]
        own = '' if kind == 'ping' else '; own cost over ping (median of the rounds) %+.0f ms' % (costs[kind] * 1000.0)
        each = ', '.join('%.0f' % (value * 1000.0) for value in values)
        lines.append('  %-20s: median %.0f ms (%s)%s' % (kind, statistics.median(values) * 1000.0, each, own))
    for kind, payload in figures['payloads'].items():
        lines.append('  payload of %s alone (%d runs, least / median): wall %.0f / %.0f ms, CPU %.0f / %.0f ms' % (
            kind, figures['import_rounds'], payload['wall_min'] * 1000, payload['wall_median'] * 1000,
            payload['cpu_min'] * 1000, payload['cpu_median'] * 1000))
        owners = sorted(payload['by_owner'].items(), key=lambda pair: -pair[1]['ms'])
        lines.append('    imports (least of each): %.0f ms: %s' % (
            sum(entry['ms'] for dummy, entry in owners),
            ', '.join('%s %.1f ms (%d)' % (owner, entry['ms'], entry['modules']) for owner, entry in owners)))
        ours = sorted(((payload['imports'][module], module) for module in payload['collection_files']), reverse=True)
        lines.append('    this collection, %d files: %s' % (len(ours), ', '.join(
            '%s %.1f' % (module.rsplit('.', 2)[-2] + '.' + module.rsplit('.', 1)[-1], micros / 1000.0) for micros, module in ours)))
        if payload.get('requests'):
            lines.append('    requests: ' + '; '.join('%s %s %s at %.0f ms, %.0f ms' % (
                timing['method'], shorten(timing['path']), timing['status'], timing['started_ms'], timing['ms'])
                for timing in payload['requests']))
    return lines


def shorten(path: str) -> str:
    """A request path without the tenant and user ids (they are long and say nothing here)."""
    return re.sub(r'[0-9a-f]{8}-[0-9a-f-]{27}', '{id}', path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--rounds', type=int, default=5, help='rounds of the four tasks in the play')
    parser.add_argument('--import-rounds', type=int, default=7, help='runs of each payload alone with -X importtime')
    parser.add_argument('--latency-ms', type=int, default=20)
    parser.add_argument('--collections', help='the collections path to run (default: this checkout, .build/collections)')
    parser.add_argument('--json', help='also write the figures to this file')
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    args = parser.parse_args(argv)
    if args.collections:
        bench.COLLECTIONS_IN_USE[0] = Path(args.collections).resolve()
    workdir = Path(tempfile.mkdtemp(prefix='graphops-task-cost-'))
    os.environ['ANSIBLE_KEEP_REMOTE_FILES'] = '1'
    os.environ['ANSIBLE_REMOTE_TMP'] = str(workdir / 'remote')
    try:
        figures = measure(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print('\n'.join(report(figures)))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0


def measure(args, workdir: Path) -> dict:
    bench.write_seed(workdir / 'seed.yml', 1)
    user = bench.upn(0)
    src_dir = workdir / 'photos'
    src_dir.mkdir()
    src = src_dir / ('%s.jpg' % user)
    data = bench.picture(0)
    src.write_bytes(data)
    figures = {'rounds': args.rounds, 'import_rounds': args.import_rounds, 'latency_ms': args.latency_ms,
               'collections': str(bench.COLLECTIONS_IN_USE[0]), 'load_before': load_average()}
    with EmulatorProcess(seed=workdir / 'seed.yml', state_dir=str(workdir / 'emulator'),
                         args=['--latency-ms', str(args.latency_ms)]) as emulator:
        emulator.admin.put_photo('users/%s' % user, data)
        run = bench.run_playbook(emulator, workdir, 'tasks', play_tasks(user, src, src_dir, workdir / 'cache.json', args.rounds))
        if run['writes']:
            raise RuntimeError('the one-principal tasks sent %d writes for an unchanged photo' % run['writes'])
        figures['seconds'] = task_seconds(workdir / 'tasks.timer.jsonl')
        figures['own_cost'] = own_costs(figures['seconds'])
        # The payloads of the last round, in the play's order (ping, single, sync cached, sync without cache).
        kept = sorted((workdir / 'remote').glob('ansible-tmp-*'), key=lambda path: path.stat().st_mtime)[-len(TASKS):]
        env = dict(os.environ, AZURE_CLIENT_SECRET=bench.CLIENT_SECRET)
        figures['payloads'] = {}
        for kind, folder in zip(TASKS, kept):
            payload = folder / ('AnsiballZ_%s.py' % PAYLOADS[kind])
            measured = measure_payload(payload, env, args.import_rounds)
            if kind != 'ping':
                measured['requests'] = time_requests(payload, env, workdir)
            figures['payloads'][kind] = measured
    figures['load_after'] = load_average()
    return figures


def load_average() -> str:
    return ' '.join('%.1f' % value for value in os.getloadavg())


if __name__ == '__main__':
    sys.exit(main())
