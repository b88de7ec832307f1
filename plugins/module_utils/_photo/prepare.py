# -*- coding: utf-8 -*-
# Copyright (c) graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a local photo into what is uploaded: the file as it is, or a prepared JPEG that any Graph keeps as it is.

Graph rewrites every upload, and public sources leave open how (crop or keep the aspect, apply or ignore the
EXIF orientation, flatten transparency onto white or black, or drop the alpha). A prepared photo leaves Graph
nothing to decide: upright pixels, no transparency, at most 648x648, a baseline JPEG without metadata, at most
100 KB so that it also fits users without an Exchange mailbox, whose photo is kept in Entra ID (about 100 KB;
microsoft-graph-docs issue 8236 reports larger uploads failing there with a 404).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import (
    EXIF_ORIENTATION_TAG,
    HAS_PIL,
    Image,
    ImageDecodeError,
    orientation_transpose,
    pillow_format,
    sniff_content_type,
    to_8_bit,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.face_framing import centred_square, face_square, scaled_face
# The options' values and their check live with their argument spec: a run that prepares nothing need not import this file.
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.upload_options import SQUARE_CROPS, check_prepare_options

# The largest photo Graph keeps (its size list ends at 648x648).
MAX_PREPARED_SIDE = 648
# What a user without an Exchange mailbox keeps (about 100 KB in Entra ID); a prepared photo fits it.
MAX_PREPARED_BYTES = 100 * 1024
# Files are read whole to be prepared: a cap that no photo reaches keeps a wrong src (a video, a disk image) out.
MAX_READ_BYTES = 50 * 1024 * 1024
# JPEG quality is lowered from START_QUALITY to MIN_QUALITY before the size is: Graph re-encodes at 75 to 95
# anyway, and a smaller picture loses more than a lower quality does at this size.
START_QUALITY = 90
QUALITY_STEP = 5
MIN_QUALITY = 70
QUALITIES = tuple(range(START_QUALITY, MIN_QUALITY - 1, -QUALITY_STEP))
# The bytes of an optimised encode at each quality for one byte at START_QUALITY unoptimised, as measured on 800 px HR
# photos fitted to 648 px (grainier pictures lose less from one quality to the next, flatter ones more): which
# quality to try first when the first encode is too heavy. A wrong guess costs an encode, never a heavier upload.
QUALITY_BYTES = {90: 0.93, 85: 0.68, 80: 0.54, 75: 0.44, 70: 0.38}
SIZE_STEP = 0.85
# A size step is encoded only when the bytes at MIN_QUALITY, scaled by the pixel count, come within this factor of the
# limit: a smaller picture keeps about as many bytes per pixel, so the steps before cannot fit.
SIZE_PREDICTION_MARGIN = 1.25
# No photo needs to go below Graph's smallest size to fit 100 KB at MIN_QUALITY; stop there rather than loop.
MIN_PREPARED_SIDE = 48

# Reasons, in the order they are listed.
REASON_FORMAT = 'format_%s'
REASON_ORIENTATION = 'exif_orientation'
REASON_TRANSPARENCY = 'transparency'
REASON_CROP = 'crop_square'
# crop: face: the square framed around the face moves or shrinks the picture; no face was found (the centred square).
REASON_CROP_FACE = 'crop_face'
REASON_NO_FACE = 'no_face_found'
REASON_LARGE = 'larger_than_648px'
REASON_HEAVY = 'over_100KB'
REASON_ALWAYS = 'prepare_always'

_SENT_AS_IS_FORMATS = ('JPEG', 'PNG')
_ALPHA_MODES = ('RGBA', 'LA', 'PA', 'RGBa', 'La')


class PhotoPrepareError(ImageDecodeError):
    """The photo cannot be prepared; str() is one sentence that names the problem and the fix."""


@dataclass(frozen=True)
class PreparedPhoto:
    """What is uploaded for a local photo: its bytes, their type, and whether (and why) they were prepared."""

    data: bytes = field(repr=False)
    content_type: str
    prepared: bool
    reasons: tuple = ()

    def upload_info(self) -> dict:
        """The ``upload`` value modules return."""
        return {'prepared': self.prepared, 'reasons': list(self.reasons)}


def _has_transparency(im) -> bool:
    """True when some pixel is not fully opaque (an alpha channel that is opaque everywhere changes nothing)."""
    if im.mode in _ALPHA_MODES:
        return im.getchannel('A').getextrema()[0] < 255
    if 'transparency' in im.info:
        return im.convert('RGBA').getchannel('A').getextrema()[0] < 255
    return False


def _fitted_size(width: int, height: int, box: int) -> tuple:
    scale = min(1.0, float(box) / max(width, height))
    return max(1, int(round(width * scale))), max(1, int(round(height * scale)))


class _OpenedPhoto:
    """A photo opened once: what can be known without pixels, then its pixels at most once."""

    def __init__(self, data: bytes, name: str):
        self.name = name
        self.pil_format = pillow_format(data)
        if self.pil_format is None:
            raise PhotoPrepareError('The photo%s is not a JPEG, PNG, GIF or BMP image (judged by its content, not its name); '
                                    'convert it to JPEG or PNG.' % name)
        self.image = self._guarded(lambda: Image.open(io.BytesIO(data), formats=[self.pil_format]))
        orientation = self._guarded(lambda: self.image.getexif().get(EXIF_ORIENTATION_TAG))
        # Values outside 2..8 (missing, 0, garbage) mean no transform, as in viewers.
        self.orientation = orientation if orientation in (2, 3, 4, 5, 6, 7, 8) else 1
        self.stored_size = self.image.size
        width, height = self.stored_size
        if width < 1 or height < 1:
            raise PhotoPrepareError('The photo%s has no pixels; re-export it as JPEG or PNG.' % name)
        # The picture as it is shown: orientations 5 to 8 swap width and height.
        self.upright_size = (height, width) if self.orientation in (5, 6, 7, 8) else (width, height)
        self.loaded = False

    def _guarded(self, action):
        try:
            with warnings.catch_warnings():
                # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse both, with one sentence.
                warnings.simplefilter('error', Image.DecompressionBombWarning)
                return action()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoPrepareError('The photo%s has more pixels than Pillow decodes safely (%d megapixels at most), which makes it '
                                    'look like a decompression bomb; scale it down to 648x648 pixels before using it.'
                                    % (self.name, Image.MAX_IMAGE_PIXELS // 1000000)) from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError) as exc:
            raise PhotoPrepareError('The photo%s cannot be decoded as %s, it may be truncated or damaged (%s); re-export it as JPEG or PNG.'
                                    % (self.name, Image.MIME.get(self.pil_format), exc), reason=str(exc)) from None

    def load(self, *, draft_size=None):
        """Decode the pixels once; a JPEG at the smallest DCT scale that still gives draft_size (stored orientation)."""
        if not self.loaded:
            if draft_size is not None and self.pil_format == 'JPEG':
                # libjpeg decodes at 1/2, 1/4 or 1/8 scale for a fraction of the CPU of a full decode.
                self.image.draft('RGB', draft_size)
            self._guarded(self.image.load)
            self.loaded = True
        return self.image

    def reasons(self, data: bytes, *, crop: str, transparent: bool, box: tuple, face_found: bool) -> list:
        """Why the photo needs preparing, in a stable order; empty when it can be sent as it is. ``box`` is the region
        kept (_crop_box); ``face_found`` whether crop: face found a face."""
        width, height = self.upright_size
        cropped = box != (0, 0, width, height)
        checks = (
            (REASON_FORMAT % self.pil_format.lower(), self.pil_format not in _SENT_AS_IS_FORMATS),
            (REASON_ORIENTATION, self.orientation != 1),
            (REASON_TRANSPARENCY, transparent),
            (REASON_CROP, crop == 'square' and cropped),
            (REASON_CROP_FACE, crop == 'face' and face_found and cropped),
            # An audit lists these: the centred square was used, whatever it looks like (a square picture too).
            (REASON_NO_FACE, crop == 'face' and not face_found),
            (REASON_LARGE, max(width, height) > MAX_PREPARED_SIDE),
            (REASON_HEAVY, len(data) > MAX_PREPARED_BYTES),
        )
        return [reason for reason, applies in checks if applies]

    def may_have_transparency(self) -> bool:
        return self.image.mode in _ALPHA_MODES or 'transparency' in self.image.info


def _crop_box(width: int, height: int, crop: str, face: tuple | None = None):
    """The region that is kept, in upright pixels: the whole picture, its centred square, or with crop: face the
    square framed around ``face`` (face_framing.py; the centred square when no face was found)."""
    if crop == 'face' and face is not None:
        return face_square(width, height, face)
    if crop not in SQUARE_CROPS or width == height:
        return 0, 0, width, height
    return centred_square(width, height)


def _face_of(photo: _OpenedPhoto, data: bytes):
    """The largest face of the picture as (x, y, w, h) in upright pixels, or None (face_detector.py).

    It is searched on a grey copy of its own, decoded from the bytes at the detector's size: the same bytes always
    give the same copy, whatever size the prepared picture is decoded at."""
    from ansible_collections.graphops.msgraph.plugins.module_utils._photo import face_detector  # pylint: disable=import-outside-toplevel
    im = photo._guarded(lambda: Image.open(io.BytesIO(data), formats=[photo.pil_format]))  # pylint: disable=protected-access
    if photo.pil_format == 'JPEG':
        im.draft('L', (face_detector.DETECT_SIDE, face_detector.DETECT_SIDE))
    photo._guarded(im.load)  # pylint: disable=protected-access
    im = to_8_bit(im)
    if im.mode in _ALPHA_MODES or 'transparency' in im.info:
        rgba = im.convert('RGBA')
        im = Image.alpha_composite(Image.new('RGBA', rgba.size, (255, 255, 255, 255)), rgba)
    im = im.convert('L')
    transpose = orientation_transpose(photo.orientation)
    if transpose is not None:
        im = im.transpose(transpose)
    search_size = _fitted_size(im.size[0], im.size[1], face_detector.DETECT_SIDE)
    if im.size != search_size:
        im = im.resize(search_size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    try:
        face = face_detector.largest_face(im)
    except face_detector.FaceDetectorMissing as exc:
        raise PhotoPrepareError(str(exc)) from None
    if face is None:
        return None
    upright_w, upright_h = photo.upright_size
    return scaled_face(face, float(upright_w) / search_size[0], float(upright_h) / search_size[1])


def _prepared_pixels(photo: _OpenedPhoto, box: tuple, transparent: bool, side: int = MAX_PREPARED_SIDE):
    """The upright, flattened RGB picture cropped to ``box`` (upright pixels), fitted within side x side (648x648;
    never upscaled)."""
    upright_w, upright_h = photo.upright_size
    square = box[2] - box[0] == box[3] - box[1]
    target = _fitted_size(box[2] - box[0], box[3] - box[1], side)
    # The decode only needs the target size of the kept region, scaled back to the whole stored picture.
    scale = float(target[0]) / (box[2] - box[0])
    stored_w, stored_h = photo.stored_size
    im = photo.load(draft_size=(max(1, int(stored_w * scale + 0.999)), max(1, int(stored_h * scale + 0.999))))
    im = to_8_bit(im)
    if transparent:
        rgba = im.convert('RGBA')
        im = Image.alpha_composite(Image.new('RGBA', rgba.size, (255, 255, 255, 255)), rgba).convert('RGB')
    elif im.mode != 'RGB':
        im = im.convert('RGB')
    transpose = orientation_transpose(photo.orientation)
    if transpose is not None:
        im = im.transpose(transpose)
    if im.size != (upright_w, upright_h):
        # A JPEG decoded at a reduced scale: the crop box is taken at that scale.
        factor_x = float(im.size[0]) / upright_w
        factor_y = float(im.size[1]) / upright_h
        box = (int(round(box[0] * factor_x)), int(round(box[1] * factor_y)),
               int(round(box[2] * factor_x)), int(round(box[3] * factor_y)))
        if square:
            side = min(box[2] - box[0], box[3] - box[1])
            box = (box[0], box[1], box[0] + side, box[1] + side)
    if box != (0, 0) + im.size:
        im = im.crop(box)
    if im.size != target:
        im = _resized(im, target)
    return im


def _resized(im, size: tuple):
    """``im`` fitted to ``size`` with the Hamming filter (after a box reduction for large factors).

    Resampling is most of the CPU of a prepare: an 800 px photo fitted to 648 px costs half as much with Hamming
    (support 1) as with Lanczos (support 3), about 10 ms less. The picture people see stays as sharp: Hamming is a
    windowed sinc like Lanczos (Pillow's handbook, Filters: sharper than bilinear, without the dislocations of box,
    https://pillow.readthedocs.io/en/stable/handbook/concepts.html#filters), and at the factors a
    prepare uses (1.2x for an 800 px photo, under 2x after a JPEG's reduced-scale decode) its result is within 1.4
    grey levels (RMS) of Lanczos' and keeps 96-97% of its edge contrast (bicubic 91%, bilinear 73%; box 120%, which
    is aliasing), against 3.3 grey levels that the JPEG encoding at quality 90 changes anyway.
    reducing_gap=3.0 first reduces large factors (a PNG of 4000 px) by whole-pixel averaging; at 3.0 and above Pillow's
    reference (Image.resize) calls the result indistinguishable from resampling the whole way in most cases.
    """
    return im.resize(size, Image.Resampling.HAMMING, reducing_gap=3.0)


def _encode_jpeg(im, quality: int, *, optimize: bool) -> bytes:
    out = io.BytesIO()
    # Baseline (not progressive), fixed chroma subsampling, no exif/icc/comment: the same pixels give the same bytes.
    im.save(out, format='JPEG', quality=quality, optimize=optimize, progressive=False, subsampling='4:2:0')
    return out.getvalue()


def _encode_within_limit(im, name: str) -> bytes:
    """The JPEG of ``im`` at the first of QUALITIES that fits MAX_PREPARED_BYTES; else at MIN_QUALITY, smaller by
    steps of SIZE_STEP until it fits. Every choice depends on the pixels only, so the same picture gives the same bytes."""
    im.info = {}  # the encoder would copy a COM comment from here
    # Most prepared photos (an HR photo of 800 px: about 90 KB) fit at START_QUALITY with the standard Huffman tables:
    # one encode, the cheapest there is.
    data = _encode_jpeg(im, START_QUALITY, optimize=False)
    if len(data) <= MAX_PREPARED_BYTES:
        return data
    # From here on, Huffman tables optimised for the picture: 3-10% fewer bytes for about 1.7x the CPU of an encode.
    # The first quality tried is the one the bytes at START_QUALITY predict to fit, then lower ones until one fits:
    # usually 1 or 2 more encodes instead of up to 5 in a row.
    plain = len(data)
    first = next((index for index, quality in enumerate(QUALITIES) if plain * QUALITY_BYTES[quality] <= MAX_PREPARED_BYTES),
                 len(QUALITIES) - 1)
    for quality in QUALITIES[first:]:
        data = _encode_jpeg(im, quality, optimize=True)
        if len(data) <= MAX_PREPARED_BYTES:
            return data
    # The bytes at MIN_QUALITY per pixel of the whole picture: the size steps they say cannot fit are not encoded.
    bytes_per_pixel = len(data) / float(im.size[0] * im.size[1])
    width, height = im.size
    while True:
        width, height = int(width * SIZE_STEP), int(height * SIZE_STEP)
        if min(width, height) < MIN_PREPARED_SIDE:
            break
        if bytes_per_pixel * width * height > MAX_PREPARED_BYTES * SIZE_PREDICTION_MARGIN:
            continue
        data = _encode_jpeg(_resized(im, (width, height)), MIN_QUALITY, optimize=True)
        if len(data) <= MAX_PREPARED_BYTES:
            return data
    raise PhotoPrepareError('The photo%s cannot be made to fit %d bytes as a JPEG; use a simpler picture.' % (name, MAX_PREPARED_BYTES))


@dataclass(frozen=True)
class DeferredPreparation:
    """A photo that needs preparing, known without the costly part of it (the full decode, the resize to 648 px and
    the JPEG encoding, about 20 ms of CPU for an 800 px photo): why, the size the prepared photo will have, and its
    picture at the scale a compare reads it (a 16x16 grid of a preview under 128 px). encode() makes the PreparedPhoto.

    The bulk sync compares most photos and uploads few: it prepares only those it uploads.
    """

    reasons: tuple
    size: tuple
    preview: object = field(repr=False)
    data: bytes = field(repr=False)
    crop: str = 'none'
    name: str = ''
    prepare: str = 'auto'

    def encode(self, data: bytes | None = None) -> PreparedPhoto:
        """Prepare the photo: from ``data`` (the same file's bytes, read again) when this keeps none."""
        return prepare_photo(self.data if data is None else data, prepare=self.prepare, crop=self.crop, name=self.name)


def _preview_side(longest: int) -> int:
    """The side of a deferred preparation's preview: the size at which photo_facts decodes the prepared JPEG (the
    smallest DCT scale, 1/8 to 1, that keeps 64 px), so that the preview's grid is the one the prepared photo gives."""
    for factor in (8, 4, 2):
        if -(-longest // factor) >= 64:
            return -(-longest // factor)
    return longest


def prepare_photo(data: bytes, *, prepare: str = 'auto', crop: str = 'none', name: str = '', defer: bool = False):
    """What is uploaded for the photo ``data`` (the bytes of a file); raise PhotoPrepareError when it cannot be used.

    ``auto`` prepares only a photo that needs it, ``always`` every photo, ``never`` none. ``reasons`` lists why
    (see the REASON_* names). ``name`` (a path) is put in error messages. The same bytes always give the same result.
    ``defer=True`` returns a DeferredPreparation instead of preparing (a photo sent as it is is still a PreparedPhoto).
    """
    check_prepare_options(prepare=prepare, crop=crop)
    if prepare == 'never':
        return PreparedPhoto(data=data, content_type=sniff_content_type(data), prepared=False)
    if not HAS_PIL:
        raise PhotoPrepareError('Preparing the photo%s needs the Python library Pillow; install it where the module runs.' % _label(name))
    photo = _OpenedPhoto(data, _label(name))
    # Only PNG, GIF and BMP hold transparency; none of them has a reduced-scale decode, so this load is the only one.
    transparent = photo.may_have_transparency() and _has_transparency(photo.load())
    face = _face_of(photo, data) if crop == 'face' else None
    box = _crop_box(photo.upright_size[0], photo.upright_size[1], crop, face)
    reasons = photo.reasons(data, crop=crop, transparent=transparent, box=box, face_found=face is not None)
    if not reasons and prepare == 'auto':
        return PreparedPhoto(data=data, content_type=sniff_content_type(data), prepared=False)
    if not reasons:
        reasons.append(REASON_ALWAYS)
    if defer:
        size = _fitted_size(box[2] - box[0], box[3] - box[1], MAX_PREPARED_SIDE)
        return DeferredPreparation(reasons=tuple(reasons), size=size, data=data, crop=crop, name=name, prepare=prepare,
                                   preview=_prepared_pixels(photo, box, transparent, side=_preview_side(max(size))))
    pixels = _prepared_pixels(photo, box, transparent)
    return PreparedPhoto(data=_encode_within_limit(pixels, photo.name), content_type='image/jpeg', prepared=True,
                         reasons=tuple(reasons))


def _label(name: str) -> str:
    return ' %s' % name if name else ''
