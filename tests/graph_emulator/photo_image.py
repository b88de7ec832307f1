"""What the Graph photo service does to pictures: validation, the rewrite, downscaled sizes.

Graph does not keep what you upload: it strips metadata, applies the EXIF orientation,
re-encodes as JPEG and caps the size at 648x648. Modules must therefore never compare bytes
or ETags with the local file; this module reproduces that behaviour so tests catch it.
"""

import hashlib
import io
import secrets

from PIL import Image, ImageDraw, ImageOps

PHOTO_SIZES = (48, 64, 96, 120, 240, 360, 432, 504, 648)
MAX_SIDE = PHOTO_SIZES[-1]


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
    image = open_image(data)
    return image.size


def sniff_content_type(data: bytes) -> str:
    image = open_image(data)
    return Image.MIME.get(image.format or "", "application/octet-stream")


def _flatten(image: Image.Image, background: str) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, background)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif= / icc_profile= arguments: the output carries no metadata. Baseline, not progressive.
    image.save(out, format="JPEG", quality=quality, progressive=False, optimize=False)
    return out.getvalue()


def rewrite(data: bytes, *, quality: int = 85, background: str = "white") -> bytes:
    """Return the bytes Graph would store for an upload."""
    image = ImageOps.exif_transpose(open_image(data))
    image = _flatten(image, background)
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.LANCZOS)
    return _encode_jpeg(image, quality)


def offered_sizes(width: int, height: int):
    """The standard sizes a photo of this size is offered in (every size up to its own)."""
    longest = max(width, height)
    return [size for size in PHOTO_SIZES if size <= longest] or [PHOTO_SIZES[0]]


def fitted_dimensions(width: int, height: int, size: int):
    """Dimensions of the photo scaled down to fit a size x size box (never scaled up)."""
    scale = min(1.0, size / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def downscale(data: bytes, size: int, *, quality: int = 85, background: str = "white") -> bytes:
    image = _flatten(open_image(data), background)
    image.thumbnail((size, size), Image.LANCZOS)
    return _encode_jpeg(image, quality)


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
