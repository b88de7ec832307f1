# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark graph_profile_photo_sync against the Graph emulator, and a loop of graph_profile_photo for comparison.

For each size N: a seed of N users; 256x256 JPEG photos made with Pillow (each different); half of the users
already hold their photo (put through the emulator's admin API, so rewritten as Graph rewrites uploads), a
quarter hold another photo and a quarter none. The emulator runs with 20 ms added to every Graph request and
its throttling on (4 concurrent requests per mailbox, 429 + Retry-After). Then, through real ansible-playbook:

1. the sync task over the directory (timed by a callback: task start to result);
2. the same task again: everything is unchanged, and the emulator's log must show no write;
3. the second run again with an HTML report (`report`): its size, and the time it adds over run 2 (thumbnails of
   both photos of every item, and writing the file); with Chromium installed, how long a headless browser takes to
   open the report and render it;
4. once, a loop of graph_profile_photo tasks over 30 users (each with a new picture), per principal.

Peak memory: the module reports getrusage(RUSAGE_SELF).ru_maxrss of its own process (stats.max_rss_mb), and this
script runs each ansible-playbook under a small wrapper process that prints getrusage(RUSAGE_CHILDREN).ru_maxrss,
the peak of any process of the run (controller, worker or module).

Usage: PYTHONPATH=.build/collections python benchmarks/run_benchmark.py [--sizes 100,1000,5000]
(or `make bench`). Sends traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from graph_emulator.process import EmulatorProcess
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
COLLECTIONS = REPO / '.build' / 'collections'
CALLBACKS = Path(__file__).resolve().parent / 'callback_plugins'
TENANT_ID = '8f2c1e4a-3b6d-4c9e-a1f0-5d7e2b9c4a10'
DOMAIN = 'contoso.com'
CLIENT_ID = '0d5f7a3c-9e21-4b8a-b6c4-2f1e8d9a7b35'
# A demo value, valid only against the emulator (emulator/graph_emulator/seeds/demo.yml).
CLIENT_SECRET = 'demo-only-secret-not-for-production'
PHOTO_SIDE = 256
LOOP_PRINCIPALS = 30
GOAL_SPEEDUP = 150
GOAL_SECONDS_AT_1000 = 4.0
GOAL_PEAK_MB = 250
# The HTML report of 10,000 principals must stay under this (issue 14).
GOAL_REPORT_MB_AT_10000 = 50


def picture(seed: int) -> bytes:
    """A 256x256 JPEG with its own colours and shapes, so that every compare is a real one."""
    rng = random.Random(seed)
    image = Image.new('RGB', (PHOTO_SIDE, PHOTO_SIDE), tuple(rng.randrange(256) for dummy in range(3)))
    draw = ImageDraw.Draw(image)
    for dummy in range(10):
        x, y = rng.randrange(-40, PHOTO_SIDE), rng.randrange(-40, PHOTO_SIDE)
        w, h = rng.randrange(30, 160), rng.randrange(30, 160)
        colour = tuple(rng.randrange(256) for dummy in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        else:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, 'JPEG', quality=90)
    return buffer.getvalue()


def upn(index: int) -> str:
    return 'user%05d@%s' % (index, DOMAIN)


def write_seed(path: Path, count: int) -> None:
    users = [{'id': str(uuid.uuid5(uuid.NAMESPACE_URL, 'bench-user-%d' % index)), 'userPrincipalName': upn(index),
              'mailbox': True} for index in range(count)]
    seed = {'identity_header': 'graph-emulator-identity-header', 'tenants': [{
        'id': TENANT_ID, 'domain': DOMAIN,
        'apps': [{'client_id': CLIENT_ID, 'display_name': 'graphops-bench', 'secrets': [CLIENT_SECRET],
                  'roles': ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All']}],
        'users': users,
    }]}
    path.write_text(yaml.safe_dump(seed, sort_keys=False))


def prepare_photos(emulator, src_dir: Path, count: int) -> dict:
    """Write the N local photos; give half of the users that photo already, a quarter another one, a quarter none."""
    src_dir.mkdir()
    kinds = {'same': 0, 'different': 0, 'none': 0}

    def prepare(index):
        data = picture(index)
        (src_dir / ('%s.jpg' % upn(index))).write_bytes(data)
        if index < count // 2:
            emulator.admin.put_photo('users/%s' % upn(index), data)
            return 'same'
        if index % 2 == 0:
            emulator.admin.put_photo('users/%s' % upn(index), picture(index + 1000003))
            return 'different'
        return 'none'

    with ThreadPoolExecutor(max_workers=8) as pool:
        for kind in pool.map(prepare, range(count)):
            kinds[kind] += 1
    return kinds


def run_playbook(emulator, workdir: Path, name: str, tasks: list) -> dict:
    """Run one play on localhost; return the timer line of its last task, wall time and peak RSS of the run."""
    playbook = workdir / ('%s.yml' % name)
    playbook.write_text(yaml.safe_dump([{
        'name': name, 'hosts': 'localhost', 'gather_facts': False,
        'module_defaults': {'group/graphops.msgraph.graph': {
            'graph_endpoint': emulator.url, 'authority_host': emulator.url, 'ca_path': str(emulator.ca_path),
            'tenant_id': TENANT_ID, 'client_id': CLIENT_ID}},
        'tasks': tasks,
    }], sort_keys=False))
    timer_file = workdir / ('%s.timer.jsonl' % name)
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS),
        'ANSIBLE_CALLBACK_PLUGINS': str(CALLBACKS),
        'ANSIBLE_CALLBACKS_ENABLED': 'bench_timer',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
        'ANSIBLE_HOME': str(workdir / 'ansible-home'),
        'ANSIBLE_LOCAL_TEMP': str(workdir / 'ansible-tmp'),
        'BENCH_TIMER_FILE': str(timer_file),
        'AZURE_CLIENT_SECRET': CLIENT_SECRET,
        'PYTHONPATH': str(COLLECTIONS),
    })
    command = [str(Path(sys.executable).parent / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               '-e', 'ansible_python_interpreter=%s' % sys.executable, str(playbook)]
    started = time.monotonic()
    # The wrapper's only children are this run's processes: its RUSAGE_CHILDREN peak is theirs alone.
    wrapper = subprocess.run([sys.executable, __file__, '--measure-children', '--'] + command, env=env, cwd=str(workdir),
                             capture_output=True, text=True, timeout=1800, check=False)
    wall = time.monotonic() - started
    if wrapper.returncode != 0:
        raise RuntimeError('%s failed:\n%s\n%s' % (name, wrapper.stdout[-4000:], wrapper.stderr[-4000:]))
    lines = [json.loads(line) for line in timer_file.read_text().splitlines() if line.strip()]
    peak_kb = json.loads(wrapper.stdout.strip().splitlines()[-1])['children_maxrss_kb']
    return {'task': lines[-1], 'wall': wall, 'children_peak_mb': peak_kb / 1024.0}


def measure_children(command: list) -> int:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-6000:] + completed.stderr[-6000:])
    print(json.dumps({'children_maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
    return completed.returncode


def browser_render(page: Path, workdir: Path) -> float | None:
    """Seconds headless Chromium takes to open the report and render a screenshot (None without Chromium)."""
    browser = shutil.which('chromium')
    if browser is None:
        return None
    started = time.monotonic()
    subprocess.run([browser, '--headless', '--no-sandbox', '--disable-gpu', '--user-data-dir=%s' % (workdir / 'chromium'),
                    '--window-size=1100,800', '--screenshot=%s' % (workdir / 'report.png'), page.as_uri()],
                   capture_output=True, timeout=600, check=True)
    return time.monotonic() - started


def graph_requests(emulator) -> tuple:
    """(top-level Graph requests, inner batch requests, writes) in the emulator's log since the last clear."""
    log = emulator.admin.log()
    top = [entry for entry in log if not entry['batch']]
    inner = [entry for entry in log if entry['batch']]
    writes = [entry for entry in log if entry['write']]
    return len(top), len(inner), len(writes)


def bench_size(count: int, args, workroot: Path, *, with_loop: bool) -> dict:
    workdir = workroot / ('n%d' % count)
    workdir.mkdir()
    seed = workdir / 'seed.yml'
    write_seed(seed, count)
    emulator_args = ['--latency-ms', str(args.latency_ms)]
    with EmulatorProcess(seed=seed, state_dir=str(workdir / 'emulator'), args=emulator_args) as emulator:
        config = emulator.admin.config()
        assert config['throttle'] and config['rewrite'], config
        kinds = prepare_photos(emulator, workdir / 'photos', count)
        sync = {'name': 'sync', 'graphops.msgraph.graph_profile_photo_sync': {'src_dir': str(workdir / 'photos')}}
        if args.concurrency:
            sync['graphops.msgraph.graph_profile_photo_sync']['concurrency'] = args.concurrency

        emulator.admin.clear_log()
        first = run_playbook(emulator, workdir, 'sync-first', [sync])
        top, inner, writes = graph_requests(emulator)
        emulator.admin.clear_log()
        second = run_playbook(emulator, workdir, 'sync-second', [sync])
        top2, inner2, writes2 = graph_requests(emulator)
        report_path = workdir / 'report.html'
        with_report = {'name': 'sync', 'graphops.msgraph.graph_profile_photo_sync': dict(
            sync['graphops.msgraph.graph_profile_photo_sync'], report=str(report_path))}
        reported = run_playbook(emulator, workdir, 'sync-report', [with_report])
        figures = {
            'principals': count, 'setup': kinds,
            'first': first, 'first_requests': top, 'first_inner': inner, 'first_writes': writes,
            'second': second, 'second_requests': top2, 'second_inner': inner2, 'second_writes': writes2,
            'report': reported, 'report_bytes': report_path.stat().st_size, 'report_browser': browser_render(report_path, workdir),
        }
        if with_loop:
            loop_users = [upn(index) for index in range(count - LOOP_PRINCIPALS, count)]
            loop_dir = workdir / 'loop-photos'
            loop_dir.mkdir()
            for index, name in enumerate(loop_users):
                (loop_dir / ('%s.jpg' % name)).write_bytes(picture(2000003 + index))
            emulator.admin.clear_log()
            loop = run_playbook(emulator, workdir, 'loop', [{
                'name': 'loop', 'graphops.msgraph.graph_profile_photo': {'user': '{{ item }}', 'src': str(loop_dir) + '/{{ item }}.jpg'},
                'loop': loop_users}])
            figures['loop'] = loop
            figures['loop_writes'] = graph_requests(emulator)[2]
    return figures


def write_directory_seed(path: Path, count: int) -> str:
    """A tenant of count users with employeeIds; "All employees" holds 90% of them directly and the rest through a
    nested group. Returns the group's id."""
    users = [{'id': str(uuid.uuid5(uuid.NAMESPACE_URL, 'bench-user-%d' % index)), 'userPrincipalName': upn(index),
              'employeeId': 'E%06d' % index, 'mailbox': True} for index in range(count)]
    everyone, nested = str(uuid.uuid5(uuid.NAMESPACE_URL, 'bench-all')), str(uuid.uuid5(uuid.NAMESPACE_URL, 'bench-nested'))
    direct = count * 9 // 10
    seed = {'identity_header': 'graph-emulator-identity-header', 'tenants': [{
        'id': TENANT_ID, 'domain': DOMAIN,
        'apps': [{'client_id': CLIENT_ID, 'display_name': 'graphops-bench', 'secrets': [CLIENT_SECRET],
                  'roles': ['ProfilePhoto.ReadWrite.All', 'User.Read.All', 'GroupMember.Read.All']}],
        'users': users,
        'groups': [{'id': everyone, 'displayName': 'All employees', 'members': [u['id'] for u in users[:direct]] + [nested]},
                   {'id': nested, 'displayName': 'Nested', 'members': [u['id'] for u in users[direct:]]}],
    }]}
    path.write_text(yaml.safe_dump(seed, sort_keys=False))
    return everyone


def bench_directory(count: int, files: int, args, workroot: Path) -> dict:
    """match_by: employeeId over a tenant of count users: a group scope (its listing), and the same files without
    scope (lookups of 15 values). Check mode: the figures are those of reading the directory, not of uploads."""
    workdir = workroot / ('directory-%d' % count)
    workdir.mkdir()
    group = write_directory_seed(workdir / 'seed.yml', count)
    src_dir = workdir / 'hr-photos'
    src_dir.mkdir()
    data = picture(7)
    for index in range(0, count, max(1, count // files)):
        (src_dir / ('E%06d.jpg' % index)).write_bytes(data)
    figures = {'users': count, 'files': len(list(src_dir.iterdir()))}
    with EmulatorProcess(seed=workdir / 'seed.yml', state_dir=str(workdir / 'emulator'),
                         args=['--latency-ms', str(args.latency_ms)]) as emulator:
        for name, options in (('group scope', {'scope': {'group': group}}), ('no scope', {})):
            sync = {'name': 'sync', 'graphops.msgraph.graph_profile_photo_sync': dict(src_dir=str(src_dir), match_by='employeeId', **options),
                    'check_mode': True}
            emulator.admin.clear_log()
            run = run_playbook(emulator, workdir, 'directory-' + name.replace(' ', '-'), [sync])
            log = emulator.admin.log()
            reads = [entry for entry in log if entry['method'] == 'GET' and (entry['path'].endswith('/users') or 'ransitive' in entry['path'])]
            figures[name] = {'task': run['task'], 'directory_requests_logged': len(reads)}
    return figures


def report_directory(figures: dict) -> list:
    lines = ['directory: %d users, %d HR files named by employeeId (match_by: employeeId, check mode)' % (figures['users'], figures['files'])]
    for name in ('group scope', 'no scope'):
        stats = figures[name]['task']['stats']
        lines.append('  %-11s: reading the directory %d requests (%d in the emulator log), %.2f s; whole task %.2f s; totals %s' % (
            name, stats['directory_requests'], figures[name]['directory_requests_logged'], stats['directory_seconds'],
            figures[name]['task']['seconds'], figures[name]['task']['totals']))
    return lines


def report(figures: dict, loop: dict | None) -> list:
    count = figures['principals']
    first, second = figures['first'], figures['second']
    stats = first['task']['stats']
    per_principal_ms = first['task']['seconds'] * 1000.0 / count
    lines = [
        'N = %d principals (%s)' % (count, ', '.join('%d %s' % (value, key) for key, value in figures['setup'].items())),
        '  sync, first run : task %.2f s = %.2f ms per principal; totals %s; ansible-playbook %.2f s' % (
            first['task']['seconds'], per_principal_ms, first['task']['totals'], first['wall']),
        '                    HTTP requests to Graph %d = %.3f per principal (%d $batch, %d inner requests, %d writes), '
        '+2 identity requests' % (figures['first_requests'], figures['first_requests'] / float(count), stats['batches'],
                                  figures['first_inner'], figures['first_writes']),
        '                    CPU per compare %.2f ms (%d compares: decode both photos + match); inner retries %d; '
        'peak in flight per mailbox %d' % (stats['compare_cpu_ms'] / max(1, stats['compared']), stats['compared'],
                                           stats['inner_retries'], stats['peak_per_mailbox']),
        '                    peak RSS: module process %.1f MB; any process of the run %.1f MB' % (
            stats['max_rss_mb'], first['children_peak_mb']),
        '  sync, second run: task %.2f s; totals %s; writes in the emulator log: %d; HTTP requests %d' % (
            second['task']['seconds'], second['task']['totals'], figures['second_writes'], figures['second_requests']),
    ]
    report_seconds = figures['report']['task']['seconds']
    browser = figures['report_browser']
    rendering = 'headless Chromium opens and renders it in %.1f s' % browser if browser is not None else 'no chromium to time rendering'
    lines.append('  HTML report     : %.1f MB (%.2f KB per principal); task %.2f s, %+.2f s over the second run; '
                 'module peak RSS %.1f MB (second run %.1f MB); %s' % (
                     figures['report_bytes'] / 1048576.0, figures['report_bytes'] / 1024.0 / count, report_seconds,
                     report_seconds - second['task']['seconds'], figures['report']['task']['stats']['max_rss_mb'],
                     second['task']['stats']['max_rss_mb'], rendering))
    if loop is not None:
        loop_ms = loop['task']['seconds'] * 1000.0 / LOOP_PRINCIPALS
        lines.append('  loop of %d graph_profile_photo tasks: %.2f s = %.0f ms per principal -> sync is %.0fx faster per principal' % (
            LOOP_PRINCIPALS, loop['task']['seconds'], loop_ms, loop_ms / per_principal_ms))
    return lines


def check_goals(all_figures: list, loop: dict | None) -> list:
    problems = []
    for figures in all_figures:
        count = figures['principals']
        if figures['second_writes']:
            problems.append('N=%d: the second run sent %d writes' % (count, figures['second_writes']))
        if figures['first']['task']['stats']['max_rss_mb'] >= GOAL_PEAK_MB:
            problems.append('N=%d: module peak RSS %.1f MB >= %d MB' % (count, figures['first']['task']['stats']['max_rss_mb'], GOAL_PEAK_MB))
        if figures['report_bytes'] * 10000.0 / count >= GOAL_REPORT_MB_AT_10000 * 1048576:
            problems.append('N=%d: the HTML report would be %.1f MB at 10,000 principals (goal < %d MB)' % (
                count, figures['report_bytes'] * 10000.0 / count / 1048576, GOAL_REPORT_MB_AT_10000))
        if count == 1000 and figures['first']['task']['seconds'] >= GOAL_SECONDS_AT_1000:
            problems.append('N=1000: %.2f s >= %.1f s' % (figures['first']['task']['seconds'], GOAL_SECONDS_AT_1000))
        if loop is not None:
            speedup = (loop['task']['seconds'] / LOOP_PRINCIPALS) / (figures['first']['task']['seconds'] / count)
            if count >= 1000 and speedup < GOAL_SPEEDUP:
                problems.append('N=%d: only %.0fx faster per principal than the loop' % (count, speedup))
    return problems


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['--measure-children']:
        return measure_children(argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default=os.environ.get('BENCH_SIZES', '100,1000,5000'),
                        help='comma-separated numbers of principals (default 100,1000,5000, or $BENCH_SIZES)')
    parser.add_argument('--latency-ms', type=int, default=20, help='latency the emulator adds to every Graph request')
    parser.add_argument('--concurrency', type=int, default=0, help="the module's concurrency option (default: its default)")
    parser.add_argument('--directory-users', type=int, default=int(os.environ.get('BENCH_DIRECTORY_USERS', '10000')),
                        help='users of the match_by/scope case (default 10000, or $BENCH_DIRECTORY_USERS; 0 skips it)')
    parser.add_argument('--directory-files', type=int, default=1000, help='HR files of the match_by/scope case')
    parser.add_argument('--only-directory', action='store_true', help='run only the match_by/scope case')
    parser.add_argument('--json', help='also write all figures to this file')
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(',') if size.strip()]
    if any(size < LOOP_PRINCIPALS for size in sizes):
        parser.error('every size must be at least %d' % LOOP_PRINCIPALS)
    loop_at = 1000 if 1000 in sizes else max(sizes)
    workroot = Path(tempfile.mkdtemp(prefix='graphops-bench-'))
    print('graph_profile_photo_sync benchmark: emulator latency %d ms, throttling on, %d CPUs, sizes %s' % (
        args.latency_ms, os.cpu_count(), sizes), flush=True)
    all_figures = []
    loop = None
    if args.only_directory:
        sizes = []
    try:
        if args.directory_users:
            directory = bench_directory(args.directory_users, args.directory_files, args, workroot)
            print('\n'.join(report_directory(directory)), flush=True)
        for count in sizes:
            figures = bench_size(count, args, workroot, with_loop=(count == loop_at))
            loop = figures.get('loop', loop)
            all_figures.append(figures)
            print('\n'.join(report(figures, figures.get('loop'))), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workroot, ignore_errors=True)
    if len(all_figures) > 1:
        print('scaling: ' + '; '.join('N=%d %.2f s (%.2f ms/principal, %.1f MB)' % (
            f['principals'], f['first']['task']['seconds'], f['first']['task']['seconds'] * 1000.0 / f['principals'],
            f['first']['task']['stats']['max_rss_mb']) for f in all_figures))
    if args.json:
        Path(args.json).write_text(json.dumps(all_figures, indent=2, default=str))
    if not all_figures:
        return 0
    problems = check_goals(all_figures, loop)
    print('goals: ' + ('all met' if not problems else 'NOT met: ' + '; '.join(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
