# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read everything Graph says about one principal's photo: metadata, sizes on offer, and the image facts."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import (
    PhotoOperationError,
    graph_photo_facts,
    read_photo_resource,
)

PHOTO_SIZES = ('48x48', '64x64', '96x96', '120x120', '240x240', '360x360', '432x432', '504x504', '648x648')

# Graph lists and serves the sizes of a photo (…/photos, …/photos/{size}) for users and groups only; a team's
# photo is its group's (PhotoTarget.sizes_root), and contact photos come in one size.
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


def read_photo_info(client, target, *, size: str | None = None):
    """PhotoInfo for target (the chosen size, or the largest), or None when it has no photo."""
    if size and target.kind not in SIZED_KINDS:
        raise PhotoOperationError('size is not available for %s: Graph serves contact photos in one size; remove size.' % target.label)
    metadata = read_photo_resource(client, target, target.photo_metadata_path)
    if metadata is None:
        return None
    etag = metadata.json().get('@odata.mediaEtag')
    sizes = None
    if target.kind in SIZED_KINDS:
        listed = read_photo_resource(client, target, target.sizes_root + '/photos')
        sizes = [entry.get('id') for entry in listed.json().get('value', [])] if listed is not None else []
        if size and size not in sizes:
            raise PhotoOperationError('The photo of %s is not offered in size %s; it is offered in %s.' % (
                target.label, size, ', '.join(sizes) or 'no listed size'))
    value_path = '%s/photos/%s/$value' % (target.sizes_root, size) if size else target.photo_value_path
    response = read_photo_resource(client, target, value_path)
    if response is None:
        return None
    return PhotoInfo(facts=graph_photo_facts(target, response.content), data=response.content, etag=etag, sizes=sizes)
