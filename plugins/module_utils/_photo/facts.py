# -*- coding: utf-8 -*-
# Copyright (c) graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about a photo: hashes, size, type and the small signature used to compare pictures.

Microsoft Graph re-encodes every uploaded photo (JPEG, metadata stripped, downscaled, transparency
flattened), so the bytes and the ETag of the stored photo never equal the local file. The facts
therefore carry, besides the sha256 of the bytes, a signature of what the picture shows: the image
normalised (EXIF orientation applied, flattened, RGB) and area-averaged to a 16x16 grid; a picture
that is not square also carries the grid of its centred square, which is what Graph may keep of it.
See docs/docsite/rst/photo_comparison.rst.
"""

from __future__ import annotations

import hashlib
import io
import math
import operator
import warnings
from dataclasses import dataclass, field

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._libraries.optional_libraries import (
    LazyModule,
    library_found,
    library_import_error,
)

# Pillow is imported when a picture is first opened: a sync whose every principal is a cache hit opens none.
HAS_PIL = library_found('PIL')
Image = LazyModule('PIL.Image')


def pil_import_error() -> str | None:
    """The traceback of importing Pillow, or None: for missing_required_lib (it imports Pillow; call it when failing)."""
    return library_import_error('PIL.Image')


# Side of the signature grid (RGB, 768 bytes). 16x16 cells: a 10% patch covers ~25 cells, and even a 48x48 remote
# photo gives 3x3 pixels per cell, so JPEG noise averages out.
SIGNATURE_GRID = 16
# The perceptual hash is computed on a 16x16 grey image: its 8x8 lowest DCT frequencies are all the hash keeps,
# and a 32x32 input (the usual pHash choice) cost 40% more CPU per photo for a hash that is only displayed:
# the match decision uses the signature grid, not the hash.
_PHASH_GRID = 16
# JPEG draft mode decodes at 1/2, 1/4 or 1/8 scale as long as both sides stay at least this big.
_DRAFT_MIN_SIDE = 64

EXIF_ORIENTATION_TAG = 0x0112

# How Graph may show a picture with transparency, in the order of PhotoFacts.signatures: the public sources do
# not say whether it flattens onto white or black, or drops the alpha channel and keeps the colours under it
# (see ../shared/GRAPH_PHOTO_API.md, "Unconfirmed"). An opaque picture has one signature, shown as it is.
TRANSPARENCY_VIEWS = ('on_white', 'on_black', 'alpha_dropped')

# Magic numbers of the formats Graph accepts, in the order they are tried.
_MAGIC = (
    (b'\xff\xd8\xff', 'image/jpeg', 'JPEG'),
    (b'\x89PNG\r\n\x1a\n', 'image/png', 'PNG'),
    (b'GIF87a', 'image/gif', 'GIF'),
    (b'GIF89a', 'image/gif', 'GIF'),
    (b'BM', 'image/bmp', 'BMP'),
)


class ImageDecodeError(GraphModuleError):
    """The bytes are not an image that can be decoded; ``reason`` is the decoder's own words, if any."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason


class UnsupportedImageError(ImageDecodeError):
    """The bytes are not JPEG, PNG, GIF or BMP (the formats Graph accepts)."""


@dataclass(frozen=True)
class PhotoFacts:
    """What is known about one photo; ``to_dict()`` is what modules return and diff."""

    # None for the facts of a picture not encoded yet (photo_facts_from_picture): never shown, only compared.
    sha256: str | None
    # None when the facts were computed without it (photo_facts_from_bytes(with_phash=False)): it is only shown,
    # never used to decide, and costs about a third of a decode.
    phash: str | None
    width: int
    height: int
    content_type: str
    size: int
    # One RGB grid per way the picture may be shown: one when it is opaque, three (TRANSPARENCY_VIEWS) when it
    # has transparency.
    signatures: tuple = field(default=(), repr=False, compare=False)
    # The same grids for the centred square of the picture (side = the shorter side), in the same order, for a
    # Graph that crops non-square uploads to it. Empty for a square picture.
    centred_square_signatures: tuple = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict:
        """The returned facts; without ``phash`` when it was not computed."""
        facts = {'sha256': self.sha256, 'phash': self.phash, 'width': self.width, 'height': self.height,
                 'content_type': self.content_type, 'size': self.size}
        if self.phash is None:
            del facts['phash']
        return facts


def sniff_content_type(data: bytes) -> str | None:
    """Return the MIME type of an accepted image format from its magic number, or None."""
    for magic, content_type, dummy in _MAGIC:
        if data.startswith(magic):
            return content_type
    return None


def pillow_format(data: bytes) -> str | None:
    """Pillow's name of an accepted image format (JPEG, PNG, GIF, BMP) from its magic number, or None."""
    for magic, dummy, pil_format in _MAGIC:
        if data.startswith(magic):
            return pil_format
    return None


def _require_pil() -> None:
    if not HAS_PIL or pil_import_error() is not None:
        raise ImageDecodeError('Pillow is required to read photos; install it with "pip install Pillow".')


def orientation_transpose(orientation):
    # The transform that shows the stored pixels upright (same table as PIL.ImageOps.exif_transpose).
    return {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation)


def _has_alpha(im) -> bool:
    return im.mode in ('RGBA', 'LA', 'PA', 'RGBa', 'La') or (im.mode in ('P', 'L', 'RGB') and 'transparency' in im.info)


HIGH_DEPTH_MODES = ('I', 'I;16', 'I;16B', 'I;16L', 'I;16N', 'F')


def to_8_bit(im):
    """16-bit and float greys scaled to 8 bits, instead of letting convert() clip them; other modes as they are."""
    if im.mode in HIGH_DEPTH_MODES:
        return im.convert('I').point(lambda value: value * (1 / 256.0)).convert('L')
    return im


def _to_rgb_or_rgba(im):
    im = to_8_bit(im)
    if _has_alpha(im):
        return im.convert('RGBA')
    return im.convert('RGB')


def _open_small(data: bytes):
    """Decode ``data`` as small as possible; return (image, width, height) with EXIF orientation applied."""
    pil_format = pillow_format(data)
    if pil_format is None:
        raise UnsupportedImageError('The data is not a JPEG, PNG, GIF or BMP image; convert the photo to JPEG or PNG.')
    try:
        with warnings.catch_warnings():
            # A decompression bomb warning is turned into an error below, not printed.
            warnings.simplefilter('error', Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=[pil_format])
            orientation = im.getexif().get(EXIF_ORIENTATION_TAG)
            width, height = im.size
            if pil_format == 'JPEG':
                # Decode at 1/8 scale where possible: the signature needs only a 16x16 grid.
                im.draft('RGB', (_DRAFT_MIN_SIDE, _DRAFT_MIN_SIDE))
            im.load()
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageDecodeError('The %s data cannot be decoded (%s); re-export the photo as a complete JPEG or PNG.'
                               % (pil_format, exc), reason=str(exc)) from exc
    if width < 1 or height < 1:
        raise ImageDecodeError('The image has no pixels; re-export the photo as a complete JPEG or PNG.')
    im = _to_rgb_or_rgba(im)
    transpose = orientation_transpose(orientation)
    if transpose is not None:
        im = im.transpose(transpose)
        if orientation >= 5:
            width, height = height, width
    return im, width, height


def _flatten(im, background):
    base = Image.new('RGBA', im.size, background)
    return Image.alpha_composite(base, im).convert('RGB')


def _centred_square(im):
    """The centred square of ``im``: the whole pixels around it, and its exact (fractional) box inside them.

    The crop keeps the resize from reading pixels outside the square: with a box alone, Pillow's filter takes
    its neighbours beyond the box edges too, which moved edge cells by up to 15 levels (measured on the table).
    """
    side = min(im.size)
    left, top = (im.width - side) / 2.0, (im.height - side) / 2.0
    x0, y0 = int(left), int(top)
    x1, y1 = int(math.ceil(left + side)), int(math.ceil(top + side))
    return im.crop((x0, y0, x1, y1)), (left - x0, top - y0, left - x0 + side, top - y0 + side)


def _signature_grids(im, colours, box=None) -> tuple:
    """The signature grids of ``im`` (or of ``box`` in it), one per way it may be shown (see TRANSPARENCY_VIEWS).

    ``colours`` is ``im`` without its alpha channel (the colours under it) when ``im`` has one, else None.
    """
    # One antialiased BILINEAR (triangle filter) resize straight to the grid. Measured on the test table,
    # it leaves less noise between a photo and its 48x48 rewrite than BOX or BICUBIC; going through an
    # intermediate size with a fractional ratio (48 -> 32 -> 16) shifted cells by several levels.
    grid = im.resize((SIGNATURE_GRID, SIGNATURE_GRID), Image.Resampling.BILINEAR, box=box)
    if colours is None:
        return (grid.tobytes(),)
    # Pillow resizes RGBA premultiplied, so the flattenings of the grid equal the grids of the flattenings;
    # the colours under the alpha need their own (unweighted) resize.
    dropped = colours.resize((SIGNATURE_GRID, SIGNATURE_GRID), Image.Resampling.BILINEAR, box=box)
    return (_flatten(grid, (255, 255, 255, 255)).tobytes(), _flatten(grid, (0, 0, 0, 255)).tobytes(), dropped.tobytes())


def _centred_square_grids(im, colours) -> tuple:
    square, box = _centred_square(im)
    return _signature_grids(square, None if colours is None else _centred_square(colours)[0], box)


def _phash(grey) -> str:
    """64-bit DCT perceptual hash (pHash) of a small grey image, as 16 hex digits."""
    pixels = grey.tobytes()
    size = _PHASH_GRID
    cos = _dct_table()
    # Only the 8x8 lowest frequencies are needed: transform the rows, then those 8 columns.
    rows = []
    for y in range(size):
        row = pixels[y * size:(y + 1) * size]
        rows.append([sum(map(operator.mul, cos_u, row)) for cos_u in cos])
    columns = list(zip(*rows))
    coeffs = [sum(map(operator.mul, cos_v, column)) for cos_v in cos for column in columns]
    median = sorted(coeffs)[len(coeffs) // 2]
    bits = 0
    for value in coeffs:
        bits = (bits << 1) | (1 if value > median else 0)
    return '%016x' % bits


_DCT_CACHE = []


def _dct_table():
    if not _DCT_CACHE:
        n = _PHASH_GRID
        _DCT_CACHE.append([[math.cos(math.pi * (2 * x + 1) * u / (2.0 * n)) for x in range(n)] for u in range(8)])
    return _DCT_CACHE[0]


def photo_facts_from_bytes(data: bytes, *, with_phash: bool = True) -> PhotoFacts:
    """Compute the facts of an image given as bytes; raise ImageDecodeError when it is not one.

    ``with_phash=False`` leaves ``phash`` out (None): the bulk sync computes it only when a diff shows it.
    """
    _require_pil()
    if not data:
        raise ImageDecodeError('The image is empty (0 bytes); choose a JPEG or PNG photo.')
    im, width, height = _open_small(data)
    colours = im.convert('RGB') if im.mode == 'RGBA' else None
    signatures = _signature_grids(im, colours)
    # Graph may keep only the centred square of a non-square upload; its grids come from the same decode.
    # The box is taken on the decoded (possibly draft-reduced) image, whose sides keep the picture's ratio.
    square_signatures = () if width == height else _centred_square_grids(im, colours)
    phash = None
    if with_phash:
        hash_input = im.resize((_PHASH_GRID, _PHASH_GRID), Image.Resampling.BOX)
        if colours is not None:
            hash_input = _flatten(hash_input, (255, 255, 255, 255))
        phash = _phash(hash_input.convert('L'))
    return PhotoFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        phash=phash,
        width=width,
        height=height,
        content_type=sniff_content_type(data),
        size=len(data),
        signatures=signatures,
        centred_square_signatures=square_signatures,
    )


def photo_facts_from_header(data: bytes) -> PhotoFacts:
    """The facts of an image that nothing will compare (a prepared upload): hashes and sizes, read from its header
    without decoding the pixels, and no signatures. About 2 ms of CPU less per upload than photo_facts_from_bytes().

    Raise ImageDecodeError when the header cannot be read.
    """
    _require_pil()
    pil_format = pillow_format(data)
    if pil_format is None:
        raise UnsupportedImageError('The data is not a JPEG, PNG, GIF or BMP image; convert the photo to JPEG or PNG.')
    try:
        im = Image.open(io.BytesIO(data), formats=[pil_format])
        orientation = im.getexif().get(EXIF_ORIENTATION_TAG)
        width, height = im.size
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, Image.DecompressionBombError) as exc:
        raise ImageDecodeError('The %s data cannot be decoded (%s); re-export the photo as a complete JPEG or PNG.'
                               % (pil_format, exc), reason=str(exc)) from exc
    if orientation_transpose(orientation) is not None and orientation >= 5:
        width, height = height, width
    return PhotoFacts(sha256=hashlib.sha256(data).hexdigest(), phash=None, width=width, height=height,
                      content_type=sniff_content_type(data), size=len(data))


def photo_facts_from_picture(im, *, width: int, height: int, with_phash: bool = True) -> PhotoFacts:
    """The facts of a JPEG not encoded yet, from its picture at a small scale (an upright, opaque RGB image) and the
    size it will have: what a compare needs, without sha256 and size, which only the encoded bytes have."""
    _require_pil()
    im = im.convert('RGB')
    phash = _phash(im.resize((_PHASH_GRID, _PHASH_GRID), Image.Resampling.BOX).convert('L')) if with_phash else None
    return PhotoFacts(
        sha256=None,
        phash=phash,
        width=width,
        height=height,
        content_type='image/jpeg',
        size=None,
        signatures=_signature_grids(im, None),
        centred_square_signatures=() if width == height else _centred_square_grids(im, None),
    )
