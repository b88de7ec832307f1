# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Graph to a folder: one run of graph_profile_photo_export.

Users go through a bounded pool of workers, one chunk of up to 20 at a time: one $batch of metadata reads, then one of
downloads for the users whose file cannot be shown to hold their photo already (the manifest's ETag and the file's
sha256 both as at the last export), then the files that differ are written. What no user needs any more is removed
afterwards (prune), and the manifest is written last. An item that fails does not stop the others.

The order is what keeps a killed run harmless: files first, the manifest last, each atomically. Until the manifest is
written the old one is in place, and a file it lists is trusted only when its sha256 on disk is the listed one.
"""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ansible_collections.graphops.msgraph.plugins.module_utils._export.file_names import file_name, name_problem
from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_names import case_duplicates
from ansible_collections.graphops.msgraph.plugins.module_utils._export.folder import KIND_FILE, KIND_LINK
from ansible_collections.graphops.msgraph.plugins.module_utils._export.manifest import MANIFEST_NAME, ExportManifest, ManifestEntry
from ansible_collections.graphops.msgraph.plugins.module_utils._export.photo_reads import FULL_SIZE, ExportReads, side_of
from ansible_collections.graphops.msgraph.plugins.module_utils._files.private_files import LocalFileError
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import MAX_BATCH_REQUESTS
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchRunner
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import sniff_content_type
from ansible_collections.graphops.msgraph.plugins.module_utils._directory.users import UserDirectory
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.file_extensions import PHOTO_EXTENSIONS
from ansible_collections.graphops.msgraph.plugins.module_utils._directory.scope import read_scope

ACTION_EXPORTED = 'exported'
ACTION_UNCHANGED = 'unchanged'
ACTION_REMOVED = 'removed'
ACTION_NONE = 'none'
TOTAL_KEYS = ('exported', 'unchanged', 'removed', 'no_photo', 'skipped', 'failed')
DEFAULT_CONCURRENCY = 32
CHUNK_SIZE = MAX_BATCH_REQUESTS

# What a user's outcome means for the files the manifest lists for them.
HOLDS_FILE = 'holds'      # exported or unchanged: this file is theirs; any other file listed for them is an old name
NEEDS_NONE = 'none'       # no photo, or none in this size: their listed files go with prune
UNKNOWN = 'unknown'       # skipped for their name, or failed: their listed files are kept as they are


@dataclass
class ExportUser:
    """A user of the scope and the file name their name_by value gives (or why it gives none)."""

    index: int
    id: str
    label: str
    name: str | None
    skip_reason: str | None = None
    error: str | None = None


@dataclass
class Outcome:
    user: ExportUser
    action: str
    reason: str
    stance: str
    file: str | None = None
    changed: bool = False
    skipped: bool = False
    error: str | None = None
    entry: ManifestEntry | None = None
    written: bool = False
    # (file, sha256 before or None, sha256 after or None) for --diff
    diff: list = field(default_factory=list)


@dataclass
class ExportReport:
    results: list
    totals: dict
    diff: dict
    stats: dict
    warnings: list
    changed: bool

    @property
    def failed(self) -> list:
        return [result for result in self.results if result['error']]


def read_users(client, *, scope, name_by: str, concurrency: int) -> tuple:
    """The users to export (scope's, else every user of the tenant) with the properties needed, and the directory's
    counters; raises DirectoryReadError (a GraphModuleError) naming what to fix."""
    select = list(dict.fromkeys(('id', 'userPrincipalName', name_by)))
    directory = UserDirectory(client, concurrency=min(8, concurrency))
    if scope is not None:
        users = list(read_scope(directory, scope, select).values())
    else:
        users = directory.list_users(select=select)
    return users, dict(directory_requests=directory.stats.requests, directory_seconds=round(directory.stats.seconds, 3))


def export_users(users: list, *, name_by: str) -> list:
    """ExportUsers in listing order: a value that cannot name a file is skipped; values equal without regard to case
    are failed, each naming the others, and neither file is written."""
    planned = []
    for user in users:
        label = user.get('userPrincipalName') or user['id']
        value = user.get(name_by)
        problem = name_problem(name_by, value)
        planned.append(ExportUser(index=len(planned), id=user['id'].lower(), label=label,
                                  name=value if problem is None else None,
                                  skip_reason='%s %s; no file is written for this user.' % (label, problem) if problem else None))
    named = {user.index: user.name for user in planned if user.name is not None}
    by_index = {user.index: user for user in planned}
    for index, others in case_duplicates(named).items():
        user = by_index[index]
        names = ', '.join('%s (%s)' % (by_index[other].label, by_index[other].name) for other in others)
        user.error = ('%s and %s have the same %s "%s" when case is ignored, as file systems and src_dir matching may see it: '
                      'neither file is written until only one user has it.' % (user.label, names, name_by, user.name))
    return planned


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PhotoExport:
    """Runs one export; the only writes go through its ExportFolder (folder.py), which knows check mode."""

    def __init__(self, client, folder, *, name_by: str, size: str = FULL_SIZE, prune: bool = False,
                 concurrency: int = DEFAULT_CONCURRENCY, runner: BatchRunner | None = None, scope_text: str | None = None):
        self.folder = folder
        self.name_by = name_by
        self.size = size
        self.prune = prune
        self.concurrency = max(1, concurrency)
        self.runner = runner or BatchRunner(client)
        self.reads = ExportReads(self.runner, size=size)
        self.scope_text = scope_text
        self.manifest = ExportManifest()

    # --- the run ---
    def run(self, users: list) -> ExportReport:
        started = time.monotonic()
        self.folder.scan()
        self.manifest = ExportManifest.load(self.folder.path)
        self.folder.prepare()
        outcomes = []
        runnable = []
        for user in users:
            if user.error:
                outcomes.append(self._failed(user, user.error))
            elif user.skip_reason:
                outcomes.append(Outcome(user=user, action=ACTION_NONE, reason=user.skip_reason, stance=UNKNOWN, skipped=True))
            else:
                runnable.append(user)
        chunks = [runnable[start:start + CHUNK_SIZE] for start in range(0, len(runnable), CHUNK_SIZE)]
        if chunks:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(chunks))) as workers:
                for chunk_outcomes in workers.map(self._export_chunk, chunks):
                    outcomes.extend(chunk_outcomes)
        outcomes.sort(key=lambda outcome: outcome.user.index)
        for outcome in outcomes:
            if outcome.stance == HOLDS_FILE and not outcome.written:
                outcome.changed = self.folder.settle_attributes(outcome.file)
        entries, removals = self._settle_listed_files(outcomes)
        outcomes.extend(removals)
        manifest_changed = self._write_manifest(entries)
        results = [self._result(outcome) for outcome in outcomes]
        stats = self.runner.stats
        report_stats = dict(users=len(users), batches=stats.batches, inner_requests=stats.inner_requests,
                            inner_retries=stats.inner_retries, budget_waits=stats.budget_waits,
                            budget_429s=self.runner.gate.budget_429s, budgets=self.runner.gate.describe(),
                            downloads=self.reads.downloads,
                            downloaded_bytes=self.reads.downloaded_bytes, peak_per_mailbox=self.runner.slots.peak,
                            stale_temporaries=len(self.folder.stale_temporaries), seconds=round(time.monotonic() - started, 3))
        changed = bool(self.folder.created) or any(outcome.changed for outcome in outcomes) or manifest_changed
        return ExportReport(results=results, totals=self._totals(results), diff=self._diff(outcomes), stats=report_stats,
                            warnings=list(self.manifest.warnings), changed=changed)

    # --- one chunk: metadata in one $batch, downloads in another, then the files ---
    def _export_chunk(self, users: list) -> list:
        outcomes = []
        metadata = self.reads.metadata(users)
        to_download = []
        for user in users:
            outcome = self._from_metadata(user, metadata[user.index])
            if outcome is None:
                to_download.append(user)
            else:
                outcomes.append(outcome)
        if to_download:
            downloads = self.reads.download(to_download)
            for user in to_download:
                outcome = self._from_download(user, metadata[user.index].value, downloads[user.index])
                outcomes.append(outcome)
        return outcomes

    def _from_metadata(self, user: ExportUser, read) -> Outcome | None:
        """The outcome the metadata settles, or None when the photo must be downloaded."""
        if read.error:
            return self._failed(user, read.error)
        if read.missing:
            return Outcome(user=user, action=ACTION_NONE, reason='%s has no photo.' % user.label, stance=NEEDS_NONE)
        meta = read.value
        if self.size != FULL_SIZE and meta.offers(side_of(self.size)) is False:
            return self._not_offered(user, '(the photo is %dx%d)' % (meta.width, meta.height))
        known = self._unchanged_since_last_export(user, meta)
        if known is None:
            return None
        clash = self._foreign_clash(user, known.file)
        if clash:
            return self._failed(user, clash)
        return Outcome(user=user, action=ACTION_UNCHANGED, file=known.file, stance=HOLDS_FILE, entry=replace(known, user=user.label),
                       reason='The photo\'s ETag and the file are as at the last export: nothing was downloaded.')

    def _unchanged_since_last_export(self, user: ExportUser, meta) -> ManifestEntry | None:
        """The manifest entry whose file still holds this user's photo as Graph serves it now, without a download."""
        if not meta.etag:
            return None
        for entry in self.manifest.files_of(user.id):
            if os.path.splitext(entry.file)[0] == user.name and entry.etag == meta.etag and entry.size == self.size \
                    and self.folder.digest(entry.file) == entry.sha256:
                return entry
        return None

    def _from_download(self, user: ExportUser, meta, read) -> Outcome:
        if read.error:
            return self._failed(user, read.error)
        if read.missing:
            if self.size == FULL_SIZE:
                return Outcome(user=user, action=ACTION_NONE, reason='%s has no photo.' % user.label, stance=NEEDS_NONE)
            return self._not_offered(user, '(Graph answered no picture of that size)')
        data = read.value
        content_type = sniff_content_type(data)
        name = file_name(user.name, content_type)
        if name is None:
            return self._failed(user, 'Graph served the photo of %s as %s, which is neither JPEG nor PNG; nothing is written.' % (
                user.label, content_type or 'bytes that are not an image'))
        kind = self.folder.kind(name)
        if kind is not None and kind != KIND_FILE:
            return self._failed(user, '%s is %s, not a regular file: the module never writes through one; remove it.' % (
                self.shown(name), 'a symbolic link' if kind == KIND_LINK else 'a folder or a special file'))
        clash = self._foreign_clash(user, name)
        if clash:
            return self._failed(user, clash)
        sha = _sha256(data)
        entry = ManifestEntry(file=name, user_id=user.id, user=user.label, etag=meta.etag, sha256=sha, size=self.size,
                              content_type=content_type)
        before = self.folder.digest(name)
        listed = self.manifest.entries.get(name)
        if before == sha:
            if listed is None or listed.user_id != user.id:
                reason = 'The file already held the bytes Graph serves; it is now recorded as this module\'s.'
            elif listed.etag != meta.etag:
                reason = 'Graph gave the photo a new ETag, but its bytes are those of the file: nothing was written.'
            else:
                reason = 'The file holds the bytes Graph serves.'
            return Outcome(user=user, action=ACTION_UNCHANGED, file=name, stance=HOLDS_FILE, entry=entry, reason=reason)
        try:
            self.folder.write(name, data)
        except LocalFileError as exc:
            return self._failed(user, str(exc))
        return Outcome(user=user, action=ACTION_EXPORTED, file=name, stance=HOLDS_FILE, entry=entry, changed=True, written=True,
                       reason=self._export_reason(user, before, listed), diff=[(name, before, sha)])

    def _export_reason(self, user: ExportUser, before: str | None, listed: ManifestEntry | None) -> str:
        if before is None:
            return 'No file yet.' if listed is None else 'The file was missing; written again.'
        if listed is None or listed.user_id != user.id:
            return 'Replaced a file that did not hold the bytes Graph serves.'
        if listed.sha256 == before:
            return 'The photo changed in Graph.'
        return 'The file had been changed on disk since the export; written again with the bytes Graph serves.'

    def _not_offered(self, user: ExportUser, detail: str) -> Outcome:
        return Outcome(user=user, action=ACTION_NONE, stance=NEEDS_NONE, skipped=True,
                       reason='Graph does not offer the photo of %s in size %s %s; no file is written.' % (user.label, self.size, detail))

    def _foreign_clash(self, user: ExportUser, name: str) -> str | None:
        """A photo file the module did not write whose name differs from name only in case or extension: with it the
        folder would hold two photos for this user as a src_dir scan (case-insensitive) sees it."""
        others = [other for other in self.folder.same_name(user.name)
                  if other != name and other not in self.manifest.entries
                  and os.path.splitext(other)[1].lower() in PHOTO_EXTENSIONS]
        if not others:
            return None
        return ('dest_dir also holds %s, which this module did not write: with it a src_dir scan would find two photos for %s. '
                'Remove or rename it; nothing is written for this user until then.' % (', '.join(others), user.label))

    @staticmethod
    def _failed(user: ExportUser, error: str) -> Outcome:
        return Outcome(user=user, action=ACTION_NONE, reason=error, stance=UNKNOWN, error=error)

    # --- what the manifest lists beyond this run's files: old names, and prune ---
    def _settle_listed_files(self, outcomes: list) -> tuple:
        """The entries of the next manifest, and the outcomes of files removed for users not in this run."""
        by_user = {outcome.user.id: outcome for outcome in outcomes}
        holding = {outcome.file for outcome in outcomes if outcome.stance == HOLDS_FILE}
        entries = {outcome.file: outcome.entry for outcome in outcomes if outcome.stance == HOLDS_FILE}
        extra = []
        for name, entry in sorted(self.manifest.entries.items()):
            if name in holding:
                continue
            owner = by_user.get(entry.user_id)
            stance = owner.stance if owner is not None else None
            if stance == UNKNOWN or (stance != HOLDS_FILE and not self.prune):
                entries[name] = entry  # kept as it is: listed, so a later run (with prune) can still remove it
                if stance == NEEDS_NONE:
                    owner.reason += ' Its earlier export %s is kept (prune is false).' % name
                continue
            if stance == HOLDS_FILE:
                why = 'the file of %s under its earlier name; its photo is now in %s' % (entry.user, owner.file)
            elif stance == NEEDS_NONE:
                why = owner.reason
            else:
                why = '%s is no longer %s.' % (entry.user, 'in scope (or in the tenant)' if self.scope_text else 'in the tenant')
            try:
                removed = self.folder.remove(name, keep=holding)
            except LocalFileError as exc:
                entries[name] = entry
                extra.append(self._removal(entry, owner, error=str(exc)))
                continue
            if not removed:
                continue  # already gone: nothing to remove, and nothing left to list
            if stance == HOLDS_FILE:
                owner.diff.append((name, entry.sha256, None))
                owner.changed = True
                owner.reason += ' Removed %s, %s.' % (name, why)
            elif owner is not None and owner.action == ACTION_NONE:
                owner.action, owner.file, owner.changed, owner.skipped = ACTION_REMOVED, name, True, False
                owner.reason = '%s Its earlier export %s is removed (prune).' % (owner.reason, name)
                owner.diff.append((name, entry.sha256, None))
            else:
                extra.append(self._removal(entry, owner, reason='%s Its earlier export %s is removed (prune).' % (why, name)))
        return entries, extra

    @staticmethod
    def _removal(entry: ManifestEntry, owner, *, reason: str | None = None, error: str | None = None) -> Outcome:
        user = owner.user if owner is not None else ExportUser(index=-1, id=entry.user_id, label=entry.user,
                                                               name=os.path.splitext(entry.file)[0])
        outcome = Outcome(user=user, action=ACTION_REMOVED if error is None else ACTION_NONE, file=entry.file,
                          reason=reason or error, stance=NEEDS_NONE, changed=error is None, error=error)
        if error is None:
            outcome.diff.append((entry.file, entry.sha256, None))
        return outcome

    def _write_manifest(self, entries: dict) -> bool:
        """Write the manifest when what it lists changed (never in check mode). Returns whether its file options had to
        change: a manifest that only follows Graph (a new ETag) is bookkeeping, not a change of the folder."""
        data = ExportManifest(entries).to_json()
        try:
            with open(self.folder.path_of(MANIFEST_NAME), 'rb') as handle:
                current = handle.read()
        except OSError:
            current = None
        if current == data:
            return self.folder.settle_attributes(MANIFEST_NAME)
        if current is not None or entries:
            self.folder.write(MANIFEST_NAME, data)
        return False

    # --- results ---
    def shown(self, name: str) -> str:
        return os.path.join(os.path.abspath(self.folder.given), name)

    def _result(self, outcome: Outcome) -> dict:
        user = outcome.user
        return dict(user=user.label, id=user.id, name=user.name, action=outcome.action, changed=outcome.changed,
                    skipped=outcome.skipped, file=self.shown(outcome.file) if outcome.file else None,
                    reason=outcome.reason, error=outcome.error)

    @staticmethod
    def _totals(results: list) -> dict:
        totals = dict.fromkeys(TOTAL_KEYS, 0)
        for result in results:
            if result['error']:
                totals['failed'] += 1
            elif result['skipped']:
                totals['skipped'] += 1
            elif result['action'] == ACTION_NONE:
                totals['no_photo'] += 1
            else:
                totals[result['action']] += 1
        return totals

    def _diff(self, outcomes: list) -> dict:
        """Before and after of the files that change, one line each: a unified diff shows + added, - removed, both changed."""
        before, after = [], []
        for outcome in outcomes:
            for name, old, new in outcome.diff:
                if old is not None:
                    before.append('%s  sha256:%s\n' % (name, old))
                if new is not None:
                    after.append('%s  sha256:%s\n' % (name, new))
        header = os.path.abspath(self.folder.given)
        return dict(before_header=header, after_header=header, before=''.join(sorted(before)), after=''.join(sorted(after)))
