# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The manifest of an export folder: which files the module wrote, for which user, from which photo.

A dot-file in dest_dir (a src_dir scan skips dot-files), JSON, one entry per file: the user's object id and name,
Graph's photo ETag, the sha256 of the bytes written and the size option they were read in. It is what makes a
repeated export cheap (a user whose ETag and file are unchanged needs no download) and what makes prune safe (only
files listed here are ever removed).

The manifest is written after the files, atomically, so a run killed half-way leaves the previous manifest whole. It
can then be behind the folder, never ahead of it in a way that matters: every run compares a listed file's sha256 with
the disk before trusting it, and a file that differs is read from Graph again. An entry that does not look like one
the module wrote (a name that is not a safe file name, a missing sha256) is dropped with a warning, so that an edited
manifest cannot make the module remove or trust anything outside its own files.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass

from ansible_collections.graphops.msgraph.plugins.module_utils._export.file_names import EXTENSIONS, name_problem

MANIFEST_NAME = '.graphops-export.json'
MANIFEST_FORMAT = 'graphops.msgraph.graph_profile_photo_export'
MANIFEST_VERSION = 1
_SHA256 = re.compile(r'^[0-9a-f]{64}$')


@dataclass(frozen=True)
class ManifestEntry:
    """One file the module wrote (or found holding exactly what Graph serves, and took over)."""

    file: str
    user_id: str
    user: str
    etag: str | None
    sha256: str
    size: str
    content_type: str


def is_listed_file_name(name) -> bool:
    """Whether name is one the module could have written: <safe value>.jpg or .png, nothing else."""
    if not isinstance(name, str):
        return False
    stem, extension = os.path.splitext(name)
    return extension in EXTENSIONS.values() and name_problem('name', stem) is None


def _entry(name, raw) -> ManifestEntry | None:
    if not is_listed_file_name(name) or not isinstance(raw, dict):
        return None
    user_id, sha256 = raw.get('user_id'), raw.get('sha256')
    if not isinstance(user_id, str) or not user_id or not isinstance(sha256, str) or not _SHA256.match(sha256):
        return None
    etag = raw.get('etag')
    return ManifestEntry(file=name, user_id=user_id.lower(), user=str(raw.get('user') or user_id),
                         etag=etag if isinstance(etag, str) else None, sha256=sha256, size=str(raw.get('size') or ''),
                         content_type=str(raw.get('content_type') or ''))


class ExportManifest:
    """file name -> ManifestEntry, as read (a run writes a new one); ``warnings`` says what was ignored when it was read."""

    def __init__(self, entries: dict | None = None, warnings: list | None = None):
        self.entries = dict(entries or {})
        self.warnings = list(warnings or [])
        # Every user's files are looked up once per run: by index, not a scan of the whole manifest for each user
        # (50,000 users: 2.5 billion comparisons).
        self._by_user = {}
        for entry in self.entries.values():
            self._by_user.setdefault(entry.user_id, []).append(entry)

    @classmethod
    def load(cls, folder: str) -> 'ExportManifest':
        path = os.path.join(folder, MANIFEST_NAME)
        try:
            with open(path, 'rb') as handle:
                data = json.loads(handle.read().decode('utf-8'))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            return cls(warnings=['The export manifest %s could not be read (%s); it is ignored and rewritten: files already '
                                 'holding what Graph serves are taken over, other files are not removed.' % (
                                     path, getattr(exc, 'strerror', None) or exc)])
        if not isinstance(data, dict) or data.get('format') != MANIFEST_FORMAT or data.get('version') != MANIFEST_VERSION \
                or not isinstance(data.get('files'), dict):
            return cls(warnings=['%s is not an export manifest of this module (format %s version %d); it is ignored and '
                                 'rewritten.' % (path, MANIFEST_FORMAT, MANIFEST_VERSION)])
        entries, dropped = {}, []
        for name, raw in data['files'].items():
            entry = _entry(name, raw)
            if entry is None:
                dropped.append(str(name))
            else:
                entries[name] = entry
        warnings = []
        if dropped:
            warnings.append('The export manifest %s lists %d entries that this module cannot have written (%s); they are '
                            'ignored, and their files are never removed.' % (path, len(dropped), ', '.join(sorted(dropped)[:5])))
        return cls(entries, warnings)

    def files_of(self, user_id: str) -> list:
        return list(self._by_user.get(user_id.lower(), ()))

    def to_json(self) -> bytes:
        files = {name: {key: value for key, value in asdict(entry).items() if key != 'file'}
                 for name, entry in sorted(self.entries.items())}
        document = {'format': MANIFEST_FORMAT, 'version': MANIFEST_VERSION, 'files': files}
        return (json.dumps(document, indent=1, sort_keys=True) + '\n').encode('utf-8')
