# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bulk sync's ``cache``: what a previous run learned, so that a repeated audit costs one metadata read.

Per principal it keeps Graph's photo ETag (``@odata.mediaEtag`` of ``…/photo``), the sha256 of the local file
last compared or set with the file's identity on disk when it was hashed (_files/file_digests.py: the digest is reused,
without reading the file, while that identity holds), the settings the verdict was made under, the verdict, and the
facts shown in results.
Graph gives every upload a new ETag (../shared/GRAPH_PHOTO_API.md), so an unchanged ETag means the photo has not
been replaced since; with the file unchanged as well, the verdict still holds and nothing needs downloading or
decoding. Only verdicts that say the principal is in its declared state are kept: any other is compared again.

It never holds a secret or image bytes. A missing, unreadable or foreign file is ignored with a warning and
rewritten at the end of the run; the file is replaced atomically (a temporary file in the same directory, then a
rename), so a run that stops half-way leaves the previous cache whole. It names the people whose photos were
compared, and their photos' facts: it is private (0600) unless the task's mode, owner and group say otherwise
(_files/private_files.py).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.face_detector import CASCADE_FILE, DETECT_SIDE
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.face_framing import FACE_CENTRE_AT, FRAME_FACTOR
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.renditions import COMPARE_SIZE, size_label
from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_digests import FileDigests
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import ACTION_NONE, PhotoPlan

CACHE_FORMAT = 'graphops.msgraph.photo_sync_cache'
# Bump when what a verdict depends on changes (the compare, the rendition size): older entries are then foreign.
CACHE_VERSION = 1
# Verdicts that mean "Graph holds the declared picture": the only ones a later run may reuse.
VERDICT_SAME = 'same'
VERDICT_SET = 'set'
REUSABLE_VERDICTS = (VERDICT_SAME, VERDICT_SET)
FACE_CROP_SETTINGS = '%s@%d,%s,%s' % (CASCADE_FILE, DETECT_SIDE, FRAME_FACTOR, FACE_CENTRE_AT)


class CachePathError(GraphOptionError):
    """The cache option names a path that cannot be written; str() names the problem and the fix."""


def check_cache_path(path: str) -> None:
    """Fail before any request when the cache could not be written at the end of the run."""
    if os.path.isdir(path):
        raise CachePathError('cache: %s is a directory; set cache to a file path such as %s.'
                             % (path, os.path.join(path, 'photo-sync-cache.json')))
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CachePathError('cache: the directory %s does not exist; create it or set cache to a path in an existing directory.'
                             % directory)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise CachePathError('cache: the directory %s is not writable by the user running the module; choose another path.'
                             % directory)


def verdict_settings(*, compare: str, prepare: str, crop: str) -> str:
    """What a verdict depends on besides the file and Graph's photo; an entry made under other settings is not reused.
    crop: face names its detector and framing too: another of either may frame the same file otherwise."""
    if crop == 'face':
        crop = 'face(%s)' % FACE_CROP_SETTINGS
    return 'compare=%s prepare=%s crop=%s rendition=%s' % (compare, prepare, crop, size_label(COMPARE_SIZE))


class PhotoSyncCache:
    """The entries of one cache file; lookups and records are safe from several threads."""

    def __init__(self, path: str, entries: dict | None = None, warnings: list | None = None, digests: FileDigests | None = None):
        self.path = path
        self.entries = dict(entries or {})
        self.warnings = list(warnings or [])
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.digests = digests or FileDigests()
        # principal -> (sha256, identity) of its file as this run found it: record() keeps the identity with the digest.
        self._files = {}

    @classmethod
    def load(cls, path: str) -> 'PhotoSyncCache':
        """The cache at path; a missing, unreadable or foreign file gives an empty cache and a warning."""
        try:
            with open(path, 'rb') as handle:
                raw = handle.read()
        except FileNotFoundError:
            return cls(path, warnings=['cache: %s does not exist yet; every principal is compared, and the file is written '
                                       'at the end of the run.' % path])
        except OSError as exc:
            return cls(path, warnings=['cache: %s cannot be read (%s); it is ignored, every principal is compared, and the file '
                                       'is rewritten at the end of the run.' % (path, exc.strerror or exc)])
        try:
            payload = json.loads(raw.decode('utf-8'))
        except (UnicodeDecodeError, ValueError):
            payload = None
        if (not isinstance(payload, dict) or payload.get('format') != CACHE_FORMAT or payload.get('version') != CACHE_VERSION
                or not isinstance(payload.get('entries'), dict)):
            return cls(path, warnings=['cache: %s is not a photo sync cache of this version of graphops.msgraph; it is ignored, '
                                       'every principal is compared, and the file is rewritten at the end of the run.' % path])
        entries = {key: _shared_strings(value) for key, value in payload['entries'].items()
                   if isinstance(key, str) and _valid_entry(value)}
        return cls(path, entries=entries)

    def file_digest(self, principal: str, path: str | None) -> str | None:
        """The sha256 of the principal's file now: the recorded one while the file's identity on disk is the one
        recorded with it, else the file hashed (_files/file_digests.py). None when it cannot be read."""
        with self._lock:
            entry = self.entries.get(principal)
        digest, identity = self.digests.digest(path, entry)
        with self._lock:
            self._files[principal] = (digest, identity)
        return digest

    def lookup(self, principal: str, *, etag: str | None, file_digest: str | None, settings: str) -> dict | None:
        """The entry whose verdict still holds for principal, or None (then the principal is compared)."""
        with self._lock:
            entry = self.entries.get(principal)
            valid = (entry is not None and etag and file_digest and entry['etag'] == etag and entry['file_sha256'] == file_digest
                     and entry['settings'] == settings and entry['verdict'] in REUSABLE_VERDICTS)
            if valid:
                self.hits += 1
                return dict(entry)
            self.misses += 1
            return None

    def record(self, principal: str, *, etag: str | None, file_digest: str | None, settings: str, verdict: str,
               compared_size: str | None, photo: dict | None, upload: dict | None) -> None:
        """Keep a verdict; one without an ETag or a file digest could never be reused, so it removes the entry instead."""
        with self._lock:
            if not etag or not file_digest or verdict not in REUSABLE_VERDICTS:
                self.entries.pop(principal, None)
                return
            entry = _shared_strings({
                'etag': etag, 'file_sha256': file_digest, 'settings': settings, 'verdict': verdict,
                'compared_size': compared_size, 'photo': photo, 'upload': upload,
                'recorded': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
            })
            digest, identity = self._files.get(principal, (None, None))
            if identity is not None and digest == file_digest:
                # The identity the file had when this digest was taken of it; none when it could not be trusted.
                entry['file_stat'] = identity
            self.entries[principal] = entry

    def forget(self, principal: str) -> None:
        with self._lock:
            self.entries.pop(principal, None)

    def save(self, *, files) -> int:
        """Write the cache atomically with files (a PrivateFileWriter: the task's file options); return its size in
        bytes. LocalFileError when the directory cannot take it."""
        with self._lock:
            payload = {'format': CACHE_FORMAT, 'version': CACHE_VERSION, 'entries': self.entries}
            data = json.dumps(payload, sort_keys=True, separators=(',', ':')).encode('utf-8')
        files.write_bytes(self.path, data)
        return len(data)


# Values that repeat from entry to entry: one string each instead of one per entry (at 50,000 entries about 15 MB).
_REPEATED_VALUES = ('settings', 'verdict', 'compared_size', 'recorded')


def _shared_strings(entry: dict) -> dict:
    for key in _REPEATED_VALUES:
        if isinstance(entry.get(key), str):
            entry[key] = sys.intern(entry[key])
    photo = entry.get('photo')
    if isinstance(photo, dict) and isinstance(photo.get('content_type'), str):
        photo['content_type'] = sys.intern(photo['content_type'])
    return entry


def _valid_entry(value) -> bool:
    if not isinstance(value, dict):
        return False
    file_stat = value.get('file_stat')
    if file_stat is not None and not (isinstance(file_stat, list) and len(file_stat) == 5
                                      and all(isinstance(field, int) and not isinstance(field, bool) for field in file_stat)):
        return False
    return (all(isinstance(value.get(key), str) for key in ('etag', 'file_sha256', 'settings', 'verdict'))
            and isinstance(value.get('photo'), (dict, type(None))) and isinstance(value.get('upload'), (dict, type(None))))


class RecordedFacts:
    """The facts a cache entry keeps of Graph's photo, shown in results as they were recorded."""

    def __init__(self, facts: dict):
        self._facts = dict(facts)

    def to_dict(self) -> dict:
        return dict(self._facts)


def cached_plan(target, entry: dict) -> PhotoPlan:
    """The plan of a principal whose cached verdict holds: nothing to do, with the facts recorded then."""
    facts = RecordedFacts(entry['photo']) if entry.get('photo') else None
    return PhotoPlan(target, ACTION_NONE, facts, facts, upload=entry.get('upload'), compared_size=entry.get('compared_size'),
                     cached=entry)
