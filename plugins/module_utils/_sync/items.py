# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The items of a bulk photo sync, from a list of declarations or from a directory of photos.

An item that cannot be understood (no principal, a file name that names nobody, two items for one principal)
is kept, with its error, so that it is reported as a failed item instead of being dropped or guessed at.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass

from ansible_collections.graphops.msgraph.plugins.module_utils._backup.names import backup_name_from_options
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.file_extensions import PHOTO_EXTENSIONS
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import (
    TARGET_OPTION_NAMES,
    TargetError,
    target_from_options,
)

_GUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
# A userPrincipalName: local part, '@', a domain with a dot. Guests' UPNs hold '#EXT#', which is allowed.
_UPN = re.compile(r'^[^@\s/\\]+@[^@\s/\\]+\.[^@\s/\\]+$')


@dataclass(frozen=True)
class SyncItem:
    """One declared photo.

    principal is the principal's path as Graph's URLs name it (a guest: users/frank_fabrikam.com%23EXT%23@contoso.com):
    the key of shards, of the cache and of duplicate declarations, the same as in 0.2, so that no principal changes
    shard and no cache entry is lost. label names it as Graph does (users/frank_fabrikam.com#EXT#@contoso.com): what
    results, messages and reports show.
    """

    index: int
    principal: str
    target: object  # PhotoTarget, or None when the declaration names no principal
    state: str
    src: str | None
    error: str | None = None
    shard_key: str | None = None
    # Not managed (a file for a user outside scope): reported with this reason, no request sent.
    skip_reason: str | None = None
    # missing: default: set src only when the principal has no photo at all; never replace one.
    only_if_no_photo: bool = False
    # With backup_dir, the name of its backup file (_backup/names.py): the parts of a path without the extension.
    backup_name: tuple | None = None

    @property
    def key(self) -> str:
        """What decides the item's shard: its principal, or its declaration when it names none."""
        return self.shard_key or self.principal

    @property
    def label(self) -> str:
        """The principal as Graph names it, for people; an item that names none is named by its declaration."""
        return self.target.label if self.target is not None else self.principal


def items_from_photos(photos: list) -> list:
    """One item per entry of the photos option (dicts with the target keys, src and state)."""
    items = []
    for index, entry in enumerate(photos):
        options = {name: entry.get(name) for name in TARGET_OPTION_NAMES}
        state = entry.get('state') or 'present'
        src = entry.get('src')
        try:
            target = target_from_options(**options)
        except TargetError as exc:
            declared = {name: value for name, value in options.items() if value}
            items.append(SyncItem(index=index, principal='photos[%d]' % index, target=None, state=state, src=src,
                                  error='photos[%d] (%s): %s' % (index, declared or 'no target', exc),
                                  shard_key=json.dumps(declared, sort_keys=True)))
            continue
        error = None
        if state == 'present' and not src:
            error = 'src is required with state: present; add the photo file to set, or state: absent.'
        items.append(SyncItem(index=index, principal=target.path, target=target, state=state, src=src, error=error,
                              backup_name=backup_name_from_options(**options)))
    return mark_duplicates(items, describe=lambda item: 'photos[%d]' % item.index)


def describe_file_name_problem(stem: str) -> str | None:
    """Why a file name does not name a user, or None when it looks like a userPrincipalName or an object id."""
    if _GUID.match(stem) or _UPN.match(stem):
        return None
    return ('the file name "%s" is neither a userPrincipalName (name@domain) nor an object id (a GUID); '
            'rename the file to <userPrincipalName>.jpg or <object id>.jpg' % stem)


def list_photo_files(src_dir: str) -> list:
    """(stem, path) of each photo file of src_dir (not recursive, no hidden files), in name order."""
    try:
        entries = sorted(os.scandir(src_dir), key=lambda entry: entry.name)
    except FileNotFoundError:
        raise GraphOptionError('src_dir %s does not exist.' % src_dir) from None
    except NotADirectoryError:
        raise GraphOptionError('src_dir %s is not a directory.' % src_dir) from None
    except PermissionError:
        raise GraphOptionError('src_dir %s cannot be listed (permission denied).' % src_dir) from None
    files = []
    for entry in entries:
        stem, extension = os.path.splitext(entry.name)
        if entry.name.startswith('.') or extension.lower() not in PHOTO_EXTENSIONS or not entry.is_file():
            continue
        files.append((stem, os.path.join(src_dir, entry.name)))
    return files


def items_from_directory(src_dir: str) -> list:
    """One item per photo file of src_dir (not recursive), in name order; each names a user."""
    items = []
    for stem, src in list_photo_files(src_dir):
        problem = describe_file_name_problem(stem)
        if problem:
            items.append(SyncItem(index=len(items), principal='users/%s' % stem, target=None, state='present', src=src,
                                  error='%s: %s.' % (src, problem)))
            continue
        target = target_from_options(user=stem)
        items.append(SyncItem(index=len(items), principal=target.path, target=target, state='present', src=src,
                              backup_name=(stem,)))
    return mark_duplicates(items, describe=lambda item: os.path.basename(item.src))


def mark_duplicates(items: list, *, describe) -> list:
    """Two items for one principal cannot both be honoured: both fail, naming each other."""
    by_principal = {}
    for item in items:
        if item.target is not None:
            by_principal.setdefault(item.principal.lower(), []).append(item)
    marked = []
    for item in items:
        group = by_principal.get(item.principal.lower(), []) if item.target is not None else []
        if len(group) > 1 and item.error is None:
            others = ', '.join(describe(other) for other in group)
            item = dataclasses.replace(item, error='%s is declared %d times (%s); keep one declaration per principal.' % (
                item.label, len(group), others))
        marked.append(item)
    return marked
