"""The switches that graph_profile_photo_probe's facts name and that had none before (batch_photo_upload, upload_etag,
resource_unit_header), the --profile file that holds its emulator_profile, and scripted faults that let requests pass."""

import base64
import subprocess
import sys

import pytest
import yaml

from emulator_testing import ALICE, make_image

from graph_emulator.process import EmulatorProcess

PATH = "/users/%s/photo/$value" % ALICE


def batch_put(graph, data):
    response = graph.request("POST", "/$batch", json={"requests": [
        {"id": "1", "method": "PUT", "url": PATH, "headers": {"Content-Type": "image/jpeg"}, "body": base64.b64encode(data).decode()}]})
    assert response.status_code == 200
    return response.json()["responses"][0]


def test_batch_photo_upload_refused_answers_an_inner_400_and_stores_nothing(emulator, graph):
    assert batch_put(graph, make_image())["status"] == 200  # accepted, the default
    emulator.admin.delete_photo("users/" + ALICE)
    emulator.admin.config(batch_photo_upload="refused")
    answer = batch_put(graph, make_image())
    assert answer["status"] == 400 and answer["body"]["error"]["code"] == "BadRequest"
    assert emulator.admin.photo_facts("users/" + ALICE) is None
    assert graph.put_photo(PATH, make_image()).status_code == 200  # outside $batch: taken


@pytest.mark.parametrize("mode, same", [("new", False), ("content", True)])
def test_upload_etag(emulator, graph, mode, same):
    emulator.admin.config(upload_etag=mode)
    data = make_image()
    etags = []
    for dummy in range(2):
        assert graph.put_photo(PATH, data).status_code == 200
        etags.append(graph.get(PATH.rsplit("/", 1)[0]).json()["@odata.mediaEtag"])
    assert (etags[0] == etags[1]) is same


def test_resource_unit_header(emulator, graph):
    assert "x-ms-resource-unit" not in graph.get(PATH.rsplit("/", 1)[0]).headers
    emulator.admin.config(resource_unit_header=True)
    assert graph.get(PATH.rsplit("/", 1)[0]).headers["x-ms-resource-unit"] == "1"


def test_a_scripted_pass_lets_the_request_through(emulator, graph):
    emulator.admin.script_faults([{"pass": True}, {"status": 503}])
    assert graph.get("/users/%s" % ALICE).status_code == 200
    assert graph.get("/users/%s" % ALICE).status_code == 503
    assert graph.get("/users/%s" % ALICE).status_code == 200


def test_profile_file_sets_the_baseline_and_the_command_line_wins(tmp_path):
    profile = tmp_path / "profile.yml"
    profile.write_text(yaml.safe_dump({"aspect": "crop_square", "missing_size": 404, "batch_photo_upload": "refused"}))
    with EmulatorProcess(state_dir=str(tmp_path / "state"), args=["--profile", str(profile), "--behaviour", "aspect=keep"]) as process:
        config = process.admin.config()
        assert (config["aspect"], config["missing_size"], config["batch_photo_upload"]) == ("keep", "404", "refused")
        process.admin.config(batch_photo_upload="accepted")
        process.admin.reset()  # back to the baseline, which holds the profile
        assert process.admin.config()["batch_photo_upload"] == "refused"


@pytest.mark.parametrize("content, expected", [
    ({"aspect": "round"}, "aspect must be one of keep, crop_square"),
    ({"shoe_size": 44}, "unknown setting 'shoe_size'"),
    (["aspect"], "a profile must be a mapping"),
])
def test_a_bad_profile_stops_the_emulator_naming_the_file_and_the_key(tmp_path, content, expected):
    profile = tmp_path / "profile.yml"
    profile.write_text(yaml.safe_dump(content))
    completed = subprocess.run([sys.executable, "-m", "graph_emulator", "--profile", str(profile), "--port", "0"],
                               capture_output=True, text=True, timeout=20, check=False)
    assert completed.returncode == 2
    assert str(profile) in completed.stderr and expected in completed.stderr
    assert "Traceback" not in completed.stderr
