"""The request log records Graph calls (writes flagged), never a token, in memory and in requests.jsonl."""

import json
import os

from emulator_testing import ALICE, ALICE_ID, BOB, make_image


def test_writes_are_recorded_with_principal_and_status(emulator, graph):
    emulator.admin.clear_log()
    graph.get("/users/%s/photo" % BOB)
    graph.put_photo("/users/%s/photo/$value" % ALICE, make_image(), )
    graph.put_photo("/users/%s/photo/$value" % ALICE, b"junk")
    graph.request("DELETE", "/users/%s/photo/$value" % ALICE, headers={"client-request-id": "del-1"})
    entries = emulator.admin.log()
    assert [(e["method"], e["status"], e["write"]) for e in entries] == [
        ("GET", 200, False), ("PUT", 200, True), ("PUT", 400, True), ("DELETE", 200, True)]
    assert entries[1]["principal"] == "users/%s" % ALICE_ID
    assert entries[1]["path"] == "/v1.0/users/%s/photo/$value" % ALICE
    assert entries[3]["client_request_id"] == "del-1"
    assert [e["seq"] for e in emulator.admin.log(since=entries[1]["seq"])] == [entries[2]["seq"], entries[3]["seq"]]
    assert [e["method"] for e in emulator.admin.writes()] == ["PUT", "PUT", "DELETE"]


def test_the_media_type_of_what_was_sent_is_recorded(emulator, graph):
    """What a client uploaded, seen from the side: the body's media type (without parameters), none without a body."""
    emulator.admin.clear_log()
    graph.put_photo("/users/%s/photo/$value" % ALICE, make_image("PNG"), content_type="image/png")
    graph.put_photo("/users/%s/photo/$value" % ALICE, make_image(), content_type="image/JPEG; charset=binary")
    graph.get("/users/%s/photo" % ALICE)
    assert [(e["method"], e["content_type"]) for e in emulator.admin.log()] == [
        ("PUT", "image/png"), ("PUT", "image/jpeg"), ("GET", None)]


def test_log_and_jsonl_never_contain_a_token(emulator, graph, client_for):
    delegated = emulator.admin.delegated_token(ALICE, ["User.ReadWrite"])
    client_for(delegated).put_photo("/me/photo/$value", make_image())
    graph.get("/users/%s/photo?$select=id" % BOB)
    tokens = emulator.admin.issued_tokens()
    assert delegated in tokens and len(tokens) >= 2
    with open(os.path.join(emulator.state_dir, "requests.jsonl"), encoding="utf-8") as handle:
        lines = handle.read()
    assert lines.strip(), "requests.jsonl is empty"
    for entry in lines.splitlines():
        json.loads(entry)
    recorded = json.dumps(emulator.admin.log()) + lines + emulator.output()
    for token in tokens:
        assert token not in recorded
    assert "authorization" not in recorded.lower()


def test_clear_log(emulator, graph):
    graph.get("/users/%s/photo" % BOB)
    assert emulator.admin.log()
    emulator.admin.clear_log()
    assert emulator.admin.log() == []
    jsonl = os.path.join(emulator.state_dir, "requests.jsonl")
    assert os.path.getsize(jsonl) == 0, "clearing the log empties requests.jsonl"
    graph.get("/users/%s/photo" % BOB)
    with open(jsonl, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["seq"] == emulator.admin.log()[0]["seq"], \
        "each entry is in the file as soon as it is logged, after a clear too"
