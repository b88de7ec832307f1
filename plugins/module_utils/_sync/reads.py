# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bulk sync's reads of the photos Graph holds, one chunk of items at a time, in $batch requests.

Without ``cache``: one read per item of the small rendition (photo_renditions), and for the items whose answer is
not a picture of that size a second read of ``…/photo/$value``. With ``cache``: first the photo metadata of every
item (``…/photo``: its ETag, and its size, which says whether the rendition exists); the items whose cached verdict
still holds need nothing more, the others are read as above. With ``backup_dir``, the items about to be replaced or
removed are read once more in full (``…/photo/$value``), unless that is what was compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchItemFailure
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import BatchRequest
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.error_messages import is_no_photo
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.renditions import (
    COMPARE_SIZE,
    FULL_PHOTO,
    PhotoMetadata,
    photo_metadata,
    rendition_fits,
    rendition_path,
    size_label,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.picture_size import picture_size


@dataclass
class CurrentRead:
    """The read that holds an item's current photo: its request and answer, and which picture it is."""

    request: object  # BatchRequest
    answer: object  # BatchResponse or BatchItemFailure
    compared_size: str  # e.g. '96x96', or FULL_PHOTO for …/photo/$value


class CurrentPhotoReads:
    """Builds and sends the reads of one chunk through the BatchRunner (shared by every worker thread)."""

    def __init__(self, runner, *, compare: str):
        self.runner = runner
        self.compare = compare

    def metadata(self, items: list) -> dict:
        """index -> PhotoMetadata, or None when the metadata could not be read (the photo read then says why)."""
        requests = {item.index: BatchRequest(id=str(item.index), method='GET', path=item.target.photo_metadata_path)
                    for item in items}
        answers = self.runner.run(list(requests.values()))
        found = {}
        for item in items:
            answer = answers[str(item.index)]
            if isinstance(answer, BatchItemFailure):
                found[item.index] = None
            elif answer.ok:
                found[item.index] = photo_metadata(answer.json_body)
            elif is_no_photo(answer.error(requests[item.index])):
                found[item.index] = PhotoMetadata(exists=False)
            else:
                found[item.index] = None
        return found

    def photos(self, items: list, metadata: dict | None = None) -> dict:
        """index -> CurrentRead, for every item that may have a photo (metadata saying none leaves an item out)."""
        metadata = metadata or {}
        first = {}
        for item in items:
            known = metadata.get(item.index)
            if known is not None and not known.exists:
                continue
            path = rendition_path(item.target, compare=self.compare)
            if path is not None and known is not None and not known.offers_rendition:
                # The metadata says the photo is smaller than the rendition: read the photo itself.
                path = None
            if path is None:
                first[item.index] = self._read(item, item.target.photo_value_path, FULL_PHOTO)
            else:
                first[item.index] = self._read(item, path, size_label(COMPARE_SIZE))
        self._send(first)
        fallback = {index: self._read(item, item.target.photo_value_path, FULL_PHOTO)
                    for item in items for index in (item.index,)
                    if index in first and first[index].compared_size != FULL_PHOTO and not self._usable(first[index])}
        self._send(fallback)
        first.update(fallback)
        return first

    def full_photos(self, items: list) -> dict:
        """index -> CurrentRead of ``…/photo/$value`` for each item: the photo itself, byte for byte (backup_dir)."""
        reads = {item.index: self._read(item, item.target.photo_value_path, FULL_PHOTO) for item in items}
        self._send(reads)
        return reads

    @staticmethod
    def _read(item, path: str, compared_size: str) -> CurrentRead:
        return CurrentRead(request=BatchRequest(id=str(item.index), method='GET', path=path), answer=None,
                           compared_size=compared_size)

    def _send(self, reads: dict) -> None:
        if not reads:
            return
        answers = self.runner.run([read.request for read in reads.values()])
        for read in reads.values():
            read.answer = answers[read.request.id]

    @staticmethod
    def _usable(read: CurrentRead) -> bool:
        """Whether a rendition read gave a picture of the rendition's size; anything else is read again in full.

        A 404 may mean "no photo" or "no such size" (a photo smaller than it); the read of …/photo/$value tells.
        A size not offered may also come back as the metadata of a 1x1 size (beta docs) or a picture of another size.
        A whole $batch that failed is not tried again.
        """
        answer = read.answer
        if isinstance(answer, BatchItemFailure):
            return True
        if not answer.ok:
            return False
        size = picture_size(answer.body)
        return size is not None and rendition_fits(*size)
