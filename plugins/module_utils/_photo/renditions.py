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


def metadata_offers(metadata, size: int = COMPARE_SIZE) -> bool:
    """Whether photo metadata (``…/photo``: width and height of the photo) says the rendition of ``size`` exists."""
    if not isinstance(metadata, dict):
        return False
    try:
        return max(int(metadata.get('width') or 0), int(metadata.get('height') or 0)) >= size
    except (TypeError, ValueError):
        return False
