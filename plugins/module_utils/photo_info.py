# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read everything Graph says about one principal's photo: metadata, sizes on offer, and the image facts."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.graphops.msgraph.plugins.module_utils.graph_errors import GraphError
from ansible_collections.graphops.msgraph.plugins.module_utils.photo_error_messages import describe_photo_error, is_no_photo
from ansible_collections.graphops.msgraph.plugins.module_utils.photo_facts import ImageDecodeError, photo_facts_from_bytes
from ansible_collections.graphops.msgraph.plugins.module_utils.photo_state import PhotoOperationError

PHOTO_SIZES = ('48x48', '64x64', '96x96', '120x120', '240x240', '360x360', '432x432', '504x504', '648x648')

# Graph lists and serves the sizes of a photo (…/photos, …/photos/{size}) for users and groups only; a team's
# photo is its group's, and contact photos come in one size.
SIZED_KINDS = ('user', 'me', 'group', 'team')


@dataclass(frozen=True)
class PhotoInfo:
    facts: object  # PhotoFacts of the bytes read
    data: bytes
    etag: str | None
    sizes: list | None  # None when Graph offers no size list for this kind of principal

    def to_dict(self) -> dict:
        result = self.facts.to_dict()
        result.update(etag=self.etag, sizes=self.sizes)
        return result


def _sized_root(target) -> str:
    """The path under which …/photos lives: a team's sizes are its group's."""
    if target.kind == 'team':
        return target.delete_path[:-len('/photo/$value')]
    return '/' + target.path


def _get(client, target, path):
    try:
        return client.request('GET', path)
    except GraphError as error:
        if is_no_photo(error):
            return None
        raise PhotoOperationError(describe_photo_error(target, 'read', error)) from None


def read_photo_info(client, target, *, size: str | None = None):
    """PhotoInfo for target (the chosen size, or the largest), or None when it has no photo."""
    if size and target.kind not in SIZED_KINDS:
        raise PhotoOperationError('size is not available for %s: Graph serves contact photos in one size; remove size.' % target.label)
    metadata = _get(client, target, target.photo_metadata_path)
    if metadata is None:
        return None
    etag = metadata.json().get('@odata.mediaEtag')
    sizes = None
    if target.kind in SIZED_KINDS:
        listed = _get(client, target, _sized_root(target) + '/photos')
        sizes = [entry.get('id') for entry in listed.json().get('value', [])] if listed is not None else []
        if size and size not in sizes:
            raise PhotoOperationError('The photo of %s is not offered in size %s; it is offered in %s.' % (
                target.label, size, ', '.join(sizes) or 'no listed size'))
    value_path = '%s/photos/%s/$value' % (_sized_root(target), size) if size else target.photo_value_path
    response = _get(client, target, value_path)
    if response is None:
        return None
    try:
        facts = photo_facts_from_bytes(response.content)
    except ImageDecodeError as exc:
        raise PhotoOperationError('Graph returned a photo for %s that cannot be decoded (%s).' % (target.label, exc)) from None
    return PhotoInfo(facts=facts, data=response.content, etag=etag, sizes=sizes)
