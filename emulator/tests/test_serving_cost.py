"""What serving a photo costs the emulator: renditions are made when a photo is stored and only read afterwards, and
the independent requests of a $batch run at the same time (a batch takes about its slowest request, as at Graph).

These run the emulator in process, so that a decode can be counted and a batch's requests caught in flight.
"""

import base64
import io
import json
import socket
import threading

import pytest
from PIL import Image

from emulator_testing import ALICE, BOB, CAROL, DEMO_APP, TENANT, make_image

from graph_emulator import photo_image
from graph_emulator.directory import STORED_RENDITION_MAX, StoredPhoto
from graph_emulator.emulator import Emulator
from graph_emulator.http_messages import ApiRequest
from graph_emulator.seed import DEFAULT_SEED
from graph_emulator.server import EmulatorHTTPServer, EmulatorRequestHandler


@pytest.fixture
def local(tmp_path):
    return Emulator(seed_path=DEFAULT_SEED, state_dir=str(tmp_path))


def token_for(emulator):
    return emulator.tokens.issue(tenant_id=TENANT, kind="app", client_id=DEMO_APP[0], audience="https://graph.microsoft.com",
                                 roles=["ProfilePhoto.ReadWrite.All", "User.ReadWrite.All"], identity="app:" + DEMO_APP[0]).value


def call(emulator, token, method, path, body=b"", content_type=None):
    headers = {"authorization": "Bearer " + token}
    if content_type:
        headers["content-type"] = content_type
    request = ApiRequest(method=method, path="/v1.0" + path, query={}, headers=headers, body=body, base_url="https://127.0.0.1")
    return emulator.handle(request, client_host="127.0.0.1")


class DecodeCounter:
    """Counts every picture Pillow opens from bytes in the emulator (Image.open is where each decode starts)."""

    def __init__(self, monkeypatch):
        self.count = 0
        real_open = Image.open

        def counting_open(*args, **kwargs):
            self.count += 1
            return real_open(*args, **kwargs)
        monkeypatch.setattr(Image, "open", counting_open)


def test_an_upload_stores_its_small_renditions_and_reads_decode_nothing(local, monkeypatch):
    token = token_for(local)
    assert call(local, token, "PUT", "/users/%s/photo/$value" % ALICE, make_image(size=(800, 600)), "image/jpeg").status == 200
    photo = local.directory.tenants[0].find_user(ALICE).slot.photo
    assert (photo.width, photo.height) == (648, 486)
    stored = {key[0] for key in photo.renditions}
    assert {48, 64, 96, 120} <= stored and 648 in stored  # 648: the stored JPEG itself, not made again
    decodes = DecodeCounter(monkeypatch)
    first = call(local, token, "GET", "/users/%s/photos/96x96/$value" % ALICE)
    second = call(local, token, "GET", "/users/%s/photos/96x96/$value" % ALICE)
    assert first.status == second.status == 200 and first.headers["Content-Type"] == "image/jpeg"
    assert first.body is second.body is photo.renditions[(96, 85, "white", "lanczos")]  # the same stored bytes each time
    assert call(local, token, "GET", "/users/%s/photos/648x648/$value" % ALICE).body is photo.data
    assert decodes.count == 0
    assert photo_image.image_size(first.body) == (96, 72)


def test_seeded_photos_have_their_renditions_before_any_read(local):
    photo = local.directory.tenants[0].find_user(BOB).slot.photo  # demo seed: a generated 480x480 picture
    assert {(size, 85, "white", "lanczos") for size in (48, 64, 96, 120)} <= set(photo.renditions)
    assert photo.renditions[(480, 85, "white", "lanczos")] is photo.data


def test_a_larger_size_or_another_setting_is_made_once_and_kept(local, monkeypatch):
    token = token_for(local)
    assert call(local, token, "PUT", "/users/%s/photo/$value" % ALICE, make_image(size=(648, 648)), "image/jpeg").status == 200
    assert max(size for size, dummy, dummy, dummy in local.directory.tenants[0].find_user(ALICE).slot.photo.renditions
               if size < 648) == STORED_RENDITION_MAX
    decodes = DecodeCounter(monkeypatch)
    bodies = [call(local, token, "GET", "/users/%s/photos/360x360/$value" % ALICE).body for dummy in range(3)]
    assert decodes.count == 1 and bodies[0] is bodies[1] is bodies[2]
    local.config.update({"jpeg_quality": 95})  # renditions follow the setting in force when they are read
    better = call(local, token, "GET", "/users/%s/photos/96x96/$value" % ALICE).body
    assert decodes.count == 2 and better is call(local, token, "GET", "/users/%s/photos/96x96/$value" % ALICE).body
    assert photo_image.image_size(bodies[0]) == (360, 360) and photo_image.image_size(better) == (96, 96)


def test_renditions_made_at_store_and_on_demand_show_the_same_picture():
    """The stored renditions (from the rewrite's pixels) and those made later (from the stored bytes) agree."""
    image = Image.new("RGB", (800, 800), (30, 120, 200))
    image.paste((230, 200, 40), (100, 100, 500, 700))
    out = io.BytesIO()
    image.save(out, format="PNG")
    photo = StoredPhoto.stored(out.getvalue(), photo_image.Rewrite())
    for size in (48, 96, 120):
        made_at_store = Image.open(io.BytesIO(photo.renditions[(size, 85, "white", "lanczos")])).convert("RGB")
        made_later = Image.open(io.BytesIO(photo_image.downscale(photo.data, size))).convert("RGB")
        assert made_at_store.size == made_later.size == (size, size)
        for xy in ((size // 2, size // 2), (size // 10, size // 10), (size * 4 // 10, size // 2)):
            assert all(abs(a - b) <= 12 for a, b in zip(made_at_store.getpixel(xy), made_later.getpixel(xy)))


def test_independent_batch_requests_are_in_flight_together(local, monkeypatch):
    """Each inner request waits in its latency until all of them are in flight: one after the other, the first would
    wait alone and the barrier would break (after its timeout) instead of letting them through."""
    token = token_for(local)
    principals = [ALICE, BOB, CAROL] * 4  # at most 4 to one mailbox, so that none is throttled
    barrier = threading.Barrier(len(principals), timeout=10)
    monkeypatch.setattr(local.faults, "latency", barrier.wait)
    body = json.dumps({"requests": [{"id": str(i), "method": "GET", "url": "/users/%s/photo" % who}
                                    for i, who in enumerate(principals)]}).encode()
    response = call(local, token, "POST", "/$batch", body, "application/json")
    answers = {r["id"]: r["status"] for r in json.loads(response.body)["responses"]}
    assert not barrier.broken
    assert sorted(answers.values()) == sorted(200 if who == BOB else 404 for who in principals)


def test_dependent_batch_requests_still_wait_for_what_they_depend_on(local, monkeypatch):
    token = token_for(local)
    in_flight, seen = [], []
    lock = threading.Lock()

    def latency():
        with lock:
            in_flight.append(1)
            seen.append(len(in_flight))
        threading.Event().wait(0.05)
        with lock:
            in_flight.pop()
    monkeypatch.setattr(local.faults, "latency", latency)
    jpeg = make_image(size=(200, 200))
    body = json.dumps({"requests": [
        {"id": "put", "method": "PUT", "url": "/users/%s/photo/$value" % ALICE, "headers": {"Content-Type": "image/jpeg"},
         "body": base64.b64encode(jpeg).decode()},
        {"id": "get", "method": "GET", "url": "/users/%s/photo" % ALICE, "dependsOn": ["put"]},
    ]}).encode()
    answers = {r["id"]: r for r in json.loads(call(local, token, "POST", "/$batch", body, "application/json").body)["responses"]}
    assert answers["put"]["status"] == 200 and answers["get"]["status"] == 200
    assert answers["get"]["body"]["width"] == 200  # it ran after the upload it depends on
    assert seen == [1, 1]


class FakeConnection:
    """An accepted connection carrying one request: what the handler sets on it and sends through it."""

    def __init__(self, raw_request: bytes):
        self._incoming = io.BytesIO(raw_request)
        self.options = []
        self.sent = []

    def settimeout(self, seconds):
        pass

    def setsockopt(self, *option):
        self.options.append(option)

    def makefile(self, mode, *args, **kwargs):
        assert "r" in mode
        return self._incoming

    def sendall(self, data):
        self.sent.append(bytes(data))


def test_responses_are_sent_without_waiting_for_the_clients_delayed_ack(local):
    # The handler writes a response's headers and its body separately. With Nagle's algorithm on, the body waited for
    # the client to acknowledge the headers, which a client delays by up to 40 ms: the OIDC discovery took 44 ms instead
    # of 1-5 ms (benchmarks/task_cost.py). Graph's own servers do not add that to a request.
    server = type("Server", (), {"emulator": local, "quiet": True, "server_address": ("127.0.0.1", 8443)})()
    connection = FakeConnection(b"GET /%s/v2.0/.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n"
                                b"Connection: close\r\n\r\n" % TENANT.encode())
    EmulatorRequestHandler(connection, ("127.0.0.1", 50000), server)
    assert (socket.IPPROTO_TCP, socket.TCP_NODELAY, True) in connection.options
    assert b"".join(connection.sent).startswith(b"HTTP/1.1 200") and b"token_endpoint" in b"".join(connection.sent)


def test_a_client_that_opens_many_connections_at_once_is_not_made_to_wait():
    # socketserver listens with a backlog of 5: past it the kernel drops a SYN and the client retries a second later.
    # The bulk sync opens one connection per worker (32 by default) at once; Graph accepts them all.
    assert EmulatorHTTPServer.request_queue_size >= 64
