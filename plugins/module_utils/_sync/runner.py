# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bulk photo sync: many principals in one module run.

Items go through a bounded pool of workers, one chunk of up to 20 at a time: load and check the local photos,
read the current photos in one $batch, compare, and write what differs in another $batch. A chunk's images
are dropped when its results are built, so memory stays flat however many principals there are. An item
that fails is reported with its reason and does not stop the others.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchItemFailure, BatchRunner
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.compute_pool import PRIORITY_FINISH, PRIORITY_START, ComputePool
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import MAX_BATCH_REQUESTS, BatchRequest
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.source import SourceImageError, load_source_image
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.bulk_writer import BatchPhotoWriter
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.diff import photo_diff, photo_facts_dict
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.error_messages import describe_photo_error, is_no_photo
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import (
    ACTION_NONE,
    ACTION_REMOVE,
    ACTION_SET,
    PhotoOperationError,
    check_deletable,
    graph_photo_facts,
    plan_photo,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import app_only_token_problem

TOTAL_KEYS = ('unchanged', 'set', 'removed', 'failed', 'skipped')
DEFAULT_CONCURRENCY = 32
CHUNK_SIZE = MAX_BATCH_REQUESTS


@dataclass
class SyncReport:
    """What the module returns: one result per item (input order), totals, diffs of changed items, counters."""

    results: list
    totals: dict
    diffs: list
    stats: dict = field(default_factory=dict)

    @property
    def failed(self) -> list:
        return [result for result in self.results if result['error']]

    @property
    def changed(self) -> bool:
        return any(result['changed'] for result in self.results)


def describe_reason(plan, *, compare: str) -> str:
    """One short sentence for reports: why the item needs (or needs no) change."""
    if plan.action == ACTION_SET:
        if plan.before is None:
            return 'no photo yet'
        return 'the photo differs from src' if compare == 'perceptual' else 'the photo bytes differ from src (compare=sha256)'
    if plan.action == ACTION_REMOVE:
        return 'a photo is set; declared absent'
    if plan.kept_existing:
        return 'a photo is already set; kept because force is false'
    if plan.after is None:
        return 'no photo, as declared'
    return 'the photo already shows src'


def totals_of(results: list) -> dict:
    totals = dict.fromkeys(TOTAL_KEYS, 0)
    for result in results:
        if result['error']:
            totals['failed'] += 1
        elif result.get('skipped'):
            totals['skipped'] += 1
        elif result['action'] == ACTION_SET:
            totals['set'] += 1
        elif result['action'] == ACTION_REMOVE:
            totals['removed'] += 1
        else:
            totals['unchanged'] += 1
    return totals


class PhotoSync:
    """Runs one sync; the only write path is the BatchPhotoWriter it holds."""

    # on_images(index, declared=bytes or None, current=bytes or None), when set, sees each read item's local photo
    # and Graph's while they are in hand (on a compute thread): the HTML report makes its thumbnails there.
    on_images = None

    def __init__(self, client, *, check_mode: bool, compare: str = 'perceptual', want_diff: bool = False,
                 concurrency: int = DEFAULT_CONCURRENCY, app_only: bool = False, runner: BatchRunner | None = None,
                 compute_threads: int | None = None, prepare: str = 'auto', crop: str = 'none', force: bool = True):
        self.client = client
        self.compare = compare
        # What is uploaded for each file (_photo/prepare.py), and whether existing photos are replaced.
        self.prepare = prepare
        self.crop = crop
        self.force = force
        self.want_diff = want_diff
        self.concurrency = max(1, concurrency)
        self.app_only = app_only
        self.runner = runner or BatchRunner(client)
        self.writer = BatchPhotoWriter(self.runner, check_mode=check_mode)
        self.compute_threads = compute_threads or min(2, os.cpu_count() or 2)
        self._compute = None
        # CPU seconds of each compare (both photos decoded, then matched); list.append is atomic across threads.
        self._compare_cpu = []

    def run(self, items: list) -> SyncReport:
        started = time.monotonic()
        outcomes = []
        runnable = []
        for item in items:
            if item.error:
                outcomes.append(self._failed(item, item.error))
            elif item.skip_reason:
                outcomes.append(self._skipped(item))
            elif item.target.needs_delegated_token and self.app_only:
                outcomes.append(self._failed(item, app_only_token_problem(item.target, app_only=True)))
            else:
                runnable.append(item)
        chunks = [runnable[start:start + CHUNK_SIZE] for start in range(0, len(runnable), CHUNK_SIZE)]
        if chunks:
            # Workers wait on the network; image work goes to a few compute threads, one per core: more threads
            # than cores would only fight over the interpreter lock.
            with ComputePool(self.compute_threads) as compute, \
                    ThreadPoolExecutor(max_workers=min(self.concurrency, len(chunks))) as workers:
                self._compute = compute
                for chunk_outcomes in workers.map(self._sync_chunk, chunks):
                    outcomes.extend(chunk_outcomes)
            self._compute = None
        outcomes.sort(key=lambda outcome: outcome[0])
        results = [outcome[1] for outcome in outcomes]
        diffs = [outcome[2] for outcome in outcomes if outcome[2] is not None]
        stats = self.runner.stats
        compared = len(self._compare_cpu)
        return SyncReport(results=results, totals=totals_of(results), diffs=diffs, stats=dict(
            items=len(items),
            batches=stats.batches,
            inner_requests=stats.inner_requests,
            inner_retries=stats.inner_retries,
            peak_per_mailbox=self.runner.slots.peak,
            compared=compared,
            compare_cpu_ms=round(sum(self._compare_cpu) * 1000.0, 1),
            seconds=round(time.monotonic() - started, 3),
        ))

    # --- one chunk: local checks, one batched read, compare, one batched write ---
    def _sync_chunk(self, chunk: list) -> list:
        outcomes = []
        readable = []
        for item in chunk:
            if item.state == 'absent':
                try:
                    check_deletable(item.target)
                except PhotoOperationError as exc:
                    outcomes.append(self._failed(item, str(exc)))
                    continue
            readable.append(item)
        if not readable:
            return outcomes
        # The local photos are decoded on the compute threads while this thread waits for Graph's answer.
        sources_future = self._compute.submit(PRIORITY_START, self._load_sources, readable)
        requests = {item.index: BatchRequest(id=str(item.index), method='GET', path=item.target.photo_value_path)
                    for item in readable}
        answers = self.runner.run(list(requests.values()))
        sources = sources_future.result()
        plans, failures = self._compute.submit(PRIORITY_FINISH, self._plan_chunk, readable, sources, requests, answers).result()
        outcomes.extend(failures)
        # Images of this chunk not needed for an upload can go now.
        sources.clear()
        answers.clear()

        errors = self.writer.apply(plans)
        for item in readable:
            plan = plans.get(item.index)
            if plan is None:
                continue
            error = errors.get(item.index)
            if error:
                outcomes.append(self._failed(item, error, plan=plan))
            else:
                outcomes.append(self._done(item, plan))
        return outcomes

    def _load_sources(self, items: list) -> dict:
        """index -> (SourceImage or the error sentence, CPU seconds spent)."""
        sources = {}
        for item in items:
            if item.state != 'present':
                continue
            started = time.thread_time()
            try:
                source = load_source_image(item.src, prepare=self.prepare, crop=self.crop)
            except SourceImageError as exc:
                source = str(exc)
            sources[item.index] = (source, time.thread_time() - started)
        return sources

    def _plan_chunk(self, items: list, sources: dict, requests: dict, answers: dict) -> tuple:
        """Decode what Graph holds and decide, per item: (index -> PhotoPlan, failed outcomes)."""
        plans = {}
        failures = []
        for item in items:
            source, source_cpu = sources.get(item.index, (None, 0.0))
            if self.on_images is not None:
                answer = answers[str(item.index)]
                self.on_images(item.index, declared=getattr(source, 'data', None),
                               current=answer.body if getattr(answer, 'ok', False) else None)
            if isinstance(source, str):
                failures.append(self._failed(item, source))
                continue
            started = time.thread_time()
            try:
                current = self._current_facts(item, requests[item.index], answers[str(item.index)])
                # missing: default never replaces a photo, whatever it shows: as force: false does for every item.
                plans[item.index] = plan_photo(item.target, current, state=item.state, source=source, compare=self.compare,
                                               force=self.force and not item.only_if_no_photo)
            except PhotoOperationError as exc:
                failures.append(self._failed(item, str(exc)))
                continue
            if current is not None and item.state == 'present':
                # A real compare: the local photo and Graph's decoded, then matched.
                self._compare_cpu.append(source_cpu + time.thread_time() - started)
        return plans, failures

    def _current_facts(self, item, request, answer):
        """The facts of the photo Graph holds for the item (None: no photo); PhotoOperationError when unreadable."""
        target = item.target
        if isinstance(answer, BatchItemFailure):
            raise PhotoOperationError('Could not read the photo of %s: %s.' % (target.label, answer))
        if answer.ok:
            return graph_photo_facts(target, answer.body)
        error = answer.error(request)
        if is_no_photo(error):
            return None
        message = describe_photo_error(target, 'read', error)
        if error.status == 404 and item.src:
            message += ' (The principal was taken from %s.)' % item.src
        raise PhotoOperationError(message)

    # --- results ---
    @staticmethod
    def _base(item) -> dict:
        return dict(principal=item.principal, src=item.src, state=item.state, skipped=False)

    def _skipped(self, item) -> tuple:
        result = self._base(item)
        result.update(action=ACTION_NONE, changed=False, error=None, skipped=True, reason=item.skip_reason,
                      photo=dict(before=None, after=None))
        return item.index, result, None

    def _failed(self, item, error: str, *, plan=None) -> tuple:
        result = self._base(item)
        result.update(action=plan.action if plan is not None else ACTION_NONE, changed=False, error=error, reason=error,
                      photo=dict(before=photo_facts_dict(plan.before) if plan is not None else None,
                                 after=photo_facts_dict(plan.before) if plan is not None else None),
                      upload=plan.upload if plan is not None else None)
        return item.index, result, None

    def _done(self, item, plan) -> tuple:
        result = self._base(item)
        reason = describe_reason(plan, compare=self.compare)
        if item.only_if_no_photo:
            reason = 'no photo yet; the default photo' if plan.changed else 'has a photo; the default never replaces one'
        result.update(action=plan.action, changed=plan.changed, error=None, reason=reason,
                      photo=dict(before=photo_facts_dict(plan.before), after=photo_facts_dict(plan.after)),
                      upload=plan.upload)
        diff = photo_diff(plan, src=item.src) if self.want_diff and plan.changed else None
        return item.index, result, diff
