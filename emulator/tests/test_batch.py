"""JSON batching: the 20 limit, unique ids, dependsOn, base64 bodies both ways, inner auth and throttling."""

import base64

from emulator_testing import ALICE, ALICE_ID, BOB, MARKETING, make_image

from graph_emulator.photo_image import image_size


def batch(graph, requests_):
    return graph.request("POST", "/$batch", json={"requests": requests_})


def by_id(response):
    return {r["id"]: r for r in response.json()["responses"]}


def test_binary_bodies_travel_base64(emulator, graph):
    jpeg = make_image(size=(320, 240))
    response = batch(graph, [
        {"id": "1", "method": "PUT", "url": "/users/%s/photo/$value" % ALICE, "headers": {"Content-Type": "image/jpeg"},
         "body": base64.b64encode(jpeg).decode()},
        {"id": "2", "method": "GET", "url": "/users/%s/photo/$value" % ALICE, "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": "/users/%s/photo" % ALICE, "dependsOn": ["1"]},
    ])
    assert response.status_code == 200
    results = by_id(response)
    assert results["1"]["status"] == 200
    assert results["2"]["headers"]["Content-Type"] == "image/jpeg"
    photo = base64.b64decode(results["2"]["body"])
    assert image_size(photo) == (320, 240)
    assert photo == emulator.admin.photo_bytes("users/%s" % ALICE_ID)
    assert results["3"]["body"]["width"] == 320  # JSON bodies stay JSON


def test_more_than_20_requests_is_400(graph):
    response = batch(graph, [{"id": str(i), "method": "GET", "url": "/users/%s/photo" % BOB} for i in range(21)])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


def test_duplicate_ids_are_400(graph):
    response = batch(graph, [{"id": "1", "method": "GET", "url": "/users/%s/photo" % BOB}] * 2)
    assert response.status_code == 400
    assert "duplicate" in response.json()["error"]["message"]


def test_failed_dependency_is_424(emulator, graph):
    response = batch(graph, [
        {"id": "a", "method": "PUT", "url": "/users/%s/photo/$value" % ALICE, "headers": {"Content-Type": "image/jpeg"},
         "body": base64.b64encode(b"not an image").decode()},
        {"id": "b", "method": "GET", "url": "/users/%s/photo" % ALICE, "dependsOn": ["a"]},
    ])
    results = by_id(response)
    assert results["a"]["status"] == 400
    assert results["b"]["status"] == 424
    assert emulator.admin.photo_bytes("users/%s" % ALICE) is None


def test_inner_requests_are_authorized_each(emulator, client_for):
    graph = client_for(emulator.admin.delegated_token(ALICE, ["User.ReadWrite"]))
    response = batch(graph, [
        {"id": "me", "method": "GET", "url": "/me/photo"},
        {"id": "group", "method": "GET", "url": "/groups/%s/photo" % MARKETING},
    ])
    results = by_id(response)
    assert results["me"]["status"] == 404 and results["me"]["body"]["error"]["code"] == "ImageNotFound"
    assert results["group"]["status"] == 403


def test_more_than_four_to_one_mailbox_are_throttled_inside_the_batch(emulator, graph):
    response = batch(graph, [{"id": str(i), "method": "GET", "url": "/users/%s/photo" % BOB} for i in range(6)])
    statuses = [r["status"] for r in sorted(response.json()["responses"], key=lambda r: int(r["id"]))]
    assert statuses == [200, 200, 200, 200, 429, 429]
    throttled = by_id(response)["5"]
    assert throttled["headers"]["Retry-After"] == "1"
    assert throttled["body"]["error"]["code"] == "TooManyRequests"
    different = batch(graph, [{"id": str(i), "method": "GET", "url": "/users/%s/photo" % u}
                              for i, u in enumerate([BOB, ALICE] * 4)])
    assert all(r["status"] in (200, 404) for r in different.json()["responses"])
    emulator.admin.config(throttle=False)
    unthrottled = batch(graph, [{"id": str(i), "method": "GET", "url": "/users/%s/photo" % BOB} for i in range(6)])
    assert {r["status"] for r in unthrottled.json()["responses"]} == {200}


def test_inner_entries_are_logged_as_batch(emulator, graph):
    emulator.admin.clear_log()
    batch(graph, [{"id": "1", "method": "GET", "url": "/users/%s/photo" % BOB}])
    entries = emulator.admin.log()
    assert [(e["path"], e["batch"]) for e in entries] == [("/v1.0/users/%s/photo" % BOB, True), ("/v1.0/$batch", False)]
