# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which picture of a principal's photo the bulk sync downloads to compare: a small rendition, or the photo.

Graph serves every user and group photo in the sizes of its size list up to its own (``…/photos/{size}/$value``,
48x48 to 648x648; see ../shared/GRAPH_PHOTO_API.md). The compare needs a 16x16 grid, so a 96x96 rendition (about
2-5 KB as JPEG) tells as much as the 648x648 photo (50-75 KB): the photo-comparison table
(tests/unit/plugins/module_utils/test_photo_compare.py) keeps every margin at 1.5x or more at COMPARE_SIZE, and
docs/docsite/rst/photo_comparison.rst gives the measured margins. Reading ``…/photo/$value`` instead is the fallback:
- contacts have no sized photos (Outlook contact photos have only ``…/photo``);
- ``compare: sha256`` needs the bytes Graph keeps, not a rendition;
- a size that is not offered (a photo smaller than the size) is answered with 404, or, as the beta docs say,
  with the metadata of a ``1x1`` size, whose ``$value`` is not a 96x96 picture;
- any other answer than a picture of COMPARE_SIZE on its longer side.
"""

from __future__ import annotations

from dataclasses import dataclass

# The side of the rendition compared, chosen by measurement (the photo comparison and performance guides (docs/docsite/rst/)):
# 96 keeps every margin of the comparison table at 1.5x or more, and 120 buys no margin for a quarter more bytes.
COMPARE_SIZE = 96
# What results say was compared when it was the photo itself (``…/photo/$value``).
FULL_PHOTO = 'full'


def size_label(size: int) -> str:
    """The id Graph gives a size, e.g. 96 -> '96x96'."""
    return '%dx%d' % (size, size)


def rendition_path(target, *, compare: str, size: int = COMPARE_SIZE) -> str | None:
    """The path of the sized rendition to read for target, or None when the photo itself must be read."""
    if compare != 'perceptual' or target.kind == 'contact':
        return None
    return '%s/photos/%s/$value' % (target.sizes_root, size_label(size))


def rendition_fits(width: int, height: int, size: int = COMPARE_SIZE) -> bool:
    """Whether a downloaded rendition is one of ``size``: its longer side is the size.

    A photo smaller than the size has no such rendition; what Graph answers then (a 1x1 picture, or the photo at its
    own size) is not compared: the photo itself is read instead.
    """
    return max(width, height) == size


@dataclass(frozen=True)
class PhotoMetadata:
    """What ``…/photo`` says of a principal's photo: there is none (``exists`` False), or its ETag, type and pixel
    size (None where Graph left them out). The bulk sync reads it for its cache, the export to skip downloads."""

    exists: bool
    etag: str | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def largest_side(self) -> int | None:
        """The photo's longer side in pixels; None when there is no photo or the metadata gives no size."""
        sides = [side for side in (self.width, self.height) if side] if self.exists else []
        return max(sides) if sides else None

    def offers(self, size: int) -> bool | None:
        """Whether the photo comes in ``size`` (Graph serves every size up to the photo's own): its longer side is at
        least that. None when the metadata gives no size."""
        side = self.largest_side
        return side >= size if side is not None else None

    @property
    def offers_rendition(self) -> bool:
        """Whether the rendition the sync compares is known to exist."""
        return self.offers(COMPARE_SIZE) is True


def _int_or_none(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _str_or_none(value) -> str | None:
    return value if isinstance(value, str) else None


def photo_metadata(body) -> PhotoMetadata | None:
    """The PhotoMetadata of a photo from the JSON Graph answered to ``…/photo``; None when that is not a JSON object."""
    if not isinstance(body, dict):
        return None
    return PhotoMetadata(exists=True, etag=_str_or_none(body.get('@odata.mediaEtag')),
                         content_type=_str_or_none(body.get('@odata.mediaContentType')),
                         width=_int_or_none(body.get('width')), height=_int_or_none(body.get('height')))
