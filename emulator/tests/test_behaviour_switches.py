"""The switches for what public sources leave open about Graph: each value does what README.md says.

Every switch is set through the admin API here; the command line and the seed's ``behaviour:`` are covered at
the end (they share the admin API's validation).
"""

import base64
import io
import os
import subprocess
import sys

import pytest
import yaml
from PIL import Image

from emulator_testing import ALICE, ALICE_ID, BOB, CAROL, ENGINEERING, MARKETING, GraphClient, make_image, secret_token

from graph_emulator.process import EmulatorProcess
from graph_emulator.runtime_config import parse_setting
from graph_emulator.seed import DEFAULT_SEED

PATH = "/users/%s/photo/$value" % ALICE
RED, GREEN, BLUE = (220, 20, 20), (20, 200, 20), (20, 20, 220)


def stored_image(graph, path=PATH):
    response = graph.get(path)
    assert response.status_code == 200, response.text
    return response, Image.open(io.BytesIO(response.content))


def three_stripes(width=300, height=100):
    """Red | green | blue, left to right: a centred square crop keeps only green."""
    image = Image.new("RGB", (width, height), GREEN)
    image.paste(RED, (0, 0, width // 3, height))
    image.paste(BLUE, (2 * width // 3, 0, width, height))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def close_to(pixel, color, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], color))


def half_transparent_png(size=(200, 100)):
    """Left half opaque red; right half fully transparent with blue underneath."""
    image = Image.new("RGBA", size, BLUE + (0,))
    image.paste(RED + (255,), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def exif_orientation_6():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    return exif


# --- aspect -----------------------------------------------------------------------------------------------------------

def test_aspect_keep_is_the_default_and_crop_square_keeps_the_centre(emulator, graph):
    assert graph.put_photo(PATH, three_stripes(), content_type="image/png").status_code == 200
    image = stored_image(graph)[1]
    assert image.size == (300, 100)
    assert close_to(image.getpixel((10, 50)), RED)
    emulator.admin.config(aspect="crop_square")
    assert graph.put_photo(PATH, three_stripes(), content_type="image/png").status_code == 200
    image = stored_image(graph)[1]
    assert image.size == (100, 100)
    for corner in ((3, 3), (96, 3), (3, 96), (96, 96)):
        assert close_to(image.getpixel(corner), GREEN), corner
    meta = graph.get("/users/%s/photo" % ALICE).json()
    assert (meta["id"], meta["width"], meta["height"]) == ("100x100", 100, 100)


def test_crop_square_comes_before_the_downscale(emulator, graph):
    emulator.admin.config(aspect="crop_square")
    assert graph.put_photo(PATH, three_stripes(3000, 1000), content_type="image/png").status_code == 200
    image = stored_image(graph)[1]
    assert image.size == (648, 648)  # cropped to 1000x1000 first, then scaled: no red or blue left
    assert close_to(image.getpixel((2, 324)), GREEN) and close_to(image.getpixel((645, 324)), GREEN)


# --- exif_orientation -------------------------------------------------------------------------------------------------

def test_exif_orientation_apply_or_ignore(emulator, graph):
    jpeg = make_image(size=(300, 200), exif=exif_orientation_6())
    assert graph.put_photo(PATH, jpeg).status_code == 200
    assert stored_image(graph)[1].size == (200, 300)  # apply (default): turned upright
    emulator.admin.config(exif_orientation="ignore")
    assert graph.put_photo(PATH, jpeg).status_code == 200
    response, image = stored_image(graph)
    assert image.size == (300, 200)  # pixels as they were: a tagged portrait now shows sideways
    assert not image.getexif()
    assert b"Exif" not in response.content


# --- flatten_background -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("background, expected", [("white", (255, 255, 255)), ("black", (0, 0, 0)), ("drop", BLUE)])
def test_flatten_background(emulator, graph, background, expected):
    if background != "white":
        emulator.admin.config(flatten_background=background)
    assert graph.put_photo(PATH, half_transparent_png(), content_type="image/png").status_code == 200
    response, image = stored_image(graph)
    assert response.headers["Content-Type"] == "image/jpeg" and image.mode == "RGB"
    assert close_to(image.getpixel((150, 50)), expected, tolerance=20)
    assert close_to(image.getpixel((50, 50)), RED)
    sized = Image.open(io.BytesIO(graph.get("/users/%s/photos/96x96/$value" % ALICE).content))
    assert close_to(sized.getpixel((80, 24)), expected, tolerance=30)


# --- snap_sizes -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("upload, aspect, expected", [
    ((512, 512), "keep", (504, 504)),
    ((600, 300), "keep", (504, 252)),
    ((2000, 1000), "keep", (648, 324)),
    ((600, 300), "crop_square", (240, 240)),
    ((40, 30), "keep", (40, 30)),  # under the smallest size: nothing to snap to
])
def test_snap_sizes_snaps_the_longer_side_down_to_the_list(emulator, graph, upload, aspect, expected):
    emulator.admin.config(snap_sizes=True, aspect=aspect)
    assert graph.put_photo(PATH, make_image(size=upload)).status_code == 200
    assert stored_image(graph)[1].size == expected
    meta = graph.get("/users/%s/photo" % ALICE).json()
    assert (meta["width"], meta["height"]) == expected


def test_without_snap_sizes_512_stays_512(graph):
    assert graph.put_photo(PATH, make_image(size=(512, 512))).status_code == 200
    assert stored_image(graph)[1].size == (512, 512)
    sizes = [entry["id"] for entry in graph.get("/users/%s/photos" % ALICE).json()["value"]]
    assert sizes[-1] == "504x504" and "648x648" not in sizes


# --- jpeg_quality -----------------------------------------------------------------------------------------------------

def test_jpeg_quality_changes_the_stored_bytes(emulator, graph):
    noisy = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    sizes = {}
    for quality in (75, 95):
        emulator.admin.config(jpeg_quality=quality)
        assert graph.put_photo(PATH, out.getvalue(), content_type="image/png").status_code == 200
        sizes[quality] = emulator.admin.photo_facts("users/%s" % ALICE)["size"]
    assert sizes[95] > sizes[75] * 1.3


# --- downscale_filter -------------------------------------------------------------------------------------------------

def stripes(width, height):
    """Black and white columns one pixel wide: a filter that averages makes grey of them, picking pixels does not."""
    column = bytes((0, 0, 0, 255, 255, 255)) * (width // 2)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), column * height).save(out, format="PNG")
    return out.getvalue()


def column_spread(image):
    """Mean absolute difference of neighbouring pixels along the middle row: about 0 for grey, large for stripes."""
    grey = image.convert("L")
    row = [grey.getpixel((x, grey.height // 2)) for x in range(grey.width)]
    return sum(abs(a - b) for a, b in zip(row, row[1:])) / float(len(row) - 1)


@pytest.mark.parametrize("name", ["lanczos", "bicubic", "bilinear", "box", "nearest"])
def test_downscale_filter_makes_the_stored_photo_and_every_rendition(emulator, graph, name):
    emulator.admin.config(downscale_filter=name)
    # Three times the largest side Graph keeps: averaging three columns of 0, 255, 0 leaves at most 85 between neighbours.
    assert graph.put_photo(PATH, stripes(1944, 1944), content_type="image/png").status_code == 200
    pictures = [stored_image(graph)[1]]
    for size in ("96x96", "240x240"):  # one made when the photo was stored, one on its first read
        pictures.append(stored_image(graph, "/users/%s/photos/%s/$value" % (ALICE, size))[1])
    assert [picture.size for picture in pictures] == [(648, 648), (96, 96), (240, 240)]
    for picture in pictures:
        if name == "nearest":
            assert column_spread(picture) > 150, "picked pixels keep the stripes"
        else:
            assert column_spread(picture) < 100, "%s averages the stripes towards grey" % name


def test_renditions_follow_a_downscale_filter_changed_after_the_upload(emulator, graph):
    assert graph.put_photo(PATH, stripes(648, 648), content_type="image/png").status_code == 200
    rendition = "/users/%s/photos/96x96/$value" % ALICE
    assert column_spread(stored_image(graph, rendition)[1]) < 25
    emulator.admin.config(downscale_filter="nearest")
    assert column_spread(stored_image(graph, rendition)[1]) > 60


# --- missing_size -----------------------------------------------------------------------------------------------------

def test_missing_size_404_is_the_default(graph):
    response = graph.get("/users/%s/photos/648x648" % BOB)  # bob's seeded photo is 480x480
    assert response.status_code == 404 and response.json()["error"]["code"] == "ImageNotFound"
    assert graph.get("/users/%s/photos/648x648/$value" % BOB).status_code == 404


def test_missing_size_1x1_answers_metadata_and_the_largest_rendition(emulator, graph):
    emulator.admin.config(missing_size="1x1")
    etag = graph.get("/users/%s/photo" % BOB).json()["@odata.mediaEtag"]
    for size in ("648x648", "50x50"):
        meta = graph.get("/users/%s/photos/%s" % (BOB, size))
        assert meta.status_code == 200, meta.text
        body = meta.json()
        assert (body["id"], body["width"], body["height"]) == ("1x1", 1, 1)
        assert body["@odata.mediaEtag"] == etag
    value = graph.get("/users/%s/photos/648x648/$value" % BOB)
    assert value.status_code == 200 and value.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(value.content)).size == (480, 480)
    offered = graph.get("/users/%s/photos/240x240" % BOB).json()
    assert (offered["id"], offered["width"]) == ("240x240", 240)
    assert graph.get("/users/%s/photos/648x648" % ALICE).status_code == 404  # no photo at all: still 404


# --- value_keeps_alpha ------------------------------------------------------------------------------------------------

def test_value_keeps_alpha_stores_png_and_flattens_sized_renditions(emulator, graph):
    emulator.admin.config(value_keeps_alpha=True)
    assert graph.put_photo(PATH, half_transparent_png(), content_type="image/png").status_code == 200
    response, image = stored_image(graph)
    assert response.headers["Content-Type"] == "image/png" and image.mode == "RGBA"
    assert image.getpixel((150, 50))[3] == 0 and image.getpixel((50, 50))[3] == 255
    assert not image.info.get("exif")
    assert graph.get("/users/%s/photo" % ALICE).json()["@odata.mediaContentType"] == "image/png"
    sized = graph.get("/users/%s/photos/96x96/$value" % ALICE)
    assert sized.headers["Content-Type"] == "image/jpeg"
    flat = Image.open(io.BytesIO(sized.content))
    assert flat.mode == "RGB" and close_to(flat.getpixel((80, 24)), (255, 255, 255), tolerance=30)
    assert graph.get("/users/%s/photos/96x96" % ALICE).json()["@odata.mediaContentType"] == "image/jpeg"
    # An upload without transparency is a JPEG as before, alpha channel or not.
    opaque = make_image("PNG", size=(100, 100), color=RED + (255,), mode="RGBA")
    assert graph.put_photo(PATH, opaque, content_type="image/png").status_code == 200
    assert graph.get(PATH).headers["Content-Type"] == "image/jpeg"


def test_value_keeps_alpha_off_flattens_value_too(graph):
    assert graph.put_photo(PATH, half_transparent_png(), content_type="image/png").status_code == 200
    assert graph.get(PATH).headers["Content-Type"] == "image/jpeg"


# --- batch_order ------------------------------------------------------------------------------------------------------

def batch_ids(graph, count=6):
    response = graph.request("POST", "/$batch", json={"requests": [
        {"id": str(i), "method": "GET", "url": "/users/%s/photo" % (BOB if i % 2 else ALICE)} for i in range(count)]})
    assert response.status_code == 200
    return [entry["id"] for entry in response.json()["responses"]]


def test_batch_answers_are_shuffled_by_default_and_in_request_order_on_request(emulator, graph):
    in_order = [str(i) for i in range(6)]
    shuffled = [batch_ids(graph) for dummy in range(3)]
    assert all(sorted(ids) == in_order and ids != in_order for ids in shuffled)
    assert batch_ids(graph, 2) == ["1", "0"]  # never the request order, even with two
    emulator.admin.config(batch_order="request")
    assert batch_ids(graph) == in_order


def test_batch_shuffle_seed_repeats_the_order(emulator, graph):
    emulator.admin.config(batch_shuffle_seed=42)
    first = [batch_ids(graph) for dummy in range(3)]
    emulator.admin.config(batch_shuffle_seed=43)
    emulator.admin.config(batch_shuffle_seed=42)
    assert [batch_ids(graph) for dummy in range(3)] == first


# --- group_photo_app_only: deny_writes --------------------------------------------------------------------------------

def test_group_photo_app_only_deny_writes(emulator, graph, client_for):
    emulator.admin.config(group_photo_app_only="deny_writes")
    assert graph.get("/groups/%s/photo/$value" % MARKETING).status_code == 200  # reads stay allowed
    jpeg = make_image()
    for method, path in (("PUT", "/groups/%s/photo/$value" % MARKETING), ("PATCH", "/groups/%s/photo/$value" % MARKETING),
                         ("DELETE", "/groups/%s/photo/$value" % MARKETING), ("PUT", "/teams/%s/photo/$value" % ENGINEERING)):
        response = graph.request(method, path, data=jpeg, headers={"Content-Type": "image/jpeg"})
        assert response.status_code == 403, (method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "AppOnlyTokenNotSupportedForGroupUpdate"
        assert "ProfileAccessDeniedException" in error["message"]
    assert emulator.admin.photo_facts("groups/%s" % MARKETING)["uploads"] == 0
    assert graph.put_photo(PATH, jpeg).status_code == 200  # users are not affected
    delegated = client_for(emulator.admin.delegated_token(ALICE, ["Group.ReadWrite.All"]))
    assert delegated.put_photo("/groups/%s/photo/$value" % MARKETING, jpeg).status_code == 200


# --- not a switch: only image/* content types are uploads ---------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_upload_with_a_content_type_that_is_no_image_is_500(emulator, graph, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = graph.request("PUT", PATH, data=make_image(), headers=headers)
    assert response.status_code == 500 and response.json()["error"]["code"] == "ErrorInternalServerError"
    assert emulator.admin.photo_bytes("users/%s" % ALICE_ID) is None


def test_no_image_content_type_in_a_batch_is_500_too(graph):
    response = graph.request("POST", "/$batch", json={"requests": [
        {"id": "1", "method": "PUT", "url": PATH, "headers": {"Content-Type": "text/plain"},
         "body": base64.b64encode(make_image()).decode()}]})
    assert response.json()["responses"][0]["status"] == 500


# --- validation, the command line, the seed, reset --------------------------------------------------------------------

def test_admin_config_validates_the_new_keys(emulator):
    before = emulator.admin.config()
    for bad in ({"aspect": "square"}, {"flatten_background": "grey"}, {"snap_sizes": "yes"}, {"missing_size": "2x2"},
                {"no_mailbox_oversize": 500}, {"batch_order": "sorted"}, {"group_photo_app_only": "deny_reads"},
                {"exif_orientation": "rotate"}, {"value_keeps_alpha": 1}, {"batch_shuffle_seed": "x"},
                {"downscale_filter": "hamming"}):
        response = emulator.admin.session.post(emulator.url + "/_emulator/config", json=dict(bad, jpeg_quality=80), timeout=10)
        assert response.status_code == 400, bad
        assert list(bad)[0] in response.json()["error"]
    assert emulator.admin.config() == before  # nothing changed, not even the valid jpeg_quality
    assert emulator.admin.config(no_mailbox_oversize=413, missing_size="1x1")["no_mailbox_oversize"] == "413"


@pytest.mark.parametrize("text, expected", [
    ("aspect=crop_square", ("aspect", "crop_square")),
    ("snap_sizes=true", ("snap_sizes", True)),
    ("value_keeps_alpha=no", ("value_keeps_alpha", False)),
    ("jpeg_quality=90", ("jpeg_quality", 90)),
    ("no_mailbox_oversize=413", ("no_mailbox_oversize", "413")),
    ("missing_size=1x1", ("missing_size", "1x1")),
    ("batch_shuffle_seed=7", ("batch_shuffle_seed", 7)),
    ("group_photo_app_only=deny_writes", ("group_photo_app_only", "deny_writes")),
    ("downscale_filter=box", ("downscale_filter", "box")),
])
def test_parse_setting(text, expected):
    assert parse_setting(text) == expected


@pytest.mark.parametrize("text", ["aspect", "aspect=round", "snap_sizes=maybe", "jpeg_quality=50", "colour=blue", "=1"])
def test_parse_setting_refuses(text):
    with pytest.raises(ValueError):
        parse_setting(text)


@pytest.mark.parametrize("args, needle", [
    (["--behaviour", "aspect=round"], "aspect must be one of keep, crop_square"),
    (["--behaviour", "colour=blue"], "unknown setting 'colour'"),
    (["--behaviour", "snap_sizes"], "expected KEY=VALUE"),
])
def test_bad_behaviour_option_exits_2(args, needle):
    completed = subprocess.run([sys.executable, "-m", "graph_emulator"] + args, capture_output=True, text=True,
                               timeout=20, check=False)
    assert completed.returncode == 2
    assert needle in completed.stderr and "Traceback" not in completed.stderr


def demo_seed_with(tmp_path, behaviour):
    seed = yaml.safe_load(open(DEFAULT_SEED, encoding="utf-8").read())
    seed["behaviour"] = behaviour
    path = tmp_path / "seed.yml"
    path.write_text(yaml.safe_dump(seed))
    return str(path)


def test_bad_seed_behaviour_exits_2(tmp_path):
    seed = demo_seed_with(tmp_path, {"missing_size": "2x2"})
    completed = subprocess.run([sys.executable, "-m", "graph_emulator", "--seed", seed, "--state-dir", str(tmp_path / "state")],
                               capture_output=True, text=True, timeout=30, check=False)
    assert completed.returncode == 2
    assert "behaviour: missing_size must be one of 404, 1x1" in completed.stderr and "Traceback" not in completed.stderr


def test_seed_and_command_line_make_the_baseline_that_reset_returns_to(tmp_path):
    seed = demo_seed_with(tmp_path, {"aspect": "keep", "snap_sizes": True, "no_mailbox_oversize": 413, "batch_order": "request"})
    args = ["--behaviour", "aspect=crop_square", "--behaviour", "missing_size=1x1", "--group-photo-app-only", "deny_writes"]
    with EmulatorProcess(seed=seed, state_dir=str(tmp_path / "state"), args=args) as process:
        baseline = {"aspect": "crop_square", "snap_sizes": True, "no_mailbox_oversize": "413", "batch_order": "request",
                    "missing_size": "1x1", "group_photo_app_only": "deny_writes"}
        config = process.admin.config()
        assert {key: config[key] for key in baseline} == baseline  # the command line wins over the seed
        process.admin.config(aspect="keep", snap_sizes=False, missing_size="404", batch_order="shuffled")
        process.admin.reset()
        config = process.admin.config()
        assert {key: config[key] for key in baseline} == baseline
        # The seeded photos are stored as the baseline says: bob's generated 480x480 snaps to 432x432.
        assert (process.admin.photo_facts("users/%s" % BOB)["width"], process.admin.photo_facts("users/%s" % BOB)["height"]) == (432, 432)
        graph = GraphClient(process.url, process.ca_path, secret_token(process))
        assert graph.get("/users/%s/photos/648x648" % BOB).json()["id"] == "1x1"
        assert graph.put_photo("/users/%s/photo/$value" % CAROL, os.urandom(200 * 1024), content_type="image/png").status_code == 413
        assert graph.put_photo("/users/%s/photo/$value" % ALICE, make_image(size=(600, 300))).status_code == 200
        assert process.admin.photo_facts("users/%s" % ALICE)["width"] == 240  # cropped to 300, snapped to 240
