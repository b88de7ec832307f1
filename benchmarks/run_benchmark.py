# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark graph_profile_photo_sync against the Graph emulator, and a loop of graph_profile_photo for comparison.

Two cases, each for several numbers N of principals; half of the users already hold their photo (put through the
emulator's admin API, so rewritten as Graph rewrites uploads), a quarter hold another photo and a quarter none. The
emulator runs with 20 ms added to every Graph request and its throttling on (4 concurrent requests per mailbox).
- standard (``--sizes``): 256x256 JPEGs made with Pillow (each different);
- realistic (``--realistic-sizes``): 800x800 JPEGs of about 160 KB with grain and detail, like HR photos, which
  the emulator stores as 648x648 JPEGs of about 65 KB; every upload is prepared (over 648 px and 100 KB).
Then, through real ansible-playbook:

1. the sync task over the directory (timed by a callback: task start to result);
2. the same task again: everything is unchanged, and the emulator's log must show no write;
3. with ``cache``: the same task twice, the second time timed (every principal unchanged and in the cache);
4. (standard) the second run again with an HTML report (``report``): its size, and the time it adds over run 2; with
   Chromium installed, how long a headless browser takes to open the report and render it;
5. once, a loop of graph_profile_photo tasks over 30 users (each with a new picture), per principal.
And, opt-in, the standard case at tenant scale (``--large-sizes 50000``, or BENCH_LARGE_SIZES; issue 25): the same runs
with ``result_detail: compact`` (what a large tenant's playbook asks for), then the unchanged and the cached runs again
split into ``--large-shards`` shards (``shard_index`` / ``shard_count``, one task per shard in one play, one after the
other), to set one task of N against its shards: time, peak memory, the size of the results and what the controller
holds. The goals line checks its memory (300 MB), its results (25 MB) and its time per principal against 1,000's.
And the source-of-record case (``--directory-users``, issue 11): match_by employeeId over a tenant of that many users,
with a group scope and without, in check mode: what reading the directory costs.
And the export case (``--export-users``, issue 24): graph_profile_photo_export of that many users whose photos are
648x648 (800 px portraits, stored as Graph stores them), a first run and the same task again, which must download
nothing (one metadata read per user).
And the budget cases (``--only-budgets``, ``--budget-users N``, issue 29; budget_cases.py): a first run of N users
(half needing a photo) under Graph's documented write budget and the unchanged run under a large tenant's resource
units, windows scaled 1/15: the time the budget allows, the time taken, their ratio, budget 429s per landed request.
And the soak (``--soak [N]``, issue 23; 5,000 principals when N is not given): the standard case's setup under 10% 429s,
5% 503s (both with ``Retry-After: 1``) and 1% connection resets, with every token revoked three times during each of two
runs (the first run sets half of the photos, the second must write nothing). It prints the time, the 429s, 503s,
resets, 401s and retries seen, the shortest wait before a throttled request was sent again (against its Retry-After),
the writes that landed and those repeated (all from the emulator's request log), token renewals, the module's peak memory
and the size of the task result. Its problems (a failed item, a write repeated beyond a connection reset, a write in
the second run, a revocation that did not happen) are goals like the others.

For every run it prints the bytes Graph sent per principal (the $batch answers as they crossed the wire, base64
and JSON included, from the emulator's request log), and the CPU seconds of the module process (stats.cpu_seconds:
its imports, token, sync and results) and of the emulator process (/proc/<pid>/stat, before and after the run),
measured separately because both share the same cores.

Before the first run of each case and N, it measures this machine's floor of each run (machine_floor.py): the time
no run can go below here. On a sample of the case's own files (FLOOR_SAMPLE), in this process on one thread, it measures
the CPU milliseconds per item of the work that no run avoids, with the collection's own code called as the sync calls it
and the emulator's own code called as it stores an upload: the local file's preview (load_source_image, as
_sync/runner.py loads it), the facts of Graph's 96x96 rendition (made by the emulator's StoredPhoto) and the compare,
completing a deferred preparation for an upload, the emulator's rewrite of the upload (StoredPhoto.stored with its
Rewrite), and with ``cache`` the check that the file is unchanged (the stat that shows its identity on disk is the one
recorded with its digest; a version without that rule: its sha256). The fixed cost of a task is the time of the same sync task over ONE
principal through ansible-playbook (a user of its own past the case's N, unchanged: no write). A run's floor is the
fixed cost plus the CPU of its work, counted from the case's setup (first run: every principal with a photo previewed
and compared, every upload prepared and rewritten; unchanged run: every principal compared; cached run: every
file's digest), divided by the CPUs. It is a lower bound: both CPUs always busy, no HTTP, JSON or Python overhead. It is
printed after each case's runs and put in --json as ``floor``; the goals line gives the floor of each missed time goal and
says when the goal is below it (a goal no run reaches on this machine). ``--no-floor`` leaves it out.

Peak memory: the module reports getrusage(RUSAGE_SELF).ru_maxrss of its own process (stats.max_rss_mb), and this
script runs each ansible-playbook under a small wrapper process that prints getrusage(RUSAGE_CHILDREN).ru_maxrss,
the peak of any process of the run (controller, worker or module).

``--plot docs/docsite/rst/performance-scaling.png`` draws the time per principal against N (Pillow, no other dependency).
``--collections DIR`` runs the modules of another checkout (for a before/after comparison with the same script);
``--no-cache`` leaves out step 3 for a version without ``cache``.

Usage: PYTHONPATH=.build/collections python benchmarks/run_benchmark.py [--sizes 100,1000,10000]
(or `make bench`). Sends traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import math
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
from graph_emulator.directory import StoredPhoto
from graph_emulator.photo_image import Rewrite
from graph_emulator.process import EmulatorProcess
from budget_cases import bench_budgets, check_budgets, report_budgets
from machine_floor import floor_line, run_floors, speedup_goal_problem, time_goal_problem
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO = Path(__file__).resolve().parents[1]
COLLECTIONS = REPO / '.build' / 'collections'
# The collections path the playbooks run with (--collections changes it).
COLLECTIONS_IN_USE = [COLLECTIONS]
CALLBACKS = Path(__file__).resolve().parent / 'callback_plugins'
BUDGET_USERS_DEFAULT = 10000
TENANT_ID = '8f2c1e4a-3b6d-4c9e-a1f0-5d7e2b9c4a10'
DOMAIN = 'contoso.com'
CLIENT_ID = '0d5f7a3c-9e21-4b8a-b6c4-2f1e8d9a7b35'
# A demo value, valid only against the emulator (emulator/graph_emulator/seeds/demo.yml).
CLIENT_SECRET = 'demo-only-secret-not-for-production'
PHOTO_SIDE = 256
REALISTIC_SIDE = 800
LOOP_PRINCIPALS = 30
# Issue 13's goals (measured here, never asserted by tests).
GOAL_SPEEDUP = 250
GOAL_SECONDS_AT_1000 = 2.5
GOAL_REALISTIC_FIRST = 7.0
GOAL_REALISTIC_UNCHANGED = 3.0
GOAL_REALISTIC_CACHED = 1.8
GOAL_BYTES_PER_UNCHANGED = 6 * 1024
GOAL_LINEAR = 1.2
GOAL_PEAK_MB = 150
# Issue 25: one task of 50,000 principals (result_detail: compact): peak memory, results, time per principal vs 1,000.
LARGE_FROM = 10001
GOAL_PEAK_MB_LARGE = 300
GOAL_RESULTS_MB_LARGE = 25
GOAL_LINEAR_LARGE = 1.2
# The HTML report of 10,000 principals must stay under this (issue 14).
GOAL_REPORT_MB_AT_10000 = 50
# The soak (issue 23): fault rates of every Graph request (inner requests of a $batch included; resets hit top-level
# requests only), the Retry-After they carry, and where in each run every token is revoked: fractions of the Graph
# requests a run sends at least (about 1.75 inner requests per principal in the first run, 1.25 in the second).
SOAK_DEFAULT = 5000
SOAK_FAULTS = {'429': 0.10, '503': 0.05, 'reset': 0.01}
SOAK_RETRY_AFTER = 1.0
SOAK_REVOCATIONS = {'first': (0.3, 0.8, 1.3), 'second': (0.2, 0.5, 0.9)}
# Each attempt fails with a chance of about 16% (10% + 5% + 1%): with the default 5 retries, one request in
# 1/0.16^6 = 60,000 fails for good, and 5,000 principals take over 10,000 requests. With 8, one in 14 million.
SOAK_RETRIES = 8
# The floor: per-item CPU is measured on this many of the case's files, the least of this many rounds (the machine is
# shared: the least disturbed round is the closest to the work itself); the fixed cost of a task is the least of
# FLOOR_PROBES one-principal tasks.
FLOOR_SAMPLE = 30
FLOOR_ROUNDS = 3
FLOOR_PROBES = 2


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


def portrait(seed: int) -> bytes:
    """An 800x800 JPEG (quality 90, about 160 KB) with a gradient, shapes, detail and grain, like an HR photo: Graph
    (and the emulator) keep it as a 648x648 JPEG of about 65 KB, and its 96x96 rendition is about 4 KB."""
    rng = random.Random(seed)
    side = REALISTIC_SIDE
    top, bottom = (tuple(rng.randrange(256) for dummy in range(3)) for dummy in range(2))
    gradient = Image.linear_gradient('L').resize((side, side))
    image = Image.composite(Image.new('RGB', (side, side), bottom), Image.new('RGB', (side, side), top), gradient)
    draw = ImageDraw.Draw(image)
    for dummy in range(14):
        x, y = rng.randrange(-side // 5, side), rng.randrange(-side // 5, side)
        w, h = rng.randrange(side // 10, side // 2), rng.randrange(side // 10, side // 2)
        colour = tuple(rng.randrange(256) for dummy in range(3))
        (draw.ellipse if rng.random() < 0.6 else draw.rectangle)((x, y, x + w, y + h), fill=colour)
    for dummy in range(120):
        x, y = rng.randrange(side), rng.randrange(side)
        w, h = rng.randrange(side // 60, side // 10), rng.randrange(side // 60, side // 10)
        draw.ellipse((x, y, x + w, y + h), fill=tuple(rng.randrange(256) for dummy in range(3)))
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(1.5)), Image.effect_noise((side, side), 18).convert('RGB'), 0.25)
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


def photo_before_first_run(index: int, count: int, make=picture, own: bytes | None = None) -> tuple:
    """(kind, the photo Graph holds before the first run or None) of user ``index``: the first half hold their file's
    picture ('same'; ``own``, when the caller has made it already), then every other one another picture
    ('different') or none ('none')."""
    if index < count // 2:
        return 'same', own if own is not None else make(index)
    if index % 2 == 0:
        return 'different', make(index + 1000003)
    return 'none', None


def set_photo_before_first_run(emulator, index: int, count: int, make=picture, own: bytes | None = None) -> str:
    """Give user ``index`` the photo it holds before the first run (photo_before_first_run); return its kind."""
    kind, data = photo_before_first_run(index, count, make, own)
    if data is None:
        emulator.admin.delete_photo('users/%s' % upn(index))
    else:
        emulator.admin.put_photo('users/%s' % upn(index), data)
    return kind


def prepare_photos(emulator, src_dir: Path, count: int, make=picture) -> dict:
    """Write the N local photos; give half of the users that photo already, a quarter another one, a quarter none."""
    src_dir.mkdir()
    kinds = {'same': 0, 'different': 0, 'none': 0}

    def prepare(index):
        data = make(index)
        (src_dir / ('%s.jpg' % upn(index))).write_bytes(data)
        return set_photo_before_first_run(emulator, index, count, make, own=data)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for kind in pool.map(prepare, range(count)):
            kinds[kind] += 1
    return kinds


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    with open('/proc/%d/stat' % pid, encoding='ascii') as handle:
        fields = handle.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf('SC_CLK_TCK'))


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
        'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS_IN_USE[0]),
        'ANSIBLE_CALLBACK_PLUGINS': str(CALLBACKS),
        'ANSIBLE_CALLBACKS_ENABLED': 'bench_timer',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
        'ANSIBLE_HOME': str(workdir / 'ansible-home'),
        'ANSIBLE_LOCAL_TEMP': str(workdir / 'ansible-tmp'),
        'BENCH_TIMER_FILE': str(timer_file),
        'AZURE_CLIENT_SECRET': CLIENT_SECRET,
        'PYTHONPATH': str(COLLECTIONS_IN_USE[0]),
    })
    command = [str(Path(sys.executable).parent / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               '-e', 'ansible_python_interpreter=%s' % sys.executable, str(playbook)]
    emulator.admin.clear_log()
    emulator_cpu = process_cpu_seconds(emulator.process.pid)
    started = time.monotonic()
    # The wrapper's only children are this run's processes: its RUSAGE_CHILDREN peak is theirs alone.
    wrapper = subprocess.run([sys.executable, __file__, '--measure-children', '--'] + command, env=env, cwd=str(workdir),
                             capture_output=True, text=True, timeout=1800, check=False)
    wall = time.monotonic() - started
    emulator_cpu = process_cpu_seconds(emulator.process.pid) - emulator_cpu
    if wrapper.returncode != 0:
        raise RuntimeError('%s failed:\n%s\n%s' % (name, wrapper.stdout[-4000:], wrapper.stderr[-4000:]))
    lines = [json.loads(line) for line in timer_file.read_text().splitlines() if line.strip()]
    peak = json.loads(wrapper.stdout.strip().splitlines()[-1])
    figures = {'task': lines[-1], 'wall': wall, 'children_peak_mb': peak['children_maxrss_kb'] / 1024.0,
               'children_cpu': peak['children_cpu_seconds'], 'emulator_cpu': emulator_cpu}
    figures.update(graph_traffic(emulator))
    return figures


def measure_children(command: list) -> int:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-6000:] + completed.stderr[-6000:])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({'children_maxrss_kb': usage.ru_maxrss, 'children_cpu_seconds': usage.ru_utime + usage.ru_stime}))
    return completed.returncode


BROWSER_TIMEOUT = 600


def browser_render(page: Path, workdir: Path) -> float | None:
    """Seconds headless Chromium takes to open the report and render a screenshot (None without Chromium; the timeout
    itself when it did not finish in BROWSER_TIMEOUT seconds)."""
    browser = shutil.which('chromium')
    if browser is None:
        return None
    started = time.monotonic()
    try:
        subprocess.run([browser, '--headless', '--no-sandbox', '--disable-gpu', '--user-data-dir=%s' % (workdir / 'chromium'),
                        '--window-size=1100,800', '--screenshot=%s' % (workdir / 'report.png'), page.as_uri()],
                       capture_output=True, timeout=BROWSER_TIMEOUT, check=True)
    except subprocess.TimeoutExpired:
        return float(BROWSER_TIMEOUT)
    return time.monotonic() - started


def graph_traffic(emulator) -> dict:
    """From the emulator's log since the run started: requests, writes and the bytes Graph sent.

    ``wire_bytes`` is what crossed the wire from Graph: the bodies of the top-level answers ($batch JSON with base64
    images); ``image_bytes`` the bodies of the inner GETs (the pictures and metadata before base64).
    """
    log = emulator.admin.log()
    top = [entry for entry in log if not entry['batch']]
    inner = [entry for entry in log if entry['batch']]
    return {
        'requests': len(top), 'inner': len(inner), 'writes': len([entry for entry in log if entry['write']]),
        'wire_bytes': sum(entry.get('bytes') or 0 for entry in top),
        'image_bytes': sum(entry.get('bytes') or 0 for entry in inner if entry['method'] == 'GET'),
        'reads': {kind: len([entry for entry in inner if entry['method'] == 'GET' and entry['path'].endswith(suffix)])
                  for kind, suffix in (('rendition', 'x96/$value'), ('full', '/photo/$value'), ('metadata', '/photo'))},
    }


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity), else those of the machine."""
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def collection_module(name: str):
    """A module_utils module of the collection under test: the one the playbooks run (--collections may change it)."""
    if str(COLLECTIONS_IN_USE[0]) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS_IN_USE[0]))
    return importlib.import_module('ansible_collections.graphops.msgraph.plugins.module_utils.' + name)


def least_cpu_ms(action, items: list) -> float:
    """CPU milliseconds per item of action(item) over the items: the least of FLOOR_ROUNDS rounds."""
    rounds = []
    for dummy in range(FLOOR_ROUNDS):
        started = time.process_time()
        for item in items:
            action(item)
        rounds.append((time.process_time() - started) * 1000.0 / len(items))
    return min(rounds)


def calibrate_cpu(paths: list, config: dict) -> dict:
    """CPU milliseconds per item of the work no run avoids (machine_floor.WORK_KINDS), measured in this process on one
    thread, on the case's own files, with the collection's own code called as the sync calls it (_sync/runner.py) and
    the emulator's own code called as it stores an upload (photo_routes.py: StoredPhoto.stored with its Rewrite)."""
    source_code = collection_module('_photo.source')
    facts_code = collection_module('_photo.facts')
    compare_code = collection_module('_photo.compare')
    compare_size = collection_module('_photo.renditions').COMPARE_SIZE
    rewrite = Rewrite.from_config(config)

    def load(path):
        # As PhotoSync._load_source loads a compared file in these runs: prepare auto, crop none, no diff (so no perceptual
        # hash), and a photo that needs preparing compared from its preview, prepared only for its upload.
        return source_code.load_source_image(str(path), prepare='auto', crop='none', with_phash=False, defer_preparation=True)

    def rendition_facts(data):
        return facts_code.photo_facts_from_bytes(data, with_phash=False)

    sources = [load(path) for path in paths]
    # What Graph holds for a principal whose photo is the file (the admin API stores it as an upload), and the rendition
    # the sync reads to compare: the one the emulator made when it stored the photo.
    renditions = [StoredPhoto.stored(path.read_bytes(), rewrite).rendition(compare_size, quality=rewrite.quality,
                                                                           background=rewrite.background,
                                                                           downscale_filter=rewrite.downscale_filter)
                  for path in paths]
    remotes = [rendition_facts(data) for data in renditions]
    # What the module uploads: a prepared JPEG, or the file as it is (prepare auto: a photo that needs nothing).
    uploads = [source.complete().data for source in sources]
    checker = file_check()
    for path in paths:
        checker(str(path))  # the first check of a file records it, as a cache-filling run does
    per_item = {
        'preview': least_cpu_ms(load, paths),
        'rendition_facts': least_cpu_ms(rendition_facts, renditions),
        'compare': least_cpu_ms(lambda pair: compare_code.photos_match(pair[0].facts, pair[1], 'perceptual'), list(zip(sources, remotes))),
        'prepare': least_cpu_ms(lambda source: source.complete(), sources),
        'emulator_rewrite': least_cpu_ms(lambda data: StoredPhoto.stored(data, rewrite), uploads),
        'file_check': least_cpu_ms(checker, [str(path) for path in paths]),
    }
    return {'per_item_ms': per_item, 'sample': len(paths), 'prepared': any(source.deferred is not None for source in sources),
            'matched': sum(1 for source, remote in zip(sources, remotes) if compare_code.photos_match(source.facts, remote, 'perceptual')),
            'upload_kb': sum(len(data) for data in uploads) / 1024.0 / len(uploads),
            'rendition_kb': sum(len(data) for data in renditions) / 1024.0 / len(renditions)}


def file_check():
    """What a cached run does to know a principal's file unchanged, as the collection under test does it: the stat of
    _files/file_digests.py against the identity recorded with the digest, or (before issue 25) the file's sha256."""
    try:
        digests_code = collection_module('_files.file_digests')
    except ImportError:
        return collection_module('_sync.cache').file_sha256
    recorded = {}
    # Recorded as an earlier run keeps them: hashed an hour after the files were written (not racy).
    first = digests_code.FileDigests(clock=lambda: time.time_ns() + 3600 * 10 ** 9)
    checks = digests_code.FileDigests()

    def check(path):
        if path not in recorded:
            digest, identity = first.digest(path)
            recorded[path] = {'file_sha256': digest, 'file_stat': identity}
        return checks.digest(path, recorded[path])
    return check


def fixed_task_seconds(emulator, workdir: Path, options: dict, data: bytes, principal: str) -> dict:
    """The fixed cost of a task: graph_profile_photo_sync over ONE principal through ansible-playbook (starting it and
    the module, imports, the token, the principal's round trips, the results), the least of FLOOR_PROBES runs. The
    principal is one of its own (not one of the case's, which keep their setup): its photo is its file, so it is
    unchanged, and the emulator's log must show no write."""
    probe_dir = workdir / 'floor-probe'
    probe_dir.mkdir()
    (probe_dir / ('%s.jpg' % principal)).write_bytes(data)
    emulator.admin.put_photo('users/%s' % principal, data)
    sync = {'name': 'sync', 'graphops.msgraph.graph_profile_photo_sync': dict(options, src_dir=str(probe_dir))}
    probes = [run_playbook(emulator, workdir, 'floor-probe-%d' % attempt, [sync]) for attempt in range(FLOOR_PROBES)]
    writes = sum(probe['writes'] for probe in probes)
    if writes:
        raise RuntimeError('the one-principal task that measures the fixed cost sent %d writes for an unchanged photo' % writes)
    seconds = [probe['task']['seconds'] for probe in probes]
    return {'fixed_seconds': min(seconds), 'fixed_probes': seconds, 'probe_totals': probes[-1]['task'].get('totals')}


def case_floor(emulator, workdir: Path, options: dict, kinds: dict, *, count: int, make, config: dict) -> dict:
    """The floor of each run of the case on this machine (machine_floor.py), measured before the first run."""
    step = max(1, count // FLOOR_SAMPLE)
    paths = [workdir / 'photos' / ('%s.jpg' % upn(index)) for index in range(0, count, step)][:FLOOR_SAMPLE]
    floor = calibrate_cpu(paths, config)
    # A user past the case's N (write_seed makes it; the case's files and runs never name it).
    floor.update(fixed_task_seconds(emulator, workdir, options, make(count), upn(count)))
    floor['cpus'] = usable_cpus()
    floor['runs'] = run_floors(floor['per_item_ms'], kinds, floor['fixed_seconds'], floor['cpus'])
    return floor


def shard_tasks(options: dict, shards: int, cache_dir: Path | None = None) -> list:
    """One sync task per shard (shard_index 0 .. shards-1 of shards), each with its own cache file when cache_dir is given
    (runs that share one cache file lose each other's entries: the module's docs say to give each shard its own)."""
    tasks = []
    for index in range(shards):
        shard = dict(options, shard_index=index, shard_count=shards)
        if cache_dir is not None:
            shard['cache'] = str(cache_dir / ('cache-shard-%d.json' % index))
        tasks.append({'name': 'shard %d' % index, 'graphops.msgraph.graph_profile_photo_sync': shard})
    return tasks


def run_shards(emulator, workdir: Path, name: str, tasks: list) -> dict:
    """The play of one task per shard: the figures of the whole play (requests, emulator CPU) and of each task."""
    run = run_playbook(emulator, workdir, name, tasks)
    shards = [json.loads(line) for line in (workdir / ('%s.timer.jsonl' % name)).read_text().splitlines() if line.strip()]
    run['shards'] = shards
    run['seconds'] = sum(shard['seconds'] for shard in shards)
    return run


def bench_size(count: int, args, workroot: Path, *, case: str, with_loop: bool, large: bool = False) -> dict:
    workdir = workroot / ('%s-n%d%s' % (case, count, '-large' if large else ''))
    workdir.mkdir()
    seed = workdir / 'seed.yml'
    # One user more than the case's: the principal of the floor's one-principal task.
    write_seed(seed, count + 1)
    emulator_args = ['--latency-ms', str(args.latency_ms)]
    make = portrait if case == 'realistic' else picture
    with EmulatorProcess(seed=seed, state_dir=str(workdir / 'emulator'), args=emulator_args) as emulator:
        config = emulator.admin.config()
        assert config['throttle'] and config['rewrite'], config
        kinds = prepare_photos(emulator, workdir / 'photos', count, make)
        options = {'src_dir': str(workdir / 'photos')}
        if args.concurrency:
            options['concurrency'] = args.concurrency
        if args.result_detail or large:
            # At tenant scale the results are the playbook's largest cost: a large tenant's playbook asks for compact.
            options['result_detail'] = args.result_detail or 'compact'
        sync = {'name': 'sync', 'graphops.msgraph.graph_profile_photo_sync': options}

        figures = {'case': case, 'principals': count, 'setup': kinds, 'large': large,
                   'result_detail': options.get('result_detail', 'full')}
        if not args.no_floor:
            figures['floor'] = case_floor(emulator, workdir, options, kinds, count=count, make=make, config=config)
        figures['first'] = run_playbook(emulator, workdir, 'sync-first', [sync])
        figures['second'] = run_playbook(emulator, workdir, 'sync-second', [sync])
        if not args.no_cache:
            cached = {'name': 'sync', 'graphops.msgraph.graph_profile_photo_sync': dict(options, cache=str(workdir / 'cache.json'))}
            figures['cache_fill'] = run_playbook(emulator, workdir, 'sync-cache-fill', [cached])
            figures['cached'] = run_playbook(emulator, workdir, 'sync-cached', [cached])
        if large and args.large_shards > 1:
            figures['shards'] = args.large_shards
            figures['sharded'] = run_shards(emulator, workdir, 'shards', shard_tasks(options, args.large_shards))
            if not args.no_cache:
                cache_dir = workdir / 'shard-caches'
                cache_dir.mkdir()
                figures['sharded_cache_fill'] = run_shards(emulator, workdir, 'shards-cache-fill',
                                                           shard_tasks(options, args.large_shards, cache_dir))
                figures['sharded_cached'] = run_shards(emulator, workdir, 'shards-cached',
                                                       shard_tasks(options, args.large_shards, cache_dir))
        if case == 'standard' and not args.no_report:
            report_path = workdir / 'report.html'
            with_report = {'name': 'sync', 'graphops.msgraph.graph_profile_photo_sync': dict(options, report=str(report_path))}
            figures['report'] = run_playbook(emulator, workdir, 'sync-report', [with_report])
            figures['report_bytes'] = report_path.stat().st_size
            figures['report_browser'] = browser_render(report_path, workdir)
        if with_loop:
            loop_users = [upn(index) for index in range(count - LOOP_PRINCIPALS, count)]
            loop_dir = workdir / 'loop-photos'
            loop_dir.mkdir()
            for index, name in enumerate(loop_users):
                (loop_dir / ('%s.jpg' % name)).write_bytes(make(2000003 + index))
            figures['loop'] = run_playbook(emulator, workdir, 'loop', [{
                'name': 'loop', 'graphops.msgraph.graph_profile_photo': {'user': '{{ item }}', 'src': str(loop_dir) + '/{{ item }}.jpg'},
                'loop': loop_users}])
    if 'floor' in figures:
        figures['floor']['runs'] = {run: seconds for run, seconds in figures['floor']['runs'].items() if run in figures}
    return figures


def soak_traffic(log: list) -> dict:
    """What the emulator's log says of a soak run: faults met, token refusals, writes landed and repeated, and the
    shortest time before a request answered 429 or 503 inside a $batch was answered again (its Retry-After was
    SOAK_RETRY_AFTER; the log's time is when an answer went out, so this is the wait plus the retry's own latency)."""
    inner = [entry for entry in log if entry['batch']]
    top = [entry for entry in log if not entry['batch']]
    landed = {}
    for entry in log:
        if entry['write'] and entry['status'] in (200, 204):
            landed[entry['principal']] = landed.get(entry['principal'], 0) + 1
    waits = []
    throttled = {}
    for entry in inner:
        key = (entry['method'], entry['path'])
        if key in throttled:
            waits.append(entry['time'] - throttled.pop(key))
        if entry['status'] in (429, 503):
            throttled[key] = entry['time']
    return {
        'top': len(top), 'inner': len(inner),
        '429': {'inner': sum(1 for entry in inner if entry['status'] == 429), 'top': sum(1 for entry in top if entry['status'] == 429)},
        '503': {'inner': sum(1 for entry in inner if entry['status'] == 503), 'top': sum(1 for entry in top if entry['status'] == 503)},
        'resets': sum(1 for entry in top if entry['status'] is None),
        '401': {'inner': sum(1 for entry in inner if entry['status'] == 401), 'top': sum(1 for entry in top if entry['status'] == 401)},
        'writes_landed': sum(landed.values()), 'principals_written': len(landed),
        'writes_repeated': sum(count - 1 for count in landed.values()),
        'retry_waits': len(waits), 'shortest_retry_wait': min(waits) if waits else None,
    }


def bench_soak(count: int, args, workroot: Path) -> dict:
    """The soak: the standard case's principals under SOAK_FAULTS and three revocations of every token per run."""
    workdir = workroot / ('soak-n%d' % count)
    workdir.mkdir()
    write_seed(workdir / 'seed.yml', count)
    with EmulatorProcess(seed=workdir / 'seed.yml', state_dir=str(workdir / 'emulator'),
                         args=['--latency-ms', str(args.latency_ms)]) as emulator:
        kinds = prepare_photos(emulator, workdir / 'photos', count)
        options = {'src_dir': str(workdir / 'photos'), 'retries': SOAK_RETRIES}
        if args.result_detail:
            options['result_detail'] = args.result_detail
        sync = {'name': 'sync', 'graphops.msgraph.graph_profile_photo_sync': options}
        figures = {'case': 'soak', 'principals': count, 'setup': kinds}
        for run in ('first', 'second'):
            revoke_after = [int(fraction * count) for fraction in SOAK_REVOCATIONS[run]]
            emulator.admin.faults(rates=SOAK_FAULTS, retry_after=['%g' % SOAK_RETRY_AFTER], seed=count, revoke_after=revoke_after)
            issued_before = len(emulator.admin.issued_token_facts())
            figures[run] = run_playbook(emulator, workdir, 'soak-' + run, [sync])
            figures[run]['traffic'] = soak_traffic(emulator.admin.log())
            figures[run]['revoke_after'] = revoke_after
            figures[run]['revoked_at'] = emulator.admin.faults()['revoked_at']
            figures[run]['tokens'] = len(emulator.admin.issued_token_facts()) - issued_before
        state = emulator.admin.state()
        figures['without_photo'] = sum(1 for user in state['users'].values() if user['photo'] is None)
    return figures


def report_soak(figures: dict) -> list:
    count = figures['principals']
    lines = ['soak, N = %d principals (%s); Graph requests answered %d%% 429 and %d%% 503 (Retry-After %g s), %d%% of connections '
             'reset; retries %d; every token revoked three times per run' % (
                 count, ', '.join('%d %s' % (value, key) for key, value in figures['setup'].items()), SOAK_FAULTS['429'] * 100,
                 SOAK_FAULTS['503'] * 100, SOAK_RETRY_AFTER, SOAK_FAULTS['reset'] * 100, SOAK_RETRIES)]
    for run in ('first', 'second'):
        task, traffic = figures[run]['task'], figures[run]['traffic']
        stats = task.get('stats') or {}
        shortest = traffic['shortest_retry_wait']
        lines.append('  %-6s run: task %.2f s (%.2f ms per principal); totals %s' % (
            run, task['seconds'], task['seconds'] * 1000.0 / count, task.get('totals')))
        lines.append('              429s %d (%d in batches, %d whole batches), 503s %d (%d, %d), resets %d; module retries in batches %s; '
                     'shortest wait before a throttled request went again %s (Retry-After %g s)' % (
                         traffic['429']['inner'] + traffic['429']['top'], traffic['429']['inner'], traffic['429']['top'],
                         traffic['503']['inner'] + traffic['503']['top'], traffic['503']['inner'], traffic['503']['top'],
                         traffic['resets'], stats.get('inner_retries'),
                         '%.2f s' % shortest if shortest is not None else '-', SOAK_RETRY_AFTER))
        lines.append('              revoked at requests %s (asked %s): 401s %d (%d in batches, %d whole batches), %d tokens obtained; '
                     'writes landed %d for %d principals, repeated %d' % (
                         figures[run]['revoked_at'], figures[run]['revoke_after'], traffic['401']['inner'] + traffic['401']['top'],
                         traffic['401']['inner'], traffic['401']['top'], figures[run]['tokens'], traffic['writes_landed'],
                         traffic['principals_written'], traffic['writes_repeated']))
        lines.append('              module peak RSS %.1f MB; task result %s KB (results %s KB); %d HTTP requests (%d inner)' % (
            stats.get('max_rss_mb', 0.0), task.get('result_kb', '-'), task.get('results_kb', '-'), traffic['top'], traffic['inner']))
    lines.append('  principals without a photo after both runs: %d (every one is declared with a photo)' % figures['without_photo'])
    return lines


def soak_problems(figures: dict) -> list:
    count = figures['principals']
    problems = []
    for run in ('first', 'second'):
        task, traffic = figures[run]['task'], figures[run]['traffic']
        if (task.get('totals') or {}).get('failed'):
            problems.append('soak N=%d %s run: %d failed items' % (count, run, task['totals']['failed']))
        if len(figures[run]['revoked_at']) != 3:
            problems.append('soak N=%d %s run: tokens revoked %d times, not 3' % (count, run, len(figures[run]['revoked_at'])))
        # A write may land twice only when a connection reset lost its answer.
        if traffic['writes_repeated'] > traffic['resets']:
            problems.append('soak N=%d %s run: %d writes repeated' % (count, run, traffic['writes_repeated']))
        shortest = traffic['shortest_retry_wait']
        if shortest is not None and shortest < SOAK_RETRY_AFTER * 0.95:
            problems.append('soak N=%d %s run: a throttled request went again after %.2f s, before its Retry-After' % (count, run, shortest))
    expected_writes = figures['setup']['different'] + figures['setup']['none']
    if figures['first']['traffic']['principals_written'] != expected_writes:
        problems.append('soak N=%d: %d principals written, %d needed it' % (
            count, figures['first']['traffic']['principals_written'], expected_writes))
    if figures['second']['traffic']['writes_landed']:
        problems.append('soak N=%d: the second run wrote %d photos' % (count, figures['second']['traffic']['writes_landed']))
    if figures['without_photo']:
        problems.append('soak N=%d: %d principals without their photo' % (count, figures['without_photo']))
    return problems


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


def bench_export(count: int, args, workroot: Path) -> dict:
    """graph_profile_photo_export of count users, each with a 648x648 photo: the first run writes a file per user, the
    second finds every ETag and file as the manifest recorded them and downloads nothing."""
    workdir = workroot / ('export-%d' % count)
    workdir.mkdir()
    write_seed(workdir / 'seed.yml', count)
    with EmulatorProcess(seed=workdir / 'seed.yml', state_dir=str(workdir / 'emulator'),
                         args=['--latency-ms', str(args.latency_ms)]) as emulator:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda index: emulator.admin.put_photo('users/%s' % upn(index), portrait(index)), range(count)))
        sizes = {emulator.admin.photo_facts('users/%s' % upn(index))['width'] for index in (0, count - 1)}
        export = {'name': 'export', 'graphops.msgraph.graph_profile_photo_export': {'dest_dir': str(workdir / 'export')}}
        if args.concurrency:
            export['graphops.msgraph.graph_profile_photo_export']['concurrency'] = args.concurrency
        figures = {'users': count, 'photo_sides': sorted(sizes)}
        figures['first'] = run_playbook(emulator, workdir, 'export-first', [export])
        figures['again'] = run_playbook(emulator, workdir, 'export-again', [export])
    figures['files'] = len([name for name in os.listdir(workdir / 'export') if not name.startswith('.')])
    return figures


def report_export(figures: dict) -> list:
    count = figures['users']
    lines = ['export: %d users with %s px photos (graph_profile_photo_export, size full), %d files' % (
        count, '/'.join(str(side) for side in figures['photo_sides']), figures['files'])]
    for label, key in (('first run', 'first'), ('again', 'again')):
        run = figures[key]
        task = run['task']
        stats = task.get('stats') or {}
        lines.append('  %-9s: task %.2f s = %.2f ms per user (export %.2f s, directory %.2f s); totals %s' % (
            label, task['seconds'], task['seconds'] * 1000.0 / count, stats.get('seconds', 0.0),
            stats.get('directory_seconds', 0.0), task.get('totals')))
        lines.append('             Graph sent %.2f KB per user on the wire (%.2f KB of bodies); reads %s; %d downloads '
                     '(%.1f KB each); %d HTTP requests (%d inner, %d writes); CPU module %s s, emulator %.2f s; peak RSS %.1f MB' % (
                         run['wire_bytes'] / 1024.0 / count, run['image_bytes'] / 1024.0 / count, run['reads'],
                         stats.get('downloads', 0), stats.get('downloaded_bytes', 0) / 1024.0 / max(1, stats.get('downloads', 0)),
                         run['requests'], run['inner'], run['writes'], stats.get('cpu_seconds', '-'), run['emulator_cpu'],
                         run['children_peak_mb']))
    return lines


def check_export(figures: dict) -> list:
    """The export's promise, checked on the emulator's log: a second run downloads nothing and nothing writes to Graph."""
    problems = []
    again = figures['again']
    if again['reads']['full'] or (again['task'].get('stats') or {}).get('downloads'):
        problems.append('export N=%d: the second run downloaded %d photos (metadata reads only expected)' % (
            figures['users'], again['reads']['full']))
    if figures['first']['writes'] or again['writes']:
        problems.append('export N=%d: %d writes to Graph' % (figures['users'], figures['first']['writes'] + again['writes']))
    if figures['files'] != figures['users']:
        problems.append('export N=%d: %d files written' % (figures['users'], figures['files']))
    return problems


def run_line(label: str, run: dict, count: int) -> list:
    task = run['task']
    stats = task.get('stats') or {}
    sync_seconds = stats.get('seconds', 0.0)
    lines = ['  %-17s: task %.2f s = %.2f ms per principal (sync %.2f s, the rest %.2f s); totals %s' % (
        label, task['seconds'], task['seconds'] * 1000.0 / count, sync_seconds, task['seconds'] - sync_seconds, task.get('totals'))]
    lines.append('                     Graph sent %.1f KB per principal on the wire (%.1f KB of bodies); reads %s; '
                 '%d HTTP requests (%d inner, %d writes); cache hits %s (files hashed %s); previews dropped (no photo) %s' % (
                     run['wire_bytes'] / 1024.0 / count, run['image_bytes'] / 1024.0 / count, run['reads'], run['requests'],
                     run['inner'], run['writes'], stats.get('cache_hits', '-'), stats.get('files_hashed', '-'),
                     stats.get('previews_dropped', '-')))
    compared = stats.get('compared') or 0
    lines.append('                     CPU: module %s s, emulator %.2f s, whole ansible-playbook %.2f s; per compare %.2f ms '
                 '(%d compares); results %s KB; peak RSS module %.1f MB, controller %s MB, any process %.1f MB; retries %s' % (
                     stats.get('cpu_seconds', '-'), run['emulator_cpu'], run['children_cpu'],
                     stats.get('compare_cpu_ms', 0.0) / max(1, compared), compared, task.get('results_kb', '-'),
                     stats.get('max_rss_mb', 0.0), task.get('controller_max_rss_mb', '-'), run['children_peak_mb'],
                     stats.get('inner_retries')))
    return lines


def shards_line(label: str, run: dict, count: int) -> str:
    """One line for a play of one task per shard: their times summed (one after the other), the slowest, and the largest
    of each figure a shard reached."""
    shards = run['shards']
    stats = [shard.get('stats') or {} for shard in shards]
    return ('  %-17s: %d tasks, %.2f s in all = %.2f ms per principal (slowest shard %.2f s); module CPU %.2f s, emulator %.2f s; '
            'largest shard: %s items, peak RSS module %.1f MB, controller %s MB, results %.1f KB; writes %d' % (
                label, len(shards), run['seconds'], run['seconds'] * 1000.0 / count, max(shard['seconds'] for shard in shards),
                sum(stat.get('cpu_seconds') or 0.0 for stat in stats), run['emulator_cpu'],
                max(stat.get('items') or 0 for stat in stats), max(stat.get('max_rss_mb') or 0.0 for stat in stats),
                max((shard.get('controller_max_rss_mb') or 0.0 for shard in shards)), max(shard.get('results_kb') or 0.0 for shard in shards),
                run['writes']))


def report(figures: dict) -> list:
    count = figures['principals']
    lines = ['%s case, N = %d principals (%s)' % (figures['case'], count, ', '.join(
        '%d %s' % (value, key) for key, value in figures['setup'].items()))]
    lines += run_line('first run', figures['first'], count)
    lines += run_line('unchanged', figures['second'], count)
    if 'cached' in figures:
        lines += run_line('cache, filling', figures['cache_fill'], count)
        lines += run_line('unchanged, cache', figures['cached'], count)
    if 'sharded' in figures:
        lines.append('  in %d shards (shard_index / shard_count, one task each, one after the other):' % figures['shards'])
        lines.append(shards_line('unchanged', figures['sharded'], count))
        if 'sharded_cached' in figures:
            lines.append(shards_line('cache, filling', figures['sharded_cache_fill'], count))
            lines.append(shards_line('unchanged, cache', figures['sharded_cached'], count))
    if 'report' in figures:
        report_seconds = figures['report']['task']['seconds']
        browser = figures['report_browser']
        if browser is None:
            rendering = 'no chromium to time rendering'
        elif browser >= BROWSER_TIMEOUT:
            rendering = 'headless Chromium did not render it within %d s' % BROWSER_TIMEOUT
        else:
            rendering = 'headless Chromium opens and renders it in %.1f s' % browser
        lines.append('  HTML report      : %.1f MB (%.2f KB per principal); task %.2f s, %+.2f s over the unchanged run; '
                     'module peak RSS %.1f MB; %s' % (
                         figures['report_bytes'] / 1048576.0, figures['report_bytes'] / 1024.0 / count, report_seconds,
                         report_seconds - figures['second']['task']['seconds'], figures['report']['task']['stats']['max_rss_mb'],
                         rendering))
    if 'loop' in figures:
        loop = figures['loop']
        loop_ms = loop['task']['seconds'] * 1000.0 / LOOP_PRINCIPALS
        per_principal_ms = figures['first']['task']['seconds'] * 1000.0 / count
        lines.append('  loop of %d graph_profile_photo tasks: %.2f s = %.0f ms per principal -> sync is %.0fx faster per principal' % (
            LOOP_PRINCIPALS, loop['task']['seconds'], loop_ms, loop_ms / per_principal_ms))
    if 'floor' in figures:
        lines.append(floor_line(figures['floor']))
    return lines


def draw_plot(all_figures: list, path: Path) -> None:
    """A line chart of milliseconds per principal against N (log scale), one line per run kind and case."""
    width, height, left, right, top, bottom = 900, 520, 80, 230, 50, 60
    image = Image.new('RGB', (width, height), 'white')
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    series = []
    colours = {'first': (200, 60, 40), 'second': (40, 110, 200), 'cached': (40, 160, 80)}
    names = {'first': 'first run', 'second': 'all unchanged', 'cached': 'all unchanged, cache'}
    for case, dash in (('standard', False), ('realistic', True)):
        runs = sorted((f for f in all_figures if f['case'] == case), key=lambda f: f['principals'])
        if len(runs) < 2:
            continue
        for kind in ('first', 'second', 'cached'):
            points = [(f['principals'], f[kind]['task']['seconds'] * 1000.0 / f['principals']) for f in runs if kind in f]
            if len(points) >= 2:
                series.append(('%s, %s' % (names[kind], case), colours[kind], dash, points))
    if not series:
        return
    counts = sorted({n for s in series for n, dummy in s[3]})
    top_ms = max(ms for s in series for dummy, ms in s[3]) * 1.1
    low, high = math.log10(counts[0]), math.log10(counts[-1])

    def at(n, ms):
        x = left + (math.log10(n) - low) / ((high - low) or 1) * (width - left - right)
        return x, height - bottom - ms / top_ms * (height - top - bottom)

    draw.text((left, 15), 'graph_profile_photo_sync: time per principal (task start to result, 2 CPUs, 20 ms latency)', fill='black', font=font)
    draw.line((left, top, left, height - bottom), fill='black')
    draw.line((left, height - bottom, width - right, height - bottom), fill='black')
    for step in range(0, 6):
        ms = top_ms * step / 5.0
        x, y = at(counts[0], ms)
        draw.line((left - 4, y, width - right, y), fill=(225, 225, 225) if step else 'black')
        draw.text((8, y - 6), '%.1f ms' % ms, fill='black', font=font)
    for n in counts:
        x, dummy = at(n, 0)
        draw.line((x, height - bottom, x, height - bottom + 4), fill='black')
        draw.text((x - 14, height - bottom + 8), '{:,}'.format(n), fill='black', font=font)
    draw.text(((width - right) // 2 - 40, height - 25), 'principals (log scale)', fill='black', font=font)
    for index, (label, colour, dash, points) in enumerate(series):
        xy = [at(n, ms) for n, ms in points]
        for (x0, y0), (x1, y1) in zip(xy, xy[1:]):
            if dash:
                for part in range(0, 20, 2):
                    draw.line((x0 + (x1 - x0) * part / 20, y0 + (y1 - y0) * part / 20,
                               x0 + (x1 - x0) * (part + 1) / 20, y0 + (y1 - y0) * (part + 1) / 20), fill=colour, width=2)
            else:
                draw.line((x0, y0, x1, y1), fill=colour, width=2)
        for x, y in xy:
            draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=colour)
        ly = top + 18 * index
        draw.line((width - right + 15, ly + 6, width - right + 40, ly + 6), fill=colour, width=2 if not dash else 1)
        draw.text((width - right + 46, ly), label, fill='black', font=font)
    image.save(path, optimize=True)


def check_goals(all_figures: list) -> list:
    problems = []
    by_case = {}
    for figures in all_figures:
        by_case.setdefault(figures['case'], {})[figures['principals']] = figures
        count, case = figures['principals'], figures['case']
        for run in ('second', 'cached'):
            if run in figures and figures[run]['writes']:
                problems.append('%s N=%d: the %s run sent %d writes' % (case, count, run, figures[run]['writes']))
        peak_goal = GOAL_PEAK_MB_LARGE if count >= LARGE_FROM else GOAL_PEAK_MB
        for run in ('first', 'second', 'cache_fill', 'cached', 'report'):
            peak = figures[run]['task']['stats']['max_rss_mb'] if run in figures else 0
            if peak > peak_goal:
                problems.append('%s N=%d %s run: module peak RSS %.1f MB > %d MB' % (case, count, run, peak, peak_goal))
        if count >= LARGE_FROM and figures.get('result_detail') == 'compact':
            largest = max(figures[run]['task'].get('results_kb') or 0 for run in ('first', 'second', 'cached') if run in figures)
            if largest > GOAL_RESULTS_MB_LARGE * 1024:
                problems.append('%s N=%d: results of %.1f MB > %d MB (result_detail: compact)' % (
                    case, count, largest / 1024.0, GOAL_RESULTS_MB_LARGE))
        unchanged_bytes = figures['second']['wire_bytes'] / float(count)
        if case == 'realistic' and unchanged_bytes > GOAL_BYTES_PER_UNCHANGED:
            problems.append('%s N=%d: %.1f KB from Graph per unchanged principal > 6 KB' % (case, count, unchanged_bytes / 1024.0))
        if 'report_bytes' in figures and figures['report_bytes'] * 10000.0 / count >= GOAL_REPORT_MB_AT_10000 * 1048576:
            problems.append('N=%d: the HTML report would be %.1f MB at 10,000 principals (goal < %d MB)' % (
                count, figures['report_bytes'] * 10000.0 / count / 1048576, GOAL_REPORT_MB_AT_10000))
        seconds = {run: figures[run]['task']['seconds'] for run in ('first', 'second', 'cached') if run in figures}
        # A missed time goal says this machine's floor for the run, so that a goal no run can reach here shows as such.
        floors = figures.get('floor', {}).get('runs', {})
        if count == 1000 and case == 'standard' and seconds['first'] > GOAL_SECONDS_AT_1000:
            problems.append(time_goal_problem('standard N=1000', seconds['first'], GOAL_SECONDS_AT_1000, floors.get('first')))
        if count == 1000 and case == 'realistic':
            for run, goal in (('first', GOAL_REALISTIC_FIRST), ('second', GOAL_REALISTIC_UNCHANGED), ('cached', GOAL_REALISTIC_CACHED)):
                if run in seconds and seconds[run] > goal:
                    problems.append(time_goal_problem('realistic N=1000 %s run' % run, seconds[run], goal, floors.get(run)))
        if 'loop' in figures and case == 'standard':
            loop_per_principal = figures['loop']['task']['seconds'] / LOOP_PRINCIPALS
            speedup = loop_per_principal / (seconds['first'] / count)
            if speedup < GOAL_SPEEDUP:
                best = loop_per_principal / (floors['first'] / count) if 'first' in floors else None
                problems.append(speedup_goal_problem('%s N=%d' % (case, count), speedup, GOAL_SPEEDUP, best))
    standard = by_case.get('standard', {})
    if 1000 in standard:
        per_principal_at_1000 = standard[1000]['first']['task']['seconds'] / 1000.0
        for count in sorted(standard):
            if count < 10000:
                continue
            ratio = (standard[count]['first']['task']['seconds'] / float(count)) / per_principal_at_1000
            goal = GOAL_LINEAR_LARGE if count >= LARGE_FROM else GOAL_LINEAR
            if ratio > goal:
                problems.append('per-principal time at %s is %.2fx that at 1,000 (goal <= %.1fx)' % ('{:,}'.format(count), ratio, goal))
    return problems


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['--measure-children']:
        return measure_children(argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default=os.environ.get('BENCH_SIZES', '100,1000,10000'),
                        help='numbers of principals of the standard case, comma-separated (default 100,1000,10000, or $BENCH_SIZES)')
    parser.add_argument('--large-sizes', default=os.environ.get('BENCH_LARGE_SIZES', ''),
                        help='opt-in: the standard case at tenant scale, e.g. 50000 (or $BENCH_LARGE_SIZES): result_detail '
                             'compact, and the unchanged and cached runs again in --large-shards shards')
    parser.add_argument('--large-shards', type=int, default=10, help='shards of the tenant-scale case (default 10; 1: none)')
    parser.add_argument('--realistic-sizes', default=os.environ.get('BENCH_REALISTIC_SIZES', '1000'),
                        help='numbers of principals of the realistic case (default 1000, or $BENCH_REALISTIC_SIZES; empty: none)')
    parser.add_argument('--latency-ms', type=int, default=20, help='latency the emulator adds to every Graph request')
    parser.add_argument('--concurrency', type=int, default=0, help="the module's concurrency option (default: its default)")
    parser.add_argument('--result-detail', choices=('full', 'compact'), default=None,
                        help="the module's result_detail option (default: its default, full)")
    parser.add_argument('--no-loop', action='store_true', help='leave out the loop of graph_profile_photo tasks')
    parser.add_argument('--no-report', action='store_true', help='leave out the run with an HTML report')
    parser.add_argument('--no-cache', action='store_true', help='leave out the runs with cache (a version without it)')
    parser.add_argument('--no-floor', action='store_true',
                        help="leave out measuring this machine's floor of each run (for a version whose module_utils differ)")
    parser.add_argument('--collections', help='the collections path to run (default: this checkout, .build/collections)')
    parser.add_argument('--plot', help='draw the time per principal against N into this PNG')
    parser.add_argument('--directory-users', type=int, default=int(os.environ.get('BENCH_DIRECTORY_USERS', '10000')),
                        help='users of the match_by/scope case (default 10000, or $BENCH_DIRECTORY_USERS; 0 skips it)')
    parser.add_argument('--directory-files', type=int, default=1000, help='HR files of the match_by/scope case')
    parser.add_argument('--only-directory', action='store_true', help='run only the match_by/scope case')
    parser.add_argument('--export-users', type=int, default=int(os.environ.get('BENCH_EXPORT_USERS', '1000')),
                        help='users of the export case (default 1000, or $BENCH_EXPORT_USERS; 0 skips it)')
    parser.add_argument('--only-export', action='store_true', help='run only the export case')
    parser.add_argument('--soak', type=int, nargs='?', const=SOAK_DEFAULT, default=0,
                        help='also run the soak over this many principals: faults and three token revocations per run (issue 23); '
                             '%d when no number is given' % SOAK_DEFAULT)
    parser.add_argument('--only-soak', action='store_true',
                        help='run only the soak (over --soak principals, else $BENCH_SOAK, else %d)' % SOAK_DEFAULT)
    parser.add_argument('--only-budgets', action='store_true',
                        help="run only the budget cases (issue 29): a first run and an unchanged run against Graph's budgets")
    parser.add_argument('--budget-users', type=int, default=int(os.environ.get('BENCH_BUDGET_USERS', '0')),
                        help='users of the budget cases (default with --only-budgets: 10000; a smaller one for a quick look)')
    parser.add_argument('--budget-read-rate', type=float, default=0.05,
                        help="the reads case's resource-unit quota times this (default 0.05, 40 units a second: less than this "
                             "machine serves, so that the budget, not the machine, bounds the run)")
    parser.add_argument('--budget-windows', choices=('fixed', 'sliding'), default='fixed',
                        help="the emulator's budget windows in the budget cases (default fixed, as issue 29 measured)")
    parser.add_argument('--budget-cases', default='writes,reads',
                        help='the budget cases to run: writes (a first run), reads (the unchanged run after it); default both')
    parser.add_argument('--json', help='also write all figures to this file')
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    args = parser.parse_args(argv)
    if args.collections:
        COLLECTIONS_IN_USE[0] = Path(args.collections).resolve()
    cases = [('standard', int(size)) for size in args.sizes.split(',') if size.strip()]
    cases += [('realistic', int(size)) for size in args.realistic_sizes.split(',') if size.strip()]
    large = [('standard', int(size)) for size in args.large_sizes.split(',') if size.strip()]
    if any(size < LOOP_PRINCIPALS for dummy, size in cases):
        parser.error('every size must be at least %d' % LOOP_PRINCIPALS)
    loop_at = {}
    for case in ('standard', 'realistic'):
        sizes = [size for name, size in cases if name == case]
        if sizes and not args.no_loop:
            loop_at[case] = 1000 if 1000 in sizes else max(sizes)
    if args.only_directory or args.only_export or args.only_soak or args.only_budgets:
        cases = large = []
    if args.only_budgets:
        args.budget_users = args.budget_users or BUDGET_USERS_DEFAULT
        args.directory_users = args.export_users = args.soak = 0
    if args.only_soak:
        args.soak = args.soak or int(os.environ.get('BENCH_SOAK') or SOAK_DEFAULT)
    workroot = Path(tempfile.mkdtemp(prefix='graphops-bench-'))
    planned = (['%s %d' % case for case in cases] + ['tenant scale %d' % count for dummy, count in large]
               + (['soak %d' % args.soak] if args.soak else []))
    print('graph_profile_photo_sync benchmark: emulator latency %d ms, throttling on, %d CPUs, %s; collections %s%s' % (
        args.latency_ms, os.cpu_count(), ', '.join(planned), COLLECTIONS_IN_USE[0],
        '; result_detail %s' % args.result_detail if args.result_detail else ''), flush=True)
    all_figures = []
    export_problems = []
    budget_figures = []
    soak = None
    try:
        if args.directory_users and not (args.only_export or args.only_soak):
            directory = bench_directory(args.directory_users, args.directory_files, args, workroot)
            print('\n'.join(report_directory(directory)), flush=True)
        if args.export_users and not (args.only_directory or args.only_soak):
            export = bench_export(args.export_users, args, workroot)
            print('\n'.join(report_export(export)), flush=True)
            export_problems = check_export(export)
        for case, count in cases:
            figures = bench_size(count, args, workroot, case=case, with_loop=(loop_at.get(case) == count))
            all_figures.append(figures)
            print('\n'.join(report(figures)), flush=True)
        for case, count in large:
            figures = bench_size(count, args, workroot, case=case, with_loop=False, large=True)
            all_figures.append(figures)
            print('\n'.join(report(figures)), flush=True)
        if args.soak and not (args.only_directory or args.only_export):
            soak = bench_soak(args.soak, args, workroot)
            print('\n'.join(report_soak(soak)), flush=True)
        if args.budget_users:
            budgets = bench_budgets(args.budget_users, args, workroot, run_playbook=run_playbook, write_seed=write_seed, upn=upn)
            print('\n'.join(report_budgets(budgets)), flush=True)
            export_problems += check_budgets(budgets)
            budget_figures.append(budgets)
    finally:
        if not args.keep:
            shutil.rmtree(workroot, ignore_errors=True)
    for case in ('standard', 'realistic'):
        runs = [f for f in all_figures if f['case'] == case]
        if len(runs) > 1:
            print('scaling, %s: ' % case + '; '.join('N=%d %.2f ms/principal first, %.2f unchanged%s, %.1f MB' % (
                f['principals'], f['first']['task']['seconds'] * 1000.0 / f['principals'],
                f['second']['task']['seconds'] * 1000.0 / f['principals'],
                ', %.2f cached' % (f['cached']['task']['seconds'] * 1000.0 / f['principals']) if 'cached' in f else '',
                f['first']['task']['stats']['max_rss_mb']) for f in runs))
    if args.plot:
        draw_plot(all_figures, Path(args.plot))
        print('plot: %s' % args.plot)
    if args.json:
        Path(args.json).write_text(json.dumps(all_figures + ([soak] if soak else []) + budget_figures, indent=2, default=str))
    if not all_figures and not export_problems and not soak and not budget_figures:
        return 0
    problems = (check_goals(all_figures) if all_figures else []) + export_problems + (soak_problems(soak) if soak else [])
    # The time goals are those of N = 1,000 (and 10,000 against 1,000 for linearity): a run without them checks fewer.
    print('goals: ' + ('all those this run measures are met' if not problems else 'NOT met: ' + '; '.join(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
