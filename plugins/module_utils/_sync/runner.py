# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bulk photo sync: many principals in one module run.

Items go through a bounded pool of workers, one chunk of up to 20 at a time: load and check the local photos,
read the current photos in one $batch, compare, and write what differs in another $batch. With backup_dir, the
photos about to be replaced or removed are read in full (one more $batch, only for them) and saved before that
write. A chunk's images are dropped when its results are built, so memory stays flat however many principals there
are. An item that fails is reported with its reason and does not stop the others.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchItemFailure, BatchRunner
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.compute_pool import PRIORITY_FINISH, PRIORITY_START, ComputePool
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import MAX_BATCH_REQUESTS
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.bulk_writer import BatchPhotoWriter
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.diff import photo_diff, photo_facts_dict
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.error_messages import describe_photo_error, is_no_photo
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.cache import (
    VERDICT_SAME,
    VERDICT_SET,
    cached_plan,
    verdict_settings,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.reads import CurrentPhotoReads
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.renditions import FULL_PHOTO
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import (
    ACTION_NONE,
    ACTION_REMOVE,
    ACTION_SET,
    PhotoOperationError,
    check_deletable,
    graph_photo_facts,
    needs_size_for_upgrade,
    plan_photo,
    upgrade_or_keep,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import app_only_token_problem

TOTAL_KEYS = ('unchanged', 'set', 'removed', 'failed', 'skipped')
# With replace_smaller_than: photos that differ from their file and were kept, being at least that large.
KEPT_TOTAL_KEY = 'kept'
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
        differs = 'the photo differs from src' if compare == 'perceptual' else 'the photo bytes differ from src (compare=sha256)'
        return differs if plan.upgrade is None else '%s; %s' % (differs, plan.upgrade['reason'])
    if plan.action == ACTION_REMOVE:
        return 'a photo is set; declared absent'
    if plan.kept_existing:
        return 'a photo is already set; kept because force is false'
    if plan.kept_larger:
        return 'the photo differs from src; %s' % plan.upgrade['reason']
    if plan.after is None:
        return 'no photo, as declared'
    return 'the photo already shows src'


# result_detail: compact keeps these keys of each result: what a report or a loop over the results needs. Ansible
# walks every value of a module's result twice (no_log scrubbing in the module, processing in the controller), about
# 0.37 ms per full result and about 0.16 ms per compact one (docs/docsite/rst/performance.rst).
RESULT_DETAILS = ('full', 'compact')
COMPACT_RESULT_KEYS = ('principal', 'src', 'state', 'action', 'changed', 'skipped', 'error', 'reason', 'has_photo',
                       'backup_file', 'upgrade')


def compact_result(result: dict) -> dict:
    """A result with only COMPACT_RESULT_KEYS (result_detail: compact); the facts, upload and cache keys go."""
    return {key: result.get(key) for key in COMPACT_RESULT_KEYS}


def compact_results(results: list) -> list:
    return [compact_result(result) for result in results]


def totals_of(results: list, *, kept: bool = False) -> dict:
    """How many results ended in each way; ``kept`` (replace_smaller_than) counts the photos kept apart."""
    totals = dict.fromkeys(TOTAL_KEYS + ((KEPT_TOTAL_KEY,) if kept else ()), 0)
    for result in results:
        if result['error']:
            totals['failed'] += 1
        elif result.get('skipped'):
            totals['skipped'] += 1
        elif kept and result.get('upgrade') and not result['upgrade']['upgraded'] and result['action'] == ACTION_NONE:
            totals[KEPT_TOTAL_KEY] += 1
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
                 compute_threads: int | None = None, prepare: str = 'auto', crop: str = 'none', force: bool = True,
                 cache=None, backups=None, result_detail: str = 'full', replace_smaller_than: int | None = None):
        self.client = client
        self.compare = compare
        # What is uploaded for each file (_photo/prepare.py), and whether existing photos are replaced.
        self.prepare = prepare
        self.crop = crop
        self.force = force
        # Existing photos that differ are replaced only when smaller than this (pixels, largest side); None: always.
        self.replace_smaller_than = replace_smaller_than
        self.want_diff = want_diff
        self.concurrency = max(1, concurrency)
        self.app_only = app_only
        self.runner = runner or BatchRunner(client)
        # PhotoBackups or None (backup_dir): the photos replaced or removed are saved there first; check mode saves none.
        self.backups = backups if not check_mode else None
        self.writer = BatchPhotoWriter(self.runner, check_mode=check_mode, backups_required=backups is not None)
        self.compute_threads = compute_threads or min(2, os.cpu_count() or 2)
        self._compute = None
        # Reads of the photos Graph holds: a small rendition, the photo itself as fallback (photo_sync_reads).
        self.reads = CurrentPhotoReads(self.runner, compare=compare)
        # PhotoSyncCache or None: verdicts of earlier runs that an unchanged ETag and file let this run reuse.
        self.cache = cache
        # compact: each chunk's results are made compact as the chunk ends, so that a run of 50,000 never holds every
        # full result (about 2-3 KB each in memory; docs/docsite/rst/performance.rst, "Very large tenants").
        self.result_detail = result_detail
        self._file_digests = {}
        # The perceptual hash is only shown, never used to decide: computed when a diff shows it.
        self.with_phash = want_diff
        self.defers_preparation = compare == 'perceptual' and crop == 'none'
        # CPU seconds of each compare (both photos decoded, then matched); list.append is atomic across threads.
        self._compare_cpu = []
        # Items whose preview was dropped before it started: their principal has no photo.
        self._previews_dropped = []

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
        if self.result_detail == 'compact':
            outcomes = [(index, compact_result(result), diff) for index, result, diff in outcomes]
        chunks = [runnable[start:start + CHUNK_SIZE] for start in range(0, len(runnable), CHUNK_SIZE)]
        if chunks:
            # Workers wait on the network; image work goes to a few compute threads, one per core: more threads
            # than cores would only fight over the interpreter lock.
            with ComputePool(self.compute_threads) as compute, \
                    ThreadPoolExecutor(max_workers=min(self.concurrency, len(chunks))) as workers:
                self._compute = compute
                for chunk_outcomes in workers.map(self._finished_chunk, chunks):
                    outcomes.extend(chunk_outcomes)
            self._compute = None
        outcomes.sort(key=lambda outcome: outcome[0])
        results = [outcome[1] for outcome in outcomes]
        diffs = [outcome[2] for outcome in outcomes if outcome[2] is not None]
        stats = self.runner.stats
        compared = len(self._compare_cpu)
        return SyncReport(results=results, totals=totals_of(results, kept=self.replace_smaller_than is not None), diffs=diffs, stats=dict(
            items=len(items),
            batches=stats.batches,
            inner_requests=stats.inner_requests,
            inner_retries=stats.inner_retries,
            budget_waits=stats.budget_waits,
            budget_429s=self.runner.gate.budget_429s, budgets=self.runner.gate.describe(),
            peak_per_mailbox=self.runner.slots.peak,
            compared=compared,
            compare_cpu_ms=round(sum(self._compare_cpu) * 1000.0, 1),
            previews_dropped=len(self._previews_dropped),
            cache_hits=self.cache.hits if self.cache is not None else 0,
            files_hashed=self.cache.digests.hashed if self.cache is not None else 0,
            seconds=round(time.monotonic() - started, 3),
        ))

    def _finished_chunk(self, chunk: list) -> list:
        """The outcomes of one chunk, their results compact as soon as the chunk ends with result_detail: compact."""
        outcomes = self._sync_chunk(chunk)
        if self.result_detail == 'compact':
            return [(index, compact_result(result), diff) for index, result, diff in outcomes]
        return outcomes

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
        metadata, hits = {}, {}
        if self.cache is not None:
            metadata, hits = self._cached_verdicts(readable)
        # The local photos are decoded on the compute threads while this thread waits for Graph's answer.
        to_compare = [item for item in readable if item.index not in hits]
        previews = {item.index: self._compute.submit(PRIORITY_START, self._load_source, item, True)
                    for item in to_compare if item.state == 'present'}
        # With a report, a cached verdict still downloads the small rendition: the report shows it.
        reads = self.reads.photos(readable if self.on_images is not None else to_compare, metadata)
        if self.on_images is None:
            # A principal without a photo compares nothing: its preview is dropped if it has not started yet, and
            # _plan_chunk prepares its upload straight from the file (no report shows the preview either).
            for index, future in previews.items():
                if self._shows_no_photo(reads.get(index)) and future.cancel():
                    self._previews_dropped.append(index)
        sources = {index: future.result() for index, future in previews.items() if not future.cancelled()}
        plans, failures = self._compute.submit(PRIORITY_FINISH, self._plan_chunk, readable, sources, reads, hits).result()
        outcomes.extend(failures)
        if self.replace_smaller_than is not None:
            plans = self._upgrades_or_kept(readable, plans, metadata)
        in_hand = self._full_photos_in_hand(plans, reads) if self.backups is not None else {}
        # Images of this chunk not needed for an upload (or a backup) can go now.
        sources.clear()
        reads.clear()

        backup_errors = self._back_up(readable, plans, in_hand) if self.backups is not None else {}
        errors = self.writer.apply({index: plan for index, plan in plans.items() if index not in backup_errors})
        errors.update(backup_errors)
        if self.cache is not None:
            self._record_verdicts(readable, plans, errors, metadata)
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

    # --- replace_smaller_than: only photos smaller than it are replaced ---
    def _upgrades_or_kept(self, items: list, plans: dict, metadata: dict) -> dict:
        """The plans with each photo that differs upgraded or kept by its largest side: from the metadata the cache
        read, from the photo when it was compared in full, else from one metadata read (batched) per such principal."""
        differing = [item for item in items if item.index in plans and needs_size_for_upgrade(plans[item.index], self.replace_smaller_than)]
        sides = {}
        unknown = []
        for item in differing:
            plan, known = plans[item.index], metadata.get(item.index)
            if known is not None and known.largest_side is not None:
                sides[item.index] = known.largest_side
            elif plan.compared_size == FULL_PHOTO:
                sides[item.index] = max(plan.before.width, plan.before.height)
            else:
                unknown.append(item)
        if unknown:
            for index, known in self.reads.metadata(unknown).items():
                if known is not None and known.largest_side is not None:
                    sides[index] = known.largest_side
        for item in differing:
            plans[item.index] = upgrade_or_keep(plans[item.index], largest_side=sides.get(item.index),
                                                replace_smaller_than=self.replace_smaller_than)
        return plans

    # --- backup_dir: the photo each write replaces or removes, saved before that write ---
    @staticmethod
    def _full_photos_in_hand(plans: dict, reads: dict) -> dict:
        """index -> the bytes of ``…/photo/$value`` already read for the compare, for the plans that need a backup."""
        in_hand = {}
        for index, plan in plans.items():
            read = reads.get(index)
            if plan.replaces_photo and read is not None and read.compared_size == FULL_PHOTO:
                answer = read.answer
                if not isinstance(answer, BatchItemFailure) and answer.ok and answer.body:
                    in_hand[index] = answer.body
        return in_hand

    def _back_up(self, items: list, plans: dict, in_hand: dict) -> dict:
        """Save the photo each plan replaces or removes, reading in full (batched) those compared from a rendition;
        plans get their backup_file. Return index -> error for the principals whose backup could not be saved."""
        # Imported here: only a run with backup_dir backs photos up (this file is imported by every sync).
        from ansible_collections.graphops.msgraph.plugins.module_utils._backup.photo_backups import (  # pylint: disable=import-outside-toplevel
            PhotoBackupError,
        )
        needing = [item for item in items if item.index in plans and plans[item.index].replaces_photo]
        fetched = self.reads.full_photos([item for item in needing if item.index not in in_hand]) if needing else {}
        errors = {}
        for item in needing:
            try:
                data = in_hand[item.index] if item.index in in_hand else self._backup_bytes(item, fetched[item.index])
                plans[item.index] = self.backups.keep(plans[item.index], item.backup_name, data)
            except PhotoBackupError as exc:
                errors[item.index] = str(exc)
        return errors

    @staticmethod
    def _backup_bytes(item, read) -> bytes:
        """The photo a backup read got; PhotoBackupError when there is none to save."""
        from ansible_collections.graphops.msgraph.plugins.module_utils._backup.photo_backups import (  # pylint: disable=import-outside-toplevel
            PhotoBackupError,
        )
        target, answer = item.target, read.answer
        if isinstance(answer, BatchItemFailure):
            cause = 'it could not be read in full: %s.' % answer
        elif answer.ok:
            return answer.body
        elif is_no_photo(answer.error(read.request)):
            cause = 'Graph no longer holds a photo for it (it changed since it was read); run the task again.'
        else:
            cause = describe_photo_error(target, 'read', answer.error(read.request))
        raise PhotoBackupError('Could not back up the photo of %s, so it was not changed: %s' % (target.label, cause))

    def _cached_verdicts(self, items: list) -> tuple:
        """Read every item's photo metadata; return (index -> PhotoMetadata or None, index -> plan from the cache)."""
        present = [item for item in items if item.state == 'present']
        # A file whose identity on disk is the one recorded with its digest is not read (_files/file_digests.py).
        digests_future = self._compute.submit(PRIORITY_START, lambda: {
            item.index: self.cache.file_digest(item.principal, item.src) for item in present})
        metadata = self.reads.metadata(items)
        self._file_digests.update(digests_future.result())
        hits = {}
        for item in present:
            known = metadata.get(item.index)
            if known is None or not known.exists:
                continue
            entry = self.cache.lookup(item.principal, etag=known.etag, file_digest=self._file_digests.get(item.index),
                                      settings=self._settings())
            if entry is not None:
                hits[item.index] = entry
        return metadata, hits

    def _settings(self) -> str:
        return verdict_settings(compare=self.compare, prepare=self.prepare, crop=self.crop)

    def _record_verdicts(self, items: list, plans: dict, errors: dict, metadata: dict) -> None:
        """Keep what this chunk learned: in-state verdicts with the ETag read, and the new ETag of each upload."""
        uploaded = []
        for item in items:
            plan = plans.get(item.index)
            if plan is None or item.state != 'present' or plan.cached is not None:
                continue
            if errors.get(item.index) or plan.kept_existing or plan.kept_larger:
                self.cache.forget(item.principal)
            elif plan.action == ACTION_NONE and plan.before is not None:
                known = metadata.get(item.index)
                self.cache.record(item.principal, etag=known.etag if known is not None else None,
                                  file_digest=self._file_digests.get(item.index), settings=self._settings(),
                                  verdict=VERDICT_SAME, compared_size=plan.compared_size, photo=photo_facts_dict(plan.before),
                                  upload=plan.upload)
            elif plan.action == ACTION_SET and not self.writer.check_mode:
                uploaded.append(item)
            else:
                self.cache.forget(item.principal)
        if uploaded:
            # Graph gives every upload a new ETag: read it back, so that the next run knows this photo is the one set.
            after = self.reads.metadata(uploaded)
            for item in uploaded:
                known = after.get(item.index)
                plan = plans[item.index]
                self.cache.record(item.principal, etag=known.etag if known is not None and known.exists else None,
                                  file_digest=self._file_digests.get(item.index),
                                  settings=self._settings(), verdict=VERDICT_SET,
                                  compared_size=None, photo=photo_facts_dict(plan.after), upload=plan.upload)

    def _load_source(self, item, compared: bool) -> tuple:
        """(SourceImage or the error sentence, CPU seconds spent) for a present item; ``compared=False`` when its
        principal has no photo, so that it is only uploaded (load_source_image)."""
        # Imported here: a run whose every principal is a cache hit reads no local photo (nor imports Pillow).
        from ansible_collections.graphops.msgraph.plugins.module_utils._photo.source import (  # pylint: disable=import-outside-toplevel
            SourceImageError,
            load_source_image,
        )
        started = time.thread_time()
        try:
            # Most photos are compared and not uploaded: one that needs preparing is compared from a small preview
            # and prepared only when it is uploaded. Not with a report (it shows the prepared photo of every item),
            # nor with crop: square (a crop taken at the preview's scale is off by up to a pixel of it).
            source = load_source_image(item.src, prepare=self.prepare, crop=self.crop, with_phash=self.with_phash,
                                       defer_preparation=self.defers_preparation and self.on_images is None,
                                       compared=compared)
        except SourceImageError as exc:
            source = str(exc)
        return source, time.thread_time() - started

    @staticmethod
    def _shows_no_photo(read) -> bool:
        """Whether Graph said the item's principal has no photo: no read at all (its metadata said so), or a read
        answered "no photo" (the full photo's read, after a rendition's 404)."""
        if read is None:
            return True
        answer = read.answer
        return not isinstance(answer, BatchItemFailure) and not answer.ok and is_no_photo(answer.error(read.request))

    def _plan_chunk(self, items: list, sources: dict, reads: dict, hits: dict) -> tuple:
        """Decode what Graph holds and decide, per item: (index -> PhotoPlan, failed outcomes)."""
        plans = {}
        failures = []
        for item in items:
            read = reads.get(item.index)
            source, source_cpu = sources.get(item.index, (None, 0.0))
            if source is None and item.state == 'present' and item.index not in hits:
                # Its preview was dropped: the principal has no photo, so the file is only uploaded.
                source, source_cpu = self._load_source(item, False)
            if self.on_images is not None:
                answer = read.answer if read is not None else None
                self.on_images(item.index, declared=getattr(source, 'data', None),
                               current=answer.body if getattr(answer, 'ok', False) else None)
            if item.index in hits:
                plans[item.index] = cached_plan(item.target, hits[item.index])
                continue
            if isinstance(source, str):
                failures.append(self._failed(item, source))
                continue
            started = time.thread_time()
            try:
                current = self._current_facts(item, read) if read is not None else None
                # missing: default never replaces a photo, whatever it shows: as force: false does for every item.
                plan = plan_photo(item.target, current, state=item.state, source=source, compare=self.compare,
                                  force=self.force and not item.only_if_no_photo)
            except PhotoOperationError as exc:
                failures.append(self._failed(item, str(exc)))
                continue
            if current is not None and item.state == 'present':
                # A real compare: the local photo and Graph's decoded, then matched.
                self._compare_cpu.append(source_cpu + time.thread_time() - started)
            if plan.action == ACTION_SET and plan.source is not None and plan.source.deferred is not None:
                from ansible_collections.graphops.msgraph.plugins.module_utils._photo.source import (  # pylint: disable=import-outside-toplevel
                    SourceImageError,
                )
                try:
                    source = plan.source.complete()
                except SourceImageError as exc:
                    failures.append(self._failed(item, str(exc)))
                    continue
                plan = replace(plan, source=source, after=source.facts)
            plans[item.index] = replace(plan, compared_size=read.compared_size if current is not None else None)
        return plans, failures

    def _current_facts(self, item, read):
        """The facts of the photo Graph holds for the item (None: no photo); PhotoOperationError when unreadable."""
        target, request, answer = item.target, read.request, read.answer
        if isinstance(answer, BatchItemFailure):
            raise PhotoOperationError('Could not read the photo of %s: %s.' % (target.label, answer))
        if answer.ok:
            return graph_photo_facts(target, answer.body, with_phash=self.with_phash)
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
        # As Graph names the principal (a guest's #EXT#, not its URL form); item.principal stays the cache's key.
        return dict(principal=item.label, src=item.src, state=item.state, skipped=False)

    def _skipped(self, item) -> tuple:
        result = self._base(item)
        result.update(action=ACTION_NONE, changed=False, error=None, skipped=True, reason=item.skip_reason, has_photo=None,
                      photo=dict(before=None, after=None), backup_file=None, upgrade=None, **compared_keys(None, cache=self.cache))
        return item.index, result, None

    def _failed(self, item, error: str, *, plan=None) -> tuple:
        result = self._base(item)
        result.update(action=plan.action if plan is not None else ACTION_NONE, changed=False, error=error, reason=error,
                      has_photo=None,
                      photo=dict(before=photo_facts_dict(plan.before) if plan is not None else None,
                                 after=photo_facts_dict(plan.before) if plan is not None else None),
                      upload=plan.upload if plan is not None else None,
                      upgrade=plan.upgrade if plan is not None else None,
                      # A backup saved before a write that then failed stays: Graph may have applied that write.
                      backup_file=plan.backup_file if plan is not None else None, **compared_keys(plan, cache=self.cache))
        return item.index, result, None

    def _done(self, item, plan) -> tuple:
        result = self._base(item)
        reason = describe_reason(plan, compare=self.compare)
        if item.only_if_no_photo:
            reason = 'no photo yet; the default photo' if plan.changed else 'has a photo; the default never replaces one'
        result.update(action=plan.action, changed=plan.changed, error=None, reason=reason, has_photo=plan.before is not None,
                      photo=dict(before=photo_facts_dict(plan.before), after=photo_facts_dict(plan.after)),
                      upload=plan.upload, upgrade=plan.upgrade, backup_file=plan.backup_file, **compared_keys(plan, cache=self.cache))
        # A photo kept by replace_smaller_than has a diff too: --diff shows which photos are upgraded and which kept.
        diff = photo_diff(plan, src=item.src) if self.want_diff and (plan.changed or plan.kept_larger) else None
        return item.index, result, diff


def compared_keys(plan, *, cache) -> dict:
    """What a result says about its compare: the picture compared (``96x96``, ``full`` or None) and the cache's part."""
    if plan is None:
        return dict(compared_size=None, cache=None)
    if cache is None:
        used = None
    else:
        used = 'hit' if plan.cached is not None else 'miss'
    return dict(compared_size=plan.compared_size, cache=used)
