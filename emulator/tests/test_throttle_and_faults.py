"""Throttling (4 concurrent per identity and mailbox), scripted and random faults, latency, connection reset."""

import concurrent.futures
import email.utils

import pytest
import requests

from emulator_testing import ALICE, BOB, DEMO_APP, TENANT, GraphClient, make_image


def concurrent_gets(emulator, token, paths):
    def fetch(path):
        return GraphClient(emulator.url, emulator.ca_path, token).get(path)
    with concurrent.futures.ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(fetch, paths))


def test_more_than_four_concurrent_to_one_mailbox_get_429(emulator, graph):
    emulator.admin.faults(latency_ms=300)
    token = graph.session.headers["Authorization"].split()[1]
    responses = concurrent_gets(emulator, token, ["/users/%s/photo" % BOB] * 8)
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(429) >= 1 and statuses.count(200) >= 1
    throttled = next(r for r in responses if r.status_code == 429)
    assert throttled.headers["Retry-After"] == "1"
    assert throttled.json()["error"]["code"] == "TooManyRequests"


def test_different_mailboxes_do_not_interfere(emulator, graph):
    emulator.admin.faults(latency_ms=300)
    token = graph.session.headers["Authorization"].split()[1]
    responses = concurrent_gets(emulator, token, ["/users/%s/photo" % BOB] * 4 + ["/users/%s/photo" % ALICE] * 4)
    assert 429 not in [r.status_code for r in responses]


def test_scripted_faults_in_order(emulator, graph):
    emulator.admin.script_faults([{"status": 429, "retry_after": "2.5"}, {"status": 503}, {"status": 504, "retry_after": "http-date"}])
    path = "/users/%s/photo" % BOB
    first, second, third, fourth = (graph.get(path) for dummy in range(4))
    assert (first.status_code, first.headers["Retry-After"]) == (429, "2.5")
    assert first.json()["error"]["code"] == "TooManyRequests"
    assert second.status_code == 503 and "Retry-After" not in second.headers
    assert third.status_code == 504
    assert email.utils.parsedate_to_datetime(third.headers["Retry-After"]) is not None
    assert fourth.status_code == 200
    assert emulator.admin.faults()["script"] == []


def test_scripted_reset_closes_the_connection(emulator, graph):
    emulator.admin.script_faults([{"reset": True}])
    with pytest.raises(requests.exceptions.ConnectionError):
        graph.put_photo("/users/%s/photo/$value" % ALICE, make_image())
    assert graph.get("/users/%s/photo" % BOB).status_code == 200  # the next request is served
    reset = [e for e in emulator.admin.log() if e["fault"] == "reset"]
    assert reset and reset[0]["status"] is None and reset[0]["write"] is True


def test_random_faults_are_seeded_and_hit_token_requests_too(emulator, graph):
    emulator.admin.faults(rates={"429": 0.5, "reset": 0.2}, retry_after=["0.128"], seed=7)
    statuses = []
    for dummy in range(30):
        try:
            statuses.append(graph.get("/users/%s/photo" % BOB).status_code)
        except requests.exceptions.ConnectionError:
            statuses.append("reset")
    assert 429 in statuses and 200 in statuses and "reset" in statuses
    token_statuses = set()
    for dummy in range(20):
        try:
            token_statuses.add(requests.post("%s/%s/oauth2/v2.0/token" % (emulator.url, TENANT), verify=emulator.ca_path, timeout=10, data={
                "grant_type": "client_credentials", "client_id": DEMO_APP[0], "client_secret": DEMO_APP[1],
                "scope": "https://graph.microsoft.com/.default"}).status_code)
        except requests.exceptions.ConnectionError:
            token_statuses.add("reset")
    assert 429 in token_statuses and 200 in token_statuses
    emulator.admin.clear_faults()
    assert {graph.get("/users/%s/photo" % BOB).status_code for dummy in range(5)} == {200}


def test_admin_api_is_never_faulted_or_logged(emulator):
    emulator.admin.faults(rates={"503": 1.0})
    for dummy in range(5):
        emulator.admin.state()
    assert emulator.admin.log() == []
    assert emulator.admin.faults()["rates"] == {"503": 1.0}
