"""The service's rewrite of uploads: JPEG out, no metadata, at most 648 px, new ETag on every upload."""

import io

from PIL import Image

from emulator_testing import ALICE, make_image

PATH = "/users/%s/photo/$value" % ALICE


def exif_with_orientation(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "GraphOps Test Camera"  # Make
    return exif


def test_png_with_alpha_comes_back_as_flattened_jpeg(emulator, graph):
    png = make_image("PNG", size=(200, 100), color=(0, 0, 255, 0), mode="RGBA")  # fully transparent
    assert graph.put_photo(PATH, png, content_type="image/png").status_code == 200
    stored = graph.get(PATH)
    assert stored.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(stored.content))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert min(image.getpixel((100, 50))) > 240  # flattened onto white
    emulator.admin.config(flatten_background="black")
    assert graph.put_photo(PATH, png, content_type="image/png").status_code == 200
    assert max(Image.open(io.BytesIO(graph.get(PATH).content)).getpixel((100, 50))) < 15


def test_exif_is_applied_then_stripped(graph):
    jpeg = make_image(size=(300, 200), exif=exif_with_orientation(6))  # 6: rotate 90 degrees clockwise to display
    assert graph.put_photo(PATH, jpeg).status_code == 200
    stored = graph.get(PATH).content
    image = Image.open(io.BytesIO(stored))
    assert image.size == (200, 300)
    assert not image.getexif()
    assert b"GraphOps Test Camera" not in stored
    assert stored != jpeg


def test_large_upload_is_downscaled_keeping_aspect_ratio(graph):
    assert graph.put_photo(PATH, make_image(size=(2000, 1500))).status_code == 200
    meta = graph.get("/users/%s/photo" % ALICE).json()
    assert (meta["width"], meta["height"]) == (648, 486)
    assert Image.open(io.BytesIO(graph.get(PATH).content)).size == (648, 486)


def test_identical_reupload_gets_new_etag_and_counts(emulator, graph):
    jpeg = make_image()
    etags = set()
    for dummy in range(3):
        assert graph.put_photo(PATH, jpeg).status_code == 200
        etags.add(graph.get("/users/%s/photo" % ALICE).json()["@odata.mediaEtag"])
    assert len(etags) == 3
    assert emulator.admin.photo_facts("users/%s" % ALICE)["uploads"] == 3


def test_rewrite_off_keeps_bytes(emulator, graph):
    emulator.admin.config(rewrite=False)
    png = make_image("PNG", size=(1000, 800))
    assert graph.put_photo(PATH, png, content_type="image/png").status_code == 200
    stored = graph.get(PATH)
    assert stored.content == png
    assert stored.headers["Content-Type"] == "image/png"
    facts = emulator.admin.photo_facts("users/%s" % ALICE)
    assert (facts["width"], facts["height"], facts["content_type"]) == (1000, 800, "image/png")


def test_admin_put_photo_rewrites_unless_told_not_to(emulator):
    png = make_image("PNG", size=(700, 700))
    facts = emulator.admin.put_photo("users/%s" % ALICE, png)
    assert (facts["content_type"], facts["width"]) == ("image/jpeg", 648)
    emulator.admin.put_photo("users/%s" % ALICE, png, rewrite=False)
    assert emulator.admin.photo_bytes("users/%s" % ALICE) == png
