"""What the Graph photo service does to pictures: validation, the rewrite, downscaled sizes.

Graph does not keep what you upload: it strips metadata, applies the EXIF orientation,
re-encodes as JPEG and caps the size at 648x648. Modules must therefore never compare bytes
or ETags with the local file; this module reproduces that behaviour so tests catch it.
"""

import hashlib
import io
import secrets
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps

PHOTO_SIZES = (48, 64, 96, 120, 240, 360, 432, 504, 648)
MAX_SIDE = PHOTO_SIZES[-1]
EXIF_ORIENTATION = 0x0112
# The filters Graph may scale a photo down with (runtime_config "downscale_filter"): Microsoft's pages do not say which
# it uses. LANCZOS, BICUBIC, BILINEAR and BOX are the antialiasing filters image services use; NEAREST (no antialiasing)
# is the crudest a service could do, kept so that tests see the compare still holds then.
DOWNSCALE_FILTERS = {
    "lanczos": Image.Resampling.LANCZOS,
    "bicubic": Image.Resampling.BICUBIC,
    "bilinear": Image.Resampling.BILINEAR,
    "box": Image.Resampling.BOX,
    "nearest": Image.Resampling.NEAREST,
}


class InvalidImage(ValueError):
    """The bytes are not a picture Pillow can decode."""


def open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InvalidImage(str(exc)) from exc
    return image


def image_size(data: bytes):
    """The picture's size from its header: the bytes were decoded when they were checked or rewritten, and a second
    full decode per upload cost the emulator more CPU than the service's answer is worth."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InvalidImage(str(exc)) from exc


def sniff_content_type(data: bytes) -> str:
    image = open_image(data)
    return Image.MIME.get(image.format or "", "application/octet-stream")


def has_transparency(image: Image.Image) -> bool:
    """True when some pixel is not fully opaque (an alpha channel that is all 255 is no transparency)."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode not in ("RGBA", "LA", "PA"):
        return False
    low, dummy = image.getchannel("A").getextrema()
    return low < 255


def _flatten(image: Image.Image, background: str) -> Image.Image:
    """RGB without alpha: composited onto white or black, or (``drop``) the alpha thrown away so that
    whatever RGB lies under transparent pixels shows."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if not has_alpha:
        # Not a copy when it is RGB already: no caller changes a picture in place.
        return image if image.mode == "RGB" else image.convert("RGB")
    rgba = image.convert("RGBA")
    if background == "drop":
        return rgba.convert("RGB")
    flat = Image.new("RGB", rgba.size, background)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif= / icc_profile= arguments: the output carries no metadata. Baseline, not progressive.
    image.save(out, format="JPEG", quality=quality, progressive=False, optimize=False)
    return out.getvalue()


def _encode_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")  # no pnginfo= / exif=: no metadata either
    return out.getvalue()


def snapped_side(longest: int) -> int:
    """The largest standard size not above ``longest`` (512 -> 504); a side under 48 stays as it is."""
    fitting = [size for size in PHOTO_SIZES if size <= longest]
    return fitting[-1] if fitting else longest


def _crop_square(image: Image.Image) -> Image.Image:
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return image.crop((left, top, left + side, top + side))


@dataclass(frozen=True)
class Rewrite:
    """How the service turns an upload into the stored photo. Graph's documentation leaves several of these
    open (GRAPH_PHOTO_API.md, "Unconfirmed, so handle each way"); each is a switch of the emulator (runtime_config.py)."""

    quality: int = 85
    background: str = "white"  # white, black or drop
    exif_orientation: str = "apply"  # apply or ignore (tag stripped, pixels as they are)
    aspect: str = "keep"  # keep or crop_square
    snap_sizes: bool = False
    keep_alpha: bool = False  # an upload with transparency is stored as PNG with its alpha
    downscale_filter: str = "lanczos"  # see DOWNSCALE_FILTERS

    @classmethod
    def from_config(cls, config) -> "Rewrite":
        return cls(quality=config["jpeg_quality"], background=config["flatten_background"],
                   exif_orientation=config["exif_orientation"], aspect=config["aspect"],
                   snap_sizes=config["snap_sizes"], keep_alpha=config["value_keeps_alpha"],
                   downscale_filter=config["downscale_filter"])

    def apply(self, data: bytes):
        """Return (bytes, content type) that Graph would store for an upload."""
        stored, content_type, dummy = self.process(data)
        return stored, content_type

    def process(self, data: bytes):
        """Return (bytes, content type, pixels): what Graph would store for an upload, and the picture those bytes
        encode, so that the renditions are made from it without decoding the stored bytes again.

        Order: decode; EXIF orientation; alpha; crop; downscale (and snap); encode without metadata.
        """
        image = open_image(data)
        if self.exif_orientation == "apply" and image.getexif().get(EXIF_ORIENTATION, 1) != 1:
            # Only a tagged picture is turned: exif_transpose copies every other one as it is.
            image = ImageOps.exif_transpose(image)
        keeps_alpha = self.keep_alpha and has_transparency(image)
        image = image.convert("RGBA") if keeps_alpha else _flatten(image, self.background)
        if self.aspect == "crop_square":
            image = _crop_square(image)
        longest = max(image.size)
        target = min(longest, MAX_SIDE)
        if self.snap_sizes:
            target = snapped_side(target)
        if target < longest:
            image = image.resize(fitted_dimensions(image.width, image.height, target), DOWNSCALE_FILTERS[self.downscale_filter])
        if keeps_alpha:
            return _encode_png(image), "image/png", image
        return _encode_jpeg(image, self.quality), "image/jpeg", image


def rewrite(data: bytes, *, quality: int = 85, background: str = "white") -> bytes:
    """The JPEG Graph would store for an upload, with the default answers to the open questions."""
    return Rewrite(quality=quality, background=background).apply(data)[0]


def offered_sizes(width: int, height: int):
    """The standard sizes a photo of this size is offered in (every size up to its own)."""
    longest = max(width, height)
    return [size for size in PHOTO_SIZES if size <= longest] or [PHOTO_SIZES[0]]


def fitted_dimensions(width: int, height: int, size: int):
    """Dimensions of the photo scaled down to fit a size x size box (never scaled up)."""
    scale = min(1.0, size / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


# Pillow's resize(reducing_gap=...): first an integer box reduce (exact averages of whole blocks, ``Image.reduce``)
# that leaves at least this many times the target size, then LANCZOS for the rest. The LANCZOS pass costs in proportion
# to the pixels it reads, so this cuts a rendition of a 648 px photo to a fraction of a full pass; Pillow's documentation
# says the result of a gap of 2 is already close to fair resampling, and at the sizes renditions have (and the 16x16 grid
# the module compares) a gap of 1.5 keeps the picture as faithful.
REDUCING_GAP = 1.5


def _scaled(image: Image.Image, dimensions, downscale_filter: str) -> Image.Image:
    if image.size == tuple(dimensions):
        return image
    if downscale_filter == "nearest":  # no antialiasing at all: one pixel picked per output pixel, nothing reduced first
        return image.resize(tuple(dimensions), Image.Resampling.NEAREST)
    return image.resize(tuple(dimensions), DOWNSCALE_FILTERS[downscale_filter], reducing_gap=REDUCING_GAP)


def make_renditions(image: Image.Image, sizes, *, quality: int = 85, background: str = "white", downscale_filter: str = "lanczos"):
    """{size: JPEG bytes}: the picture scaled down to fit each size x size box (never up), flattened onto
    ``background``. Largest first, each made from the pixels of the one before (not from a decoded JPEG), so that only
    the first resampling reads the whole picture; with ``nearest`` each is picked from the picture itself, as a
    service without antialiasing would."""
    flat = _flatten(image, background)
    source = flat
    made = {}
    for size in sorted(sizes, reverse=True):
        dimensions = fitted_dimensions(image.width, image.height, size)
        source = _scaled(flat if downscale_filter == "nearest" else source, dimensions, downscale_filter)
        made[size] = _encode_jpeg(source, quality)
    return made


def downscale(data: bytes, size: int, *, quality: int = 85, background: str = "white", downscale_filter: str = "lanczos") -> bytes:
    """The stored bytes scaled down to fit a size x size box as a flattened JPEG. A JPEG is decoded straight at the
    smallest of 1/2, 1/4 or 1/8 scale that still leaves twice the size (libjpeg's DCT scaling, ``draft``), except with
    ``nearest``, which picks from the stored pixels themselves."""
    try:
        image = Image.open(io.BytesIO(data))
        dimensions = fitted_dimensions(image.width, image.height, size)
        if downscale_filter != "nearest":
            image.draft(None, (2 * dimensions[0], 2 * dimensions[1]))
        image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InvalidImage(str(exc)) from exc
    return _encode_jpeg(_scaled(_flatten(image, background), dimensions, downscale_filter), quality)


def content_etag(data: bytes) -> str:
    """An ETag that follows the stored bytes (behaviour switch upload_etag: content)."""
    return '"%s"' % hashlib.sha256(data).hexdigest()[:8].upper()


def new_etag() -> str:
    """A fresh ETag: Graph hands out a new one on every upload, even of identical bytes."""
    return '"%s"' % secrets.token_hex(4).upper()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def generate_picture(*, color: str = "steelblue", text: str = "", width: int = 400, height: int = 400) -> bytes:
    """A simple PNG for seed data, so that no binary files live in the repository."""
    image = Image.new("RGB", (width, height), color)
    if text:
        draw = ImageDraw.Draw(image)
        try:
            draw.text((width // 10, height // 3), text, fill="white", font_size=max(10, height // 3))
        except TypeError:  # Pillow < 10.1 has no font_size
            draw.text((width // 10, height // 3), text, fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
