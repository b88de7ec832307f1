"""Tokens that expire when the token_lifetime switch says, revocations on demand and mid-run, and where $batch checks them."""

import time

import msal
import pytest
import requests

from graph_emulator.process import EmulatorProcess
from graph_emulator.runtime_config import parse_setting

from emulator_testing import BOB, DEMO_APP, TENANT, GraphClient, secret_token, trusting_session

EXPIRED = "Lifetime validation failed, the token is expired."


def assert_refused(response, message=EXPIRED):
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert response.json()["error"]["message"] == message


def token_response(emu):
    response = requests.post("%s/%s/oauth2/v2.0/token" % (emu.url, TENANT), verify=emu.ca_path, timeout=10, data={
        "grant_type": "client_credentials", "client_id": DEMO_APP[0], "client_secret": DEMO_APP[1],
        "scope": "https://graph.microsoft.com/.default"})
    assert response.status_code == 200, response.text
    return response.json()


def batch(graph, count=3):
    return graph.request("POST", "/$batch", json={"requests": [
        {"id": str(n), "method": "GET", "url": "/users/%s/photo" % BOB} for n in range(count)]})


# --- token_lifetime ----------------------------------------------------------------------------------------------

def test_tokens_live_as_long_as_token_lifetime_says_and_then_get_the_lifetime_401(emulator):
    assert token_response(emulator)["expires_in"] == 3599  # Entra's answer for a default token
    emulator.admin.config(token_lifetime=1)
    answer = token_response(emulator)
    assert (answer["expires_in"], answer["ext_expires_in"]) == (1, 1)
    graph = GraphClient(emulator.url, emulator.ca_path, answer["access_token"])
    assert graph.get("/users/%s/photo" % BOB).status_code == 200
    time.sleep(1.2)
    assert_refused(graph.get("/users/%s/photo" % BOB))
    facts = emulator.admin.issued_token_facts()
    assert [fact["lifetime"] for fact in facts] == [3599, 1]
    assert all(fact["audience"] == "https://graph.microsoft.com" and fact["identity"] == "app:" + DEMO_APP[0] for fact in facts)
    assert not any(value in str(facts) for value in emulator.admin.issued_tokens())


def test_msal_client_credentials_see_the_lifetime(emulator):
    emulator.admin.config(token_lifetime=90)
    app = msal.ConfidentialClientApplication(DEMO_APP[0], client_credential=DEMO_APP[1], authority="%s/%s" % (emulator.url, TENANT),
                                             instance_discovery=False, http_client=trusting_session(emulator.ca_path))
    result = app.acquire_token_for_client(["https://graph.microsoft.com/.default"])
    assert result["expires_in"] == 90


def test_managed_identity_endpoints_answer_the_lifetime(emulator):
    emulator.admin.config(token_lifetime=120)
    before = int(time.time())
    imds = requests.get(emulator.url + "/metadata/identity/oauth2/token", params={"resource": "https://graph.microsoft.com"},
                        headers={"Metadata": "true"}, verify=emulator.ca_path, timeout=10).json()
    assert imds["expires_in"] == "120" and before + 119 <= int(imds["expires_on"]) <= int(time.time()) + 120
    app_service = requests.get(emulator.identity_endpoint, params={"resource": "https://graph.microsoft.com", "api-version": "2019-08-01"},
                               headers={"X-IDENTITY-HEADER": emulator.identity_header}, verify=emulator.ca_path, timeout=10).json()
    assert "expires_in" not in app_service
    assert before + 119 <= int(app_service["expires_on"]) <= int(time.time()) + 120


def test_delegated_tokens_of_the_admin_api_follow_the_lifetime_unless_given(emulator):
    emulator.admin.config(token_lifetime=45)
    emulator.admin.delegated_token("alice@contoso.com", ["User.ReadWrite"], expires_in=None)
    emulator.admin.delegated_token("alice@contoso.com", ["User.ReadWrite"], expires_in=600)
    assert [fact["lifetime"] for fact in emulator.admin.issued_token_facts()] == [45, 600]


@pytest.mark.parametrize("text, expected", [
    ("token_lifetime=2", ("token_lifetime", 2)),
    ("batch_token_check=items", ("batch_token_check", "items")),
])
def test_the_token_switches_parse_from_the_command_line(text, expected):
    assert parse_setting(text) == expected


@pytest.mark.parametrize("text", ["token_lifetime=0", "token_lifetime=soon", "batch_token_check=inner"])
def test_bad_token_switches_are_refused(text):
    with pytest.raises(ValueError):
        parse_setting(text)


def test_behaviour_on_the_command_line_sets_the_baseline_lifetime(tmp_path):
    args = ["--behaviour", "token_lifetime=7", "--behaviour", "batch_token_check=envelope"]
    with EmulatorProcess(state_dir=str(tmp_path / "state"), args=args) as process:
        assert token_response(process)["expires_in"] == 7
        process.admin.config(token_lifetime=3599)
        process.admin.reset()
        config = process.admin.config()
        assert (config["token_lifetime"], config["batch_token_check"]) == (7, "envelope")


# --- revocation --------------------------------------------------------------------------------------------------

def test_revoking_stops_every_issued_token_and_later_tokens_work(emulator, graph):
    delegated = GraphClient(emulator.url, emulator.ca_path, emulator.admin.delegated_token("alice@contoso.com", ["User.ReadWrite"]))
    assert graph.get("/users/%s/photo" % BOB).status_code == 200
    assert emulator.admin.revoke_tokens() == 1
    assert_refused(graph.get("/users/%s/photo" % BOB))
    assert_refused(delegated.get("/me/photo"))
    fresh = GraphClient(emulator.url, emulator.ca_path, secret_token(emulator))
    assert fresh.get("/users/%s/photo" % BOB).status_code == 200
    assert [fact["revoked"] for fact in emulator.admin.issued_token_facts()] == [True, True, False]
    assert emulator.admin.revocations() == 1


def test_revoke_after_revokes_before_the_counted_requests(emulator):
    emulator.admin.faults(revoke_after=[2, 4])
    graph = GraphClient(emulator.url, emulator.ca_path, secret_token(emulator))
    statuses = [graph.get("/users/%s/photo" % BOB).status_code]  # request 1
    statuses.append(graph.get("/users/%s/photo" % BOB).status_code)  # 2: revoked just before
    graph = GraphClient(emulator.url, emulator.ca_path, secret_token(emulator))
    statuses.append(graph.get("/users/%s/photo" % BOB).status_code)  # 3
    statuses.append(graph.get("/users/%s/photo" % BOB).status_code)  # 4: revoked again
    assert statuses == [200, 401, 200, 401]
    faults = emulator.admin.faults()
    assert faults["revoked_at"] == [2, 4] and faults["authenticated"] == 4
    assert emulator.admin.revocations() == 2
    # The log says what the client saw, and never a token.
    assert [entry["status"] for entry in emulator.admin.log()] == [200, 401, 200, 401]


def test_revoke_after_is_checked_and_cleared_with_the_faults(emulator):
    response = emulator.admin.session.post(emulator.url + "/_emulator/faults", json={"revoke_after": [0, "x"]}, timeout=10)
    assert response.status_code == 400 and "revoke_after" in response.json()["error"]
    emulator.admin.faults(revoke_after=[5])
    emulator.admin.clear_faults()
    assert emulator.admin.faults()["revoke_after"] == []


def test_a_reset_forgets_the_issued_tokens_and_revocations(emulator):
    secret_token(emulator)
    emulator.admin.revoke_tokens()
    emulator.admin.reset()
    assert emulator.admin.issued_token_facts() == [] and emulator.admin.revocations() == 0


# --- where $batch checks the token -------------------------------------------------------------------------------

@pytest.mark.parametrize("check, envelope, inner", [
    ("both", 401, None),  # the default: Graph's front end refuses the whole batch
    ("envelope", 401, None),
    ("items", 200, [401, 401, 401]),  # the envelope goes through, each inner request is refused
])
def test_a_revoked_token_is_refused_where_batch_token_check_says(emulator, graph, check, envelope, inner):
    emulator.admin.config(batch_token_check=check)
    emulator.admin.revoke_tokens()
    response = batch(graph)
    assert response.status_code == envelope
    if inner is None:
        assert_refused(response)
    else:
        answers = response.json()["responses"]
        assert [answer["status"] for answer in answers] == inner
        assert {answer["body"]["error"]["message"] for answer in answers} == {EXPIRED}


@pytest.mark.parametrize("check, statuses", [
    # Envelope counted 1 and let in; the revocation lands before inner request 3 (count 4): that one and the rest 401.
    ("both", [200, 200, 401, 401]),
    # Only the inner requests are counted (1 to 4): the 4th meets the revocation.
    ("items", [200, 200, 200, 401]),
    # Only the envelope is counted and checked; the inner requests go with the token it was let in with.
    ("envelope", [200, 200, 200, 200]),
])
def test_a_revocation_in_the_middle_of_a_batch(emulator, graph, check, statuses):
    emulator.admin.config(batch_token_check=check, batch_order="request")
    emulator.admin.faults(revoke_after=[4])
    response = batch(graph, count=4)
    assert response.status_code == 200
    assert [answer["status"] for answer in response.json()["responses"]] == statuses
