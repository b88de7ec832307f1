# -*- coding: utf-8 -*-
# Copyright (c) graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What is uploaded for a photo file: sent as it is, or prepared (upright, flat, cropped, <= 648 px, <= 100 KB JPEG)."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.prepare import (
    MAX_PREPARED_BYTES,
    MAX_PREPARED_SIDE,
    QUALITIES,
    PhotoPrepareError,
    check_prepare_options,
    prepare_photo,
)

# The transform that turns the upright picture into the pixels stored with each EXIF orientation
# (the inverse of what a viewer applies).
STORED_FROM_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def upright_picture(size=(320, 240)):
    """A picture whose every flip and rotation looks different: coloured corners and an off-centre bar."""
    width, height = size
    im = Image.new('RGB', size, (200, 200, 200))
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, width // 3, height // 3), fill=(220, 30, 30))
    draw.rectangle((width * 2 // 3, height * 2 // 3, width, height), fill=(30, 30, 220))
    draw.rectangle((width // 2, 0, width // 2 + width // 10, height // 2), fill=(20, 160, 40))
    return im


def encode(im, fmt, **options) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_orientation(im, orientation, quality=92) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(im, 'JPEG', quality=quality, exif=exif)


def noisy_picture(size, sigma=60):
    """Camera-like content that compresses badly (grain over a picture)."""
    base = upright_picture(size)
    noise = Image.merge('RGB', [Image.effect_noise(size, sigma) for dummy in range(3)])
    return Image.blend(base, noise, 0.5)


def mean_difference(a, b) -> float:
    small = (32, 32)
    diff = ImageChops.difference(a.convert('RGB').resize(small, Image.Resampling.BOX), b.convert('RGB').resize(small, Image.Resampling.BOX))
    return sum(ImageStat.Stat(diff).mean) / 3.0


def opened(data):
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def assert_is_a_prepared_upload(result):
    """Every prepared photo: a baseline JPEG, at most 100 KB and 648 px, without metadata."""
    assert result.prepared is True
    assert result.content_type == 'image/jpeg'
    assert len(result.data) <= MAX_PREPARED_BYTES == 102400
    im = opened(result.data)
    assert im.format == 'JPEG' and im.mode == 'RGB'
    assert max(im.size) <= MAX_PREPARED_SIDE == 648
    assert not im.info.get('progressive') and not im.info.get('progression')
    assert b'\xff\xc0' in result.data and b'\xff\xc2' not in result.data  # SOF0 (baseline), no SOF2 (progressive)
    assert b'\xff\xe1' not in result.data  # no APP1: no EXIF, no XMP
    assert 'exif' not in im.info and 'icc_profile' not in im.info and 'comment' not in im.info
    return im


# --- EXIF orientation ---

@pytest.mark.parametrize('orientation', range(1, 9))
def test_every_orientation_is_prepared_upright(orientation):
    upright = upright_picture()
    stored = upright.transpose(STORED_FROM_UPRIGHT[orientation]) if orientation > 1 else upright
    data = jpeg_with_orientation(stored, orientation)
    auto = prepare_photo(data)
    if orientation == 1:
        assert (auto.prepared, auto.reasons, auto.data) == (False, (), data)
    else:
        assert auto.reasons == ('exif_orientation',)
    result = prepare_photo(data, prepare='always')
    im = assert_is_a_prepared_upload(result)
    assert im.size == upright.size
    assert mean_difference(im, upright) < 4
    # The picture is asymmetric enough for the check above to mean something: a mirror image is far off.
    assert mean_difference(im, upright.transpose(Image.Transpose.FLIP_LEFT_RIGHT)) > 20


@pytest.mark.parametrize('orientation', [0, 9, 1000])
def test_an_orientation_outside_the_table_is_no_reason(orientation):
    data = jpeg_with_orientation(upright_picture(), orientation)
    assert prepare_photo(data).reasons == ()


def test_crop_square_is_taken_from_the_upright_picture():
    # Upright portrait 300x500 with red above, green in the centred square, blue below; stored rotated (orientation 6).
    upright = Image.new('RGB', (300, 500), (20, 170, 40))
    ImageDraw.Draw(upright).rectangle((0, 0, 300, 99), fill=(220, 30, 30))
    ImageDraw.Draw(upright).rectangle((0, 400, 300, 500), fill=(30, 30, 220))
    data = jpeg_with_orientation(upright.transpose(STORED_FROM_UPRIGHT[6]), 6)
    result = prepare_photo(data, crop='square')
    assert result.reasons == ('exif_orientation', 'crop_square')
    im = assert_is_a_prepared_upload(result)
    assert im.size == (300, 300)
    assert mean_difference(im, Image.new('RGB', (300, 300), (20, 170, 40))) < 4


# --- transparency ---

def rgba_logo(size=(200, 160)):
    im = Image.new('RGBA', size, (0, 0, 0, 0))
    ImageDraw.Draw(im).ellipse((40, 30, size[0] - 40, size[1] - 30), fill=(200, 20, 20, 255))
    return im


def palette_with_transparency():
    im = Image.new('P', (200, 160), 0)
    im.putpalette([0, 0, 0, 200, 20, 20] + [0] * (254 * 3))
    ImageDraw.Draw(im).ellipse((40, 30, 160, 130), fill=1)
    im.info['transparency'] = 0
    return im


def la_logo():
    im = Image.new('LA', (200, 160), (0, 0))
    ImageDraw.Draw(im).ellipse((40, 30, 160, 130), fill=(90, 255))
    return im


@pytest.mark.parametrize('make, fmt, reasons, inside', [
    (rgba_logo, 'PNG', ('transparency',), (200, 20, 20)),
    (la_logo, 'PNG', ('transparency',), (90, 90, 90)),
    (palette_with_transparency, 'PNG', ('transparency',), (200, 20, 20)),
    (palette_with_transparency, 'GIF', ('format_gif', 'transparency'), (200, 20, 20)),
], ids=['rgba', 'la', 'palette', 'gif-palette'])
def test_transparency_is_flattened_onto_white(make, fmt, reasons, inside):
    im = make()
    options = {'transparency': 0} if fmt == 'GIF' else {}
    result = prepare_photo(encode(im, fmt, **options))
    assert result.reasons == reasons
    flat = assert_is_a_prepared_upload(result)
    assert flat.size == (200, 160)
    for corner in ((2, 2), (197, 2), (2, 157), (197, 157)):
        assert min(flat.getpixel(corner)) >= 250, corner
    assert all(abs(got - want) <= 8 for got, want in zip(flat.getpixel((100, 80)), inside))


def test_an_alpha_channel_that_is_opaque_everywhere_is_no_reason():
    im = upright_picture().convert('RGBA')
    data = encode(im, 'PNG')
    result = prepare_photo(data)
    assert (result.prepared, result.reasons, result.data) == (False, (), data)


# --- other formats and depths ---

def test_16_bit_png_keeps_its_grey_levels():
    im = Image.new('I;16', (256, 64))
    im.putdata([x * 256 for dummy in range(64) for x in range(256)])
    data = encode(im, 'PNG')
    assert opened(data).mode.startswith('I')
    assert prepare_photo(data).reasons == ()  # small PNG without transparency: sent as it is
    flat = assert_is_a_prepared_upload(prepare_photo(data, prepare='always'))
    assert prepare_photo(data, prepare='always').reasons == ('prepare_always',)
    # 16-bit levels are scaled to 8 bits, not clipped to white.
    assert abs(flat.getpixel((64, 32))[0] - 64) <= 6 and abs(flat.getpixel((192, 32))[0] - 192) <= 6


def test_cmyk_jpeg_keeps_its_colours():
    rgb = upright_picture()
    data = encode(rgb.convert('CMYK'), 'JPEG', quality=95)
    assert opened(data).mode == 'CMYK'
    flat = assert_is_a_prepared_upload(prepare_photo(data, prepare='always'))
    assert mean_difference(flat, rgb) < 6


@pytest.mark.parametrize('fmt, reason', [('GIF', 'format_gif'), ('BMP', 'format_bmp')])
def test_gif_and_bmp_are_prepared_as_jpeg(fmt, reason):
    picture = upright_picture((180, 120))  # a BMP of 320x240 would be over 100 KB: another reason
    data = encode(picture, fmt)
    result = prepare_photo(data)
    assert result.reasons == (reason,)
    assert mean_difference(assert_is_a_prepared_upload(result), picture) < 6
    assert prepare_photo(data, prepare='never').content_type == 'image/%s' % fmt.lower()


# --- size and weight ---

def test_a_6000x4000_jpeg_is_fitted_within_648():
    data = encode(upright_picture((6000, 4000)), 'JPEG', quality=95, subsampling=0)
    big = prepare_photo(data)
    assert len(data) > 102400
    assert big.reasons == ('larger_than_648px', 'over_100KB')
    im = assert_is_a_prepared_upload(big)
    assert im.size == (648, 432)
    assert mean_difference(im, upright_picture((648, 432))) < 4
    square = assert_is_a_prepared_upload(prepare_photo(data, crop='square'))
    assert square.size == (648, 648)


def test_a_5_mb_png_fits_100_kb():
    data = encode(noisy_picture((1400, 1400)), 'PNG', compress_level=0)
    assert len(data) > 5 * 1000 * 1000
    result = prepare_photo(data)
    assert result.reasons == ('larger_than_648px', 'over_100KB')
    assert assert_is_a_prepared_upload(result).size == (648, 648)


def test_a_picture_too_busy_for_100_kb_at_the_lowest_quality_is_made_smaller(jpeg_encodes):
    noise = Image.merge('RGB', [Image.effect_noise((640, 480), 120) for dummy in range(3)])
    result = prepare_photo(encode(noise, 'PNG', compress_level=0))
    im = assert_is_a_prepared_upload(result)
    # Smaller by steps of 0.85, keeping the aspect ratio.
    assert im.size[0] < 640 and abs(im.size[0] / float(im.size[1]) - 640 / 480.0) < 0.02
    # The steps that the bytes per pixel say cannot fit are not encoded (stepping through all of them took 7 encodes).
    assert len(jpeg_encodes) <= 4, jpeg_encodes
    # No step that fits was skipped: the step before the result does not fit at the lowest quality.
    steps = [(640, 480)]
    while steps[-1] != im.size:
        steps.append((int(steps[-1][0] * 0.85), int(steps[-1][1] * 0.85)))
    before = noise.resize(steps[-2], Image.Resampling.HAMMING, reducing_gap=3.0)
    assert len(encode(before, 'JPEG', quality=QUALITIES[-1], optimize=True, subsampling='4:2:0')) > MAX_PREPARED_BYTES


def test_heavy_but_small_jpeg_is_prepared_for_its_weight_only():
    data = encode(noisy_picture((600, 600)), 'JPEG', quality=98)
    assert len(data) > 102400
    result = prepare_photo(data)
    assert result.reasons == ('over_100KB',)
    assert assert_is_a_prepared_upload(result).size == (600, 600)


@pytest.mark.parametrize('size', [(100, 60), (648, 648)])
@pytest.mark.parametrize('fmt', ['JPEG', 'PNG'])
def test_a_plain_jpeg_or_png_within_limits_is_sent_as_it_is(fmt, size):
    data = encode(upright_picture(size), fmt)
    result = prepare_photo(data)
    assert (result.prepared, result.reasons, result.data) == (False, (), data)
    assert result.content_type == 'image/%s' % fmt.lower()
    assert result.upload_info() == {'prepared': False, 'reasons': []}


def test_small_pictures_are_never_upscaled():
    result = prepare_photo(encode(upright_picture((100, 60)), 'PNG'), prepare='always')
    assert assert_is_a_prepared_upload(result).size == (100, 60)


# --- crop ---

@pytest.mark.parametrize('size, bands', [
    ((300, 500), 'rows'),
    ((500, 300), 'columns'),
], ids=['portrait', 'landscape'])
def test_crop_square_takes_the_centred_square(size, bands):
    width, height = size
    im = Image.new('RGB', size, (20, 170, 40))
    draw = ImageDraw.Draw(im)
    if bands == 'rows':
        draw.rectangle((0, 0, width, 99), fill=(220, 30, 30))
        draw.rectangle((0, 400, width, height), fill=(30, 30, 220))
    else:
        draw.rectangle((0, 0, 99, height), fill=(220, 30, 30))
        draw.rectangle((400, 0, width, height), fill=(30, 30, 220))
    result = prepare_photo(encode(im, 'PNG'), crop='square')
    assert result.reasons == ('crop_square',)
    cropped = assert_is_a_prepared_upload(result)
    assert cropped.size == (300, 300)
    assert mean_difference(cropped, Image.new('RGB', (300, 300), (20, 170, 40))) < 3


def test_crop_square_on_a_square_picture_is_no_reason():
    data = encode(upright_picture((300, 300)), 'JPEG')
    assert prepare_photo(data, crop='square').data == data


# --- modes, errors, determinism ---

def test_never_sends_the_bytes_whatever_they_hold():
    data = jpeg_with_orientation(upright_picture((2000, 1500)), 6)
    result = prepare_photo(data, prepare='never')
    assert (result.prepared, result.reasons, result.data, result.content_type) == (False, (), data, 'image/jpeg')


@pytest.mark.parametrize('prepare, crop, message', [
    ('never', 'square', 'crop: square needs a prepared photo; set prepare to auto or always, or crop to none.'),
    ('sometimes', 'none', 'prepare must be one of auto, always, never (got sometimes).'),
    ('auto', 'circle', 'crop must be one of none, square, face (got circle).'),
    ('never', 'face', 'crop: face needs a prepared photo; set prepare to auto or always, or crop to none.'),
])
def test_option_errors_are_one_sentence(prepare, crop, message):
    with pytest.raises(GraphOptionError) as caught:
        check_prepare_options(prepare=prepare, crop=crop)
    assert str(caught.value) == message


def png_claiming(width, height) -> bytes:
    """A tiny PNG whose header claims width x height pixels: what a decompression bomb looks like to Pillow."""
    data = bytearray(encode(Image.new('L', (1, 1)), 'PNG'))
    header = struct.pack('>II', width, height) + bytes(data[24:29])
    data[16:29] = header
    data[29:33] = struct.pack('>I', zlib.crc32(b'IHDR' + header) & 0xffffffff)
    return bytes(data)


@pytest.mark.parametrize('side', [10000, 20000], ids=['over-the-warning', 'over-the-error'])
def test_decompression_bomb_guard_is_a_clear_error(side):
    with pytest.raises(PhotoPrepareError) as caught:
        prepare_photo(png_claiming(side, side), name='/photos/bomb.png')
    assert str(caught.value).startswith('The photo /photos/bomb.png has more pixels than Pillow decodes safely')
    assert 'scale it down to 648x648 pixels' in str(caught.value)


def test_not_an_image_is_a_clear_error():
    with pytest.raises(PhotoPrepareError, match='is not a JPEG, PNG, GIF or BMP image'):
        prepare_photo(b'RIFF....WEBPVP8 ')


def test_the_same_file_gives_the_same_bytes():
    data = jpeg_with_orientation(noisy_picture((1200, 900)), 8)
    first = prepare_photo(data, crop='square')
    assert first.reasons == ('exif_orientation', 'crop_square', 'larger_than_648px', 'over_100KB')
    for dummy in range(2):
        assert prepare_photo(data, crop='square').data == first.data


# --- CPU: how many encodes, and the resize filter ---

def hr_photo(seed, side=800) -> bytes:
    """An HR photo as the benchmark's realistic case has them: 800x800, quality 90, about 160 KB (gradient, shapes,
    detail and grain)."""
    rng = random.Random(seed)
    top, bottom = (tuple(rng.randrange(256) for dummy in range(3)) for dummy in range(2))
    gradient = Image.linear_gradient('L').resize((side, side))
    im = Image.composite(Image.new('RGB', (side, side), bottom), Image.new('RGB', (side, side), top), gradient)
    draw = ImageDraw.Draw(im)
    for count, largest in ((14, side // 2), (120, side // 10)):
        for dummy in range(count):
            x, y = rng.randrange(side), rng.randrange(side)
            w, h = rng.randrange(side // 60, largest), rng.randrange(side // 60, largest)
            draw.ellipse((x, y, x + w, y + h), fill=tuple(rng.randrange(256) for dummy in range(3)))
    im = Image.blend(im.filter(ImageFilter.GaussianBlur(1.5)), Image.effect_noise((side, side), 18).convert('RGB'), 0.25)
    return encode(im, 'JPEG', quality=90)


@pytest.fixture
def jpeg_encodes(monkeypatch):
    """The JPEG encodes made while the test runs (every Image.save as JPEG goes through Image.SAVE['JPEG'])."""
    made = []
    Image.init()  # registers the JPEG plugin's save
    save = Image.SAVE['JPEG']

    def counting_save(im, *args, **kwargs):
        made.append(im.encoderinfo.get('quality'))
        return save(im, *args, **kwargs)
    monkeypatch.setitem(Image.SAVE, 'JPEG', counting_save)
    return made


def edge_contrast(im) -> float:
    return ImageStat.Stat(im.convert('L').filter(ImageFilter.FIND_EDGES)).mean[0]


@pytest.mark.parametrize('seed', [1, 2])
def test_an_800px_hr_photo_is_prepared_with_at_most_two_encodes_at_quality_90(seed, jpeg_encodes):
    data = hr_photo(seed)
    assert 120 * 1024 < len(data) < 220 * 1024
    result = prepare_photo(data)
    assert result.reasons == ('larger_than_648px', 'over_100KB')
    assert assert_is_a_prepared_upload(result).size == (648, 648)
    # Quality 90 with the standard Huffman tables, and only when that is a little over 100 KB, with optimised ones.
    assert jpeg_encodes in ([90], [90, 90]), jpeg_encodes
    assert prepare_photo(data).data == result.data


def test_the_resize_is_as_sharp_as_lanczos():
    source = opened(hr_photo(3))
    prepared = assert_is_a_prepared_upload(prepare_photo(hr_photo(3)))
    lanczos = opened(encode(source.resize((648, 648), Image.Resampling.LANCZOS), 'JPEG', quality=90, subsampling='4:2:0'))
    # The same picture, and no softer than a Lanczos resize encoded alike: a bilinear resize keeps about 75% of the edge
    # contrast, a box resize adds aliasing (about 120%).
    assert mean_difference(prepared, lanczos) < 1.5
    assert 0.9 < edge_contrast(prepared) / edge_contrast(lanczos) < 1.1


def first_quality_that_fits(im) -> bytes:
    """What stepping down the qualities one by one gives (optimised Huffman tables): the reference."""
    for quality in QUALITIES:
        data = encode(im, 'JPEG', quality=quality, optimize=True, progressive=False, subsampling='4:2:0')
        if len(data) <= MAX_PREPARED_BYTES:
            return data
    raise AssertionError('no quality fits')


@pytest.mark.parametrize('sigma', [15, 30, 40])
def test_a_heavy_picture_gets_the_highest_quality_that_fits_in_few_encodes(sigma, jpeg_encodes):
    picture = noisy_picture((648, 648), sigma)
    data = encode(picture, 'PNG')
    result = prepare_photo(data)
    assert result.reasons == ('over_100KB',)
    assert_is_a_prepared_upload(result)
    encodes = list(jpeg_encodes)
    # The first encode (quality 90, standard tables) is too heavy; the quality it predicts is the one that fits.
    assert encodes[0] == 90 and len(encodes) <= 3, encodes
    assert result.data == first_quality_that_fits(picture)
