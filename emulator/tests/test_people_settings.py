"""GET/PATCH /beta/admin/people/photoUpdateSettings: beta only, permissions, validation, merge, the 204/200 switch."""

import pytest
import requests
import yaml

from emulator_testing import ALICE, BOB, DEMO_APP, NOROLES_APP, READONLY_APP, TENANT, secret_token
from test_photo_routes import assert_graph_error

from graph_emulator.process import EmulatorProcess
from graph_emulator.seed import DEFAULT_SEED

PATH = "/admin/people/photoUpdateSettings"
PEOPLE_ADMINISTRATOR = "024906de-61e5-49c8-8572-40335f1e0e10"
USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"


@pytest.fixture
def beta(emulator, client_for):
    return client_for(secret_token(emulator), version="beta")


def test_a_new_tenant_has_empty_settings(beta, emulator):
    response = beta.get(PATH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["source"], body["allowedRoles"]) == (None, [])
    assert body["@odata.context"].endswith("/beta/$metadata#admin/people/photoUpdateSettings/$entity")
    assert emulator.admin.state()["people_settings"][TENANT]["photoUpdateSettings"]["allowedRoles"] == []


def test_patch_merges_and_answers_204_by_default(beta, emulator):
    response = beta.request("PATCH", PATH, json={"source": "cloud", "allowedRoles": [PEOPLE_ADMINISTRATOR]})
    assert (response.status_code, response.content) == (204, b"")
    # Only the named property changes.
    assert beta.request("PATCH", PATH, json={"allowedRoles": [USER_ADMINISTRATOR, PEOPLE_ADMINISTRATOR]}).status_code == 204
    body = beta.get(PATH).json()
    assert (body["source"], body["allowedRoles"]) == ("cloud", [USER_ADMINISTRATOR, PEOPLE_ADMINISTRATOR])
    assert emulator.admin.photo_update_settings()["source"] == "cloud"
    entries = [entry for entry in emulator.admin.log() if entry["path"].endswith(PATH)]
    assert [(e["method"], e["write"]) for e in entries] == [("PATCH", True), ("PATCH", True), ("GET", False)]


def test_patch_answers_200_with_the_object_when_switched(beta, emulator):
    emulator.admin.config(photo_settings_patch_status=200)
    response = beta.request("PATCH", PATH, json={"source": "onPremises"})
    assert response.status_code == 200
    assert (response.json()["source"], response.json()["allowedRoles"]) == ("onPremises", [])


def test_the_switch_takes_only_200_or_204(emulator):
    with pytest.raises(requests.HTTPError) as failure:
        emulator.admin.config(photo_settings_patch_status=201)
    assert failure.value.response.status_code == 400
    assert emulator.admin.config()["photo_settings_patch_status"] == 204


def test_v1_0_does_not_have_the_resource(client_for, emulator):
    graph = client_for(secret_token(emulator), version="v1.0")
    assert_graph_error(graph.get(PATH), 400, "BadRequest", "Resource not found for the segment 'photoUpdateSettings'.")
    assert_graph_error(graph.request("PATCH", PATH, json={"source": "cloud"}), 400, "BadRequest")
    assert emulator.admin.photo_update_settings()["source"] is None


@pytest.mark.parametrize("body, message", [
    ({"source": "Cloud"}, "Cannot convert the literal 'Cloud' to the expected type 'microsoft.graph.photoUpdateSource'."),
    ({"allowedRoles": ["People Administrator"]}, "'People Administrator' is not a valid role template id"),
    ({"allowedRoles": PEOPLE_ADMINISTRATOR}, "expected a collection of strings"),
    ({"sources": "cloud"}, "The property 'sources' does not exist on type 'microsoft.graph.photoUpdateSettings'"),
])
def test_invalid_values_are_refused_and_change_nothing(beta, emulator, body, message):
    response = beta.request("PATCH", PATH, json=body)
    assert_graph_error(response, 400, "BadRequest")
    assert message in response.json()["error"]["message"]
    assert emulator.admin.photo_update_settings() == {"id": "photoUpdateSettings", "source": None, "allowedRoles": []}


def test_odata_type_is_accepted(beta):
    body = {"@odata.type": "#microsoft.graph.photoUpdateSettings", "source": "cloud", "allowedRoles": []}
    assert beta.request("PATCH", PATH, json=body).status_code == 204


@pytest.mark.parametrize("app, method, status", [
    (READONLY_APP, "GET", 200),
    (READONLY_APP, "PATCH", 403),
    (NOROLES_APP, "GET", 403),
    (DEMO_APP, "PATCH", 204),
])
def test_application_permissions(client_for, emulator, app, method, status):
    graph = client_for(secret_token(emulator, app), version="beta")
    response = graph.request(method, PATH, json={"source": "cloud"} if method == "PATCH" else None)
    assert response.status_code == status, response.text
    if status == 403:
        assert_graph_error(response, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


@pytest.mark.parametrize("user, scopes, status", [
    (ALICE, ["PeopleSettings.ReadWrite.All"], 204),  # People Administrator
    (BOB, ["PeopleSettings.ReadWrite.All"], 403),  # the scope, but no role
    (ALICE, ["User.ReadWrite"], 403),  # the role, but no scope
])
def test_delegated_callers_need_the_scope_and_the_people_administrator_role(client_for, emulator, user, scopes, status):
    graph = client_for(emulator.admin.delegated_token(user, scopes), version="beta")
    assert graph.request("PATCH", PATH, json={"source": "cloud"}).status_code == status


def test_admin_api_sets_the_state_and_reset_restores_the_seed(beta, emulator):
    emulator.admin.set_photo_update_settings(source="onPremises", allowedRoles=[USER_ADMINISTRATOR])
    assert (beta.get(PATH).json()["source"], beta.get(PATH).json()["allowedRoles"]) == ("onPremises", [USER_ADMINISTRATOR])
    emulator.admin.reset()
    assert emulator.admin.photo_update_settings()["source"] is None


def test_seed_people_settings(tmp_path):
    with open(DEFAULT_SEED, encoding="utf-8") as handle:
        seed = yaml.safe_load(handle)
    seed["tenants"][0]["people_settings"] = {"photoUpdateSettings": {"source": "cloud", "allowedRoles": [PEOPLE_ADMINISTRATOR]}}
    path = tmp_path / "seed.yml"
    path.write_text(yaml.safe_dump(seed))
    with EmulatorProcess(seed=path) as emu:
        assert emu.admin.photo_update_settings(TENANT)["allowedRoles"] == [PEOPLE_ADMINISTRATOR]


@pytest.mark.parametrize("source", [None, "unknownFutureValue"])
def test_a_source_other_than_cloud_or_on_premises_is_refused_by_default(beta, emulator, source):
    """photoUpdateSource documents cloud, onPremises and unknownFutureValue; whether a PATCH may set the sentinel or
    null is not documented: refused by default (photo_settings_source: strict), taken when lenient."""
    emulator.admin.set_photo_update_settings(source="cloud")
    response = beta.request("PATCH", PATH, json={"source": source})
    assert_graph_error(response, 400, "BadRequest")
    assert "'source'" in response.json()["error"]["message"]
    assert emulator.admin.photo_update_settings()["source"] == "cloud", "nothing changed"
    emulator.admin.config(photo_settings_source="lenient")
    assert beta.request("PATCH", PATH, json={"source": source}).status_code == 204
    assert emulator.admin.photo_update_settings()["source"] == source
