# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a principal's photo, decide what the declared state needs, and write it: the one write path."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError, GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.error_messages import describe_photo_error, is_no_photo

ACTION_SET = 'set'
ACTION_REMOVE = 'remove'
ACTION_NONE = 'none'


class PhotoOperationError(GraphModuleError):
    """A photo operation failed; str() is the sentence to show."""


@dataclass(frozen=True)
class PhotoPlan:
    """What a task needs to do to one principal, and the facts before and after."""

    target: object
    action: str
    before: object  # PhotoFacts or None
    after: object  # PhotoFacts or None
    source: object = None  # SourceImage for ACTION_SET
    # What would be (or was) uploaded for state present: {prepared, reasons}; None for state absent.
    upload: object = None
    # force: false found a photo and kept it, without comparing.
    kept_existing: bool = False
    # Which picture of Graph's photo was compared (the bulk sync: e.g. '96x96', or 'full'); None when none was.
    compared_size: object = None
    # The bulk sync's cache entry whose verdict this plan reuses, or None.
    cached: object = None
    # With backup_dir: where the photo Graph held was saved before this plan replaces or removes it (_backup/).
    backup_file: object = None
    # With replace_smaller_than and a photo that differs: {largest_side, replace_smaller_than, upgraded, reason}
    # (upgrade_or_keep); None otherwise.
    upgrade: object = None

    @property
    def kept_larger(self) -> bool:
        """replace_smaller_than kept a photo that differs from the file: it is not smaller than that."""
        return self.upgrade is not None and not self.upgrade['upgraded']

    @property
    def changed(self) -> bool:
        return self.action != ACTION_NONE

    @property
    def replaces_photo(self) -> bool:
        """Whether carrying it out replaces or removes a photo Graph holds: what backup_dir keeps a copy of first.
        Setting a photo where there is none loses nothing."""
        return self.action == ACTION_REMOVE or (self.action == ACTION_SET and self.before is not None)


def read_photo_resource(client, target, path: str):
    """GET one of target's photo resources: the response, or None when Graph says there is no photo."""
    try:
        return client.request('GET', path)
    except GraphError as error:
        if is_no_photo(error):
            return None
        raise PhotoOperationError(describe_photo_error(target, 'read', error)) from None


def graph_photo_facts(target, data: bytes, *, with_phash: bool = True):
    """Facts of the photo bytes Graph served for target; PhotoOperationError when they are empty or undecodable."""
    if not data:
        raise PhotoOperationError('Graph returned an empty photo for %s.' % target.label)
    # Imported here: a bulk sync whose every principal is a cache hit decodes nothing (and so imports no Pillow).
    from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import (  # pylint: disable=import-outside-toplevel
        ImageDecodeError,
        photo_facts_from_bytes,
    )
    try:
        return photo_facts_from_bytes(data, with_phash=with_phash)
    except ImageDecodeError as exc:
        raise PhotoOperationError('Graph returned a photo for %s that cannot be decoded (%s).' % (target.label, exc)) from None


@dataclass(frozen=True)
class CurrentPhoto:
    """The photo Graph holds for a principal (…/photo/$value): its facts, and its bytes for a backup."""

    facts: object  # PhotoFacts
    data: bytes


def read_current_photo(client, target):
    """The CurrentPhoto of target, or None when Graph holds none."""
    response = read_photo_resource(client, target, target.photo_value_path)
    return None if response is None else CurrentPhoto(graph_photo_facts(target, response.content), response.content)


def fetch_current_photo(client, target):
    """The facts of the photo Graph holds for target, or None when it holds none."""
    current = read_current_photo(client, target)
    return None if current is None else current.facts


def plan_photo(target, current, *, state: str, source=None, compare: str = 'perceptual', force: bool = True) -> PhotoPlan:
    """Decide from the current facts alone; no request is sent here.

    force=False sets a photo only where there is none: an existing photo (a default or placeholder one too) is kept.
    """
    if state == 'absent':
        if current is None:
            return PhotoPlan(target, ACTION_NONE, None, None)
        check_deletable(target)
        return PhotoPlan(target, ACTION_REMOVE, current, None)
    # Imported here, as the facts are: a plan made from the bulk sync's cache compares nothing.
    from ansible_collections.graphops.msgraph.plugins.module_utils._photo.compare import photos_match  # pylint: disable=import-outside-toplevel
    upload = source.upload_info()
    if current is not None and not force:
        return PhotoPlan(target, ACTION_NONE, current, current, upload=upload, kept_existing=True)
    # Graph rewrites every upload (JPEG re-encode, metadata stripped, downscaled, new ETag), so bytes and
    # ETags never say "already set"; photos_match compares what the pictures show.
    if current is not None and photos_match(source.facts, current, compare):
        return PhotoPlan(target, ACTION_NONE, current, current, upload=upload)
    return PhotoPlan(target, ACTION_SET, current, source.facts, source, upload=upload)


def needs_size_for_upgrade(plan: PhotoPlan, replace_smaller_than) -> bool:
    """Whether replace_smaller_than must know the size of the photo that plan would replace (it differs)."""
    return replace_smaller_than is not None and plan.action == ACTION_SET and plan.before is not None


def upgrade_or_keep(plan: PhotoPlan, *, largest_side, replace_smaller_than) -> PhotoPlan:
    """replace_smaller_than: plan as it is when it replaces a photo whose largest side (pixels, from Graph) is smaller,
    else a plan that keeps the photo. A photo whose size Graph did not give is kept: it might be one that a person
    chose. Plans that replace nothing are returned unchanged."""
    if not needs_size_for_upgrade(plan, replace_smaller_than):
        return plan
    upgraded = largest_side is not None and largest_side < replace_smaller_than
    if upgraded:
        reason = ('replaced: its largest side, %d px, is smaller than replace_smaller_than (%d)'
                  % (largest_side, replace_smaller_than))
    elif largest_side is None:
        reason = 'kept: Graph did not give its size, so it may not be smaller than replace_smaller_than (%d)' % replace_smaller_than
    else:
        reason = ('kept: its largest side, %d px, is not smaller than replace_smaller_than (%d)'
                  % (largest_side, replace_smaller_than))
    upgrade = dict(largest_side=largest_side, replace_smaller_than=replace_smaller_than, upgraded=upgraded, reason=reason)
    if upgraded:
        return replace(plan, upgrade=upgrade)
    return replace(plan, action=ACTION_NONE, after=plan.before, source=None, upgrade=upgrade)


def check_deletable(target) -> None:
    """Fail before any request when the declared state cannot be reached through Graph."""
    if not target.can_delete:
        raise PhotoOperationError(
            'Graph cannot delete the photo of %s: contact photos can only be replaced, not removed. '
            'Use state: present with another src, or remove the contact.' % target.label)


def missing_backup_problem(plan: PhotoPlan, *, backups_required: bool) -> str | None:
    """Why plan must not be carried out (it would replace or remove a photo that backup_dir has no copy of), or None.

    Both writers ask this after their check-mode return and before building a request: with backup_dir, nothing is
    changed without its backup, whatever the code before them did.
    """
    if backups_required and plan.replaces_photo and not plan.backup_file:
        return ('The photo of %s was not changed: backup_dir is set and there is no backup of the photo Graph holds; '
                'nothing is changed without its backup.' % plan.target.label)
    return None


class PhotoWriter:
    """The only code in this collection that sends a photo write.

    In check mode it returns before any request, so check mode sends no write by construction. With
    backups_required (backup_dir), a plan that replaces or removes a photo without its backup_file is refused before
    any request.
    """

    def __init__(self, client, *, check_mode: bool, backups_required: bool = False):
        self.client = client
        self.check_mode = check_mode
        self.backups_required = backups_required

    def apply(self, plan: PhotoPlan) -> bool:
        """Carry out plan; return whether it changed (or, in check mode, would change) anything."""
        if not plan.changed:
            return False
        if self.check_mode:
            return True
        problem = missing_backup_problem(plan, backups_required=self.backups_required)
        if problem:
            raise PhotoOperationError(problem)
        target = plan.target
        try:
            if plan.action == ACTION_SET:
                self.client.request('PUT', target.photo_value_path, data=plan.source.data,
                                    headers={'Content-Type': plan.source.content_type})
            else:
                self.client.request('DELETE', target.delete_path)
        except GraphError as error:
            raise PhotoOperationError(describe_photo_error(target, plan.action, error, upload=plan.source)) from None
        return True
