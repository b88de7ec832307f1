"""Graph's budgets per app and tenant (budgets.py): off by default; resource units, write quotas, Outlook's per-mailbox
budget, fixed and sliding windows, each $batch request charged on its own.

Source of the figures: microsoft-graph-docs-contrib, concepts/throttling-limits.md ("Identity and access service
limits": resource units per 10 s by tenant size, their costs, x-ms-resource-unit, x-ms-throttle-scope; writes per
app and tenant, per tenant, per app; "Outlook service limits": 10,000 requests per 10 min per app and mailbox).
"""

import time

import pytest

from emulator_testing import ALICE, BOB, DEMO_APP, TENANT, make_image
from graph_emulator import budgets
from graph_emulator.runtime_config import parse_setting, validate

# Windows of 2 s instead of 150 s, and quotas cut to 3 writes per window (and 3 resource units per 133 ms).
WRITES_3_PER_2S = {"budgets": True, "budget_window_scale": 2 / 150, "budget_rate_scale": 0.075}
USERS = ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com", "dave@contoso.com", "erin.obrien@contoso.com",
         "frank_fabrikam.com#EXT#@contoso.com"]


def batch_of_uploads(graph, users):
    image = make_image(size=(32, 32))
    import base64  # pylint: disable=import-outside-toplevel
    body = base64.b64encode(image).decode("ascii")
    return graph.request("POST", "/$batch", json={"requests": [
        {"id": str(number), "method": "PUT", "url": "/users/%s/photo/$value" % user.replace("#", "%23"),
         "headers": {"Content-Type": "image/jpeg"}, "body": body} for number, user in enumerate(users)]})


def test_budgets_are_off_unless_configured(emulator, graph):
    for dummy in range(5):
        response = graph.put_photo("/users/%s/photo/$value" % ALICE, make_image(size=(32, 32)))
        assert response.status_code == 200
        assert "x-ms-resource-unit" not in response.headers
    assert emulator.admin.config()["budgets"] is False
    assert all(entry["budget"] is None for entry in emulator.admin.log())


@pytest.mark.parametrize("path, units", [
    ("/users", 2),                      # a list costs 2
    ("/users?$select=id", 1),           # $select one less
    ("/users?$select=id&$top=5", 1),    # never under 1
    ("/users/%s" % ALICE, 1),           # one object
    ("/users/%s/photo" % BOB, 1),       # a photo read, when photos spend the directory budget
    ("/groups/8e5f0b7a-1c9e-4f5d-9a8c-5e6f7a8b9c4a/transitiveMembers", 5),
    ("/groups/8e5f0b7a-1c9e-4f5d-9a8c-5e6f7a8b9c4a/members?$select=id", 2),
])
def test_answers_carry_the_resource_units_they_cost(emulator, graph, path, units):
    emulator.admin.config(budgets=True)
    response = graph.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["x-ms-resource-unit"] == str(units)


def test_photo_requests_spend_the_budget_the_switch_names(emulator, graph):
    emulator.admin.config(budgets=True, photo_budget="outlook")
    assert "x-ms-resource-unit" not in graph.get("/users/%s/photo" % BOB).headers
    assert graph.get("/users/%s" % BOB).headers["x-ms-resource-unit"] == "1"  # not a photo: the directory's
    emulator.admin.config(photo_budget="directory")
    assert graph.get("/users/%s/photo" % BOB).headers["x-ms-resource-unit"] == "1"


def test_each_request_of_a_batch_is_charged_on_its_own(emulator, graph):
    emulator.admin.config(photo_budget="directory", **WRITES_3_PER_2S)
    response = batch_of_uploads(graph, USERS)
    assert response.status_code == 200
    answers = response.json()["responses"]
    assert sorted(answer["status"] for answer in answers) == [200, 200, 200, 429, 429, 429]
    for answer in answers:
        if answer["status"] == 429:
            # Its own Retry-After: the time left in the 2 s window, never more than the window.
            assert 0 < float(answer["headers"]["Retry-After"]) <= 2
            assert answer["body"]["error"]["code"] == "TooManyRequests"
            assert answer["headers"]["x-ms-throttle-scope"] == "Tenant_Application/Write/%s/%s" % (DEMO_APP[0], TENANT)
            assert answer["headers"]["x-ms-throttle-information"] == "WriteLimitExceeded"
    refused = [entry for entry in emulator.admin.log() if entry["batch"] and entry["status"] == 429]
    assert len(refused) == 3 and {entry["budget"] for entry in refused} == {"writes_app_tenant"}


def test_the_headers_can_be_left_out(emulator, graph):
    emulator.admin.config(photo_budget="directory", budget_headers=False, **WRITES_3_PER_2S)
    answers = batch_of_uploads(graph, USERS)
    throttled = [answer for answer in answers.json()["responses"] if answer["status"] == 429]
    assert throttled and all("x-ms-throttle-scope" not in answer["headers"] for answer in throttled)


def test_retry_after_in_whole_seconds_is_rounded_up(emulator, graph):
    emulator.admin.config(photo_budget="directory", budget_windows="sliding", budget_retry_after="whole_seconds",
                          **WRITES_3_PER_2S)
    throttled = [answer for answer in batch_of_uploads(graph, USERS).json()["responses"] if answer["status"] == 429]
    # A bucket of 3 per 2 s refills one request in 0.667 s at most: "1", never "0" nor a fraction.
    assert throttled and {answer["headers"]["Retry-After"] for answer in throttled} == {"1"}


def upload_until_refused(graph, limit=10):
    for dummy in range(limit):
        response = graph.put_photo("/users/%s/photo/$value" % ALICE, make_image(size=(32, 32)))
        if response.status_code == 429:
            return response
        assert response.status_code == 200, response.text
    raise AssertionError("no 429 within %d writes" % limit)


@pytest.mark.parametrize("windows", ["fixed", "sliding"])
def test_a_refused_request_is_allowed_once_its_retry_after_has_passed(emulator, graph, windows):
    emulator.admin.config(photo_budget="directory", budget_windows=windows, **WRITES_3_PER_2S)
    refused = upload_until_refused(graph)
    wait = float(refused.headers["Retry-After"])
    if windows == "sliding":
        # A token bucket refills continuously: one write's worth (2 s / 3) at most.
        assert 0 < wait <= 2 / 3 + 0.001
    else:
        assert 0 < wait <= 2
    assert refused.json()["error"]["message"] == "Application is over its write request limit for this tenant."
    time.sleep(wait)
    assert graph.put_photo("/users/%s/photo/$value" % ALICE, make_image(size=(32, 32))).status_code == 200


def test_outlook_budget_is_per_mailbox(emulator, graph):
    # 10,000 requests per 10 min per app and mailbox, scaled to 2 requests per 1.2 s.
    emulator.admin.config(budgets=True, photo_budget="outlook", budget_window_scale=0.002, budget_rate_scale=0.1)
    statuses = [graph.get("/users/%s/photo" % BOB).status_code for dummy in range(3)]
    assert statuses == [200, 200, 429]
    refused = emulator.admin.log()[-1]
    assert refused["budget"] == "outlook_requests"
    assert graph.get("/users/%s/photo" % ALICE).status_code == 404  # another mailbox: not throttled (alice has no photo)


def test_tenant_size_sets_the_resource_unit_quota():
    assert [budgets.tenant_unit_quota(users) for users in (1, 49, 50, 500, 501, 100000)] == [3500, 3500, 5000, 5000, 8000, 8000]


def test_retry_after_is_never_shorter_than_the_wait():
    assert budgets.retry_after_header(2.1281) == "2.129"
    assert budgets.retry_after_header(10.0) == "10"
    assert float(budgets.retry_after_header(0.0001)) >= 0.0001


def test_budget_settings_are_checked():
    assert parse_setting("budget_window_scale=0.0667") == ("budget_window_scale", 0.0667)
    assert parse_setting("budgets=on") == ("budgets", True)
    with pytest.raises(ValueError, match="budget_window_scale must be a number"):
        parse_setting("budget_window_scale=fast")
    with pytest.raises(ValueError, match="above 0"):
        validate("budget_rate_scale", 0)
    with pytest.raises(ValueError, match="photo_budget must be one of directory, outlook, both"):
        validate("photo_budget", "exchange")
