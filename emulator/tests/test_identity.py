"""Every auth path issues a token through real MSAL over TLS; every wrong credential gets its AADSTS code."""

import os

import msal
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from graph_emulator.seed import generate_certificate

from emulator_testing import ALICE, CERT_APP, DEMO_APP, FEDERATED_APP, TENANT, GraphClient, trusting_session

GRAPH_SCOPE = ["https://graph.microsoft.com/.default"]


def confidential_app(emu, client_id, credential, tenant=TENANT):
    session = trusting_session(emu.ca_path)
    return msal.ConfidentialClientApplication(client_id, client_credential=credential, authority="%s/%s" % (emu.url, tenant),
                                              instance_discovery=False, http_client=session)


def cert_material(emu):
    info = emu.apps["graphops-cert"]["certificates"][0]
    with open(info["pem_path"], encoding="ascii") as handle:
        pem = handle.read()
    key_pem = pem[: pem.index("-----BEGIN CERTIFICATE-----")]
    cert_pem = pem[pem.index("-----BEGIN CERTIFICATE-----"):]
    return info, key_pem, cert_pem


def assert_graph_accepts(emu, token):
    response = GraphClient(emu.url, emu.ca_path, token).get("/users/%s/photo" % "bob@contoso.com")
    assert response.status_code == 200, response.text


def test_client_secret_with_msal(emulator):
    result = confidential_app(emulator, *DEMO_APP).acquire_token_for_client(GRAPH_SCOPE)
    assert result.get("token_type") == "Bearer", result
    assert len(result["access_token"]) >= 40
    assert_graph_accepts(emulator, result["access_token"])


def test_certificate_sha1_thumbprint_rs256(emulator):
    info, key_pem, dummy = cert_material(emulator)
    result = confidential_app(emulator, CERT_APP, {"private_key": key_pem, "thumbprint": info["sha1_thumbprint"]}).acquire_token_for_client(GRAPH_SCOPE)
    assert "access_token" in result, result
    assert_graph_accepts(emulator, result["access_token"])


def test_certificate_public_certificate_ps256(emulator):
    dummy, key_pem, cert_pem = cert_material(emulator)
    result = confidential_app(emulator, CERT_APP, {"private_key": key_pem, "public_certificate": cert_pem}).acquire_token_for_client(GRAPH_SCOPE)
    assert "access_token" in result, result


def test_certificate_pfx_with_password(emulator):
    info = cert_material(emulator)[0]
    credential = {"private_key_pfx_path": info["pfx_path"], "passphrase": info["pfx_password"]}
    result = confidential_app(emulator, CERT_APP, credential).acquire_token_for_client(GRAPH_SCOPE)
    assert "access_token" in result, result


def test_unregistered_certificate_is_refused_700027(emulator, tmp_path):
    other = generate_certificate(str(tmp_path), "stranger", "")
    with open(other.pem_path, encoding="ascii") as handle:
        pem = handle.read()
    key_pem = pem[: pem.index("-----BEGIN CERTIFICATE-----")]
    result = confidential_app(emulator, CERT_APP, {"private_key": key_pem, "thumbprint": other.sha1.hex()}).acquire_token_for_client(GRAPH_SCOPE)
    assert result["error"] == "invalid_client"
    assert 700027 in result["error_codes"]
    assert result["error_description"].startswith("AADSTS700027:")


def test_registered_thumbprint_with_wrong_key_is_refused_700027(emulator, tmp_path):
    info = cert_material(emulator)[0]
    other = generate_certificate(str(tmp_path), "impostor", "")
    with open(other.pem_path, encoding="ascii") as handle:
        pem = handle.read()
    key_pem = pem[: pem.index("-----BEGIN CERTIFICATE-----")]
    result = confidential_app(emulator, CERT_APP, {"private_key": key_pem, "thumbprint": info["sha1_thumbprint"]}).acquire_token_for_client(GRAPH_SCOPE)
    assert 700027 in result["error_codes"], result


def test_federated_assertion(emulator):
    assertion = emulator.admin.federated_token("https://token.actions.githubusercontent.com", "repo:graphops/msgraph:ref:refs/heads/main")
    result = confidential_app(emulator, FEDERATED_APP, {"client_assertion": lambda: assertion}).acquire_token_for_client(GRAPH_SCOPE)
    assert "access_token" in result, result
    assert_graph_accepts(emulator, result["access_token"])


def test_federated_assertion_without_matching_credential_70021(emulator):
    assertion = emulator.admin.federated_token("https://token.actions.githubusercontent.com", "repo:someone/else:ref:refs/heads/main")
    result = confidential_app(emulator, FEDERATED_APP, {"client_assertion": lambda: assertion}).acquire_token_for_client(GRAPH_SCOPE)
    assert 70021 in result["error_codes"], result


@pytest.mark.parametrize("client_id, secret, code, error", [
    ("00000000-0000-0000-0000-00000000dead", "whatever", 700016, "unauthorized_client"),
    (DEMO_APP[0], "not-the-secret", 7000215, "invalid_client"),
])
def test_wrong_client_credentials(emulator, client_id, secret, code, error):
    result = confidential_app(emulator, client_id, secret).acquire_token_for_client(GRAPH_SCOPE)
    assert result["error"] == error
    assert result["error_codes"] == [code]
    assert result["error_description"].startswith("AADSTS%d:" % code)
    assert {"timestamp", "trace_id", "correlation_id"} <= set(result)


def test_unknown_tenant_90002(emulator):
    for path, method in (("/v2.0/.well-known/openid-configuration", "GET"), ("/oauth2/v2.0/token", "POST")):
        response = requests.request(method, emulator.url + "/no-such-tenant.example" + path, verify=emulator.ca_path, timeout=10,
                                    data={"grant_type": "client_credentials"} if method == "POST" else None)
        assert response.status_code == 400
        assert response.json()["error_codes"] == [90002]


def test_tenant_domain_is_accepted_as_tenant(emulator):
    result = confidential_app(emulator, *DEMO_APP, tenant="contoso.com").acquire_token_for_client(GRAPH_SCOPE)
    assert "access_token" in result, result


def test_a_multi_tenant_app_gets_a_token_for_each_tenant_and_sees_only_that_tenant(emulator):
    """The demo seed's second tenant (fabrikam.com) has graphops-demo too, as a multi-tenant app consented there: the
    token names the tenant it was asked for, and Graph answers from that tenant alone (migrations between tenants)."""
    tenants = {tenant["domain"]: tenant["id"] for tenant in emulator.admin.info()["tenants"]}
    assert sorted(tenants) == ["contoso.com", "fabrikam.com"] and emulator.tenant_id == TENANT
    for domain, own, other in (("contoso.com", "alice@contoso.com", "alice@fabrikam.com"),
                               ("fabrikam.com", "alice@fabrikam.com", "alice@contoso.com")):
        token = confidential_app(emulator, *DEMO_APP, tenant=tenants[domain]).acquire_token_for_client(GRAPH_SCOPE)["access_token"]
        graph = GraphClient(emulator.url, emulator.ca_path, token)
        listed = graph.get("/users", params={"$select": "userPrincipalName,employeeId", "$top": "999"}).json()["value"]
        assert listed and all(user["userPrincipalName"].endswith("@" + domain) for user in listed), listed
        assert "E1001" in [user["employeeId"] for user in listed]  # the same employee in both
        assert graph.get("/users/%s" % own).status_code == 200
        assert graph.get("/users/%s/photo" % other).json()["error"]["code"] == "Request_ResourceNotFound"
    assert "other tenant:  %s (fabrikam.com)" % tenants["fabrikam.com"] in emulator.output()


def test_scope_must_be_dot_default(emulator):
    response = requests.post("%s/%s/oauth2/v2.0/token" % (emulator.url, TENANT), verify=emulator.ca_path, timeout=10, data={
        "grant_type": "client_credentials", "client_id": DEMO_APP[0], "client_secret": DEMO_APP[1], "scope": "User.Read"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_other_resource_gets_token_that_graph_rejects(emulator):
    result = confidential_app(emulator, *DEMO_APP).acquire_token_for_client(["https://management.azure.com/.default"])
    response = GraphClient(emulator.url, emulator.ca_path, result["access_token"]).get("/users/bob@contoso.com/photo")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert "audience" in response.json()["error"]["message"]


@pytest.mark.parametrize("scope", ["https://graph.microsoft.us/.default", "https://dod-graph.microsoft.us/.default",
                                   "https://microsoftgraph.chinacloudapi.cn/.default"])
def test_national_cloud_graph_resources(emulator, scope):
    result = confidential_app(emulator, *DEMO_APP).acquire_token_for_client([scope])
    assert_graph_accepts(emulator, result["access_token"])


@pytest.fixture
def app_service_env(emulator, monkeypatch):
    monkeypatch.setenv("IDENTITY_ENDPOINT", emulator.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", emulator.identity_header)
    for name in ("IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET"):
        monkeypatch.delenv(name, raising=False)


def managed_identity_client(emu, identity):
    session = trusting_session(emu.ca_path)
    return msal.ManagedIdentityClient(identity, http_client=session)


def test_managed_identity_app_service_system_assigned(emulator, app_service_env):  # pylint: disable=unused-argument
    result = managed_identity_client(emulator, msal.SystemAssignedManagedIdentity()).acquire_token_for_client(resource="https://graph.microsoft.com")
    assert "access_token" in result, result
    assert_graph_accepts(emulator, result["access_token"])


def test_managed_identity_user_assigned_has_its_own_roles(emulator, app_service_env):  # pylint: disable=unused-argument
    user_assigned = next(m for m in emulator.managed_identities if not m["system"])
    client = managed_identity_client(emulator, msal.UserAssignedManagedIdentity(client_id=user_assigned["client_id"]))
    token = client.acquire_token_for_client(resource="https://graph.microsoft.com")["access_token"]
    graph = GraphClient(emulator.url, emulator.ca_path, token)
    assert graph.get("/users/bob@contoso.com/photo").status_code == 200
    assert graph.put_photo("/users/bob@contoso.com/photo/$value", b"x").status_code == 403  # read-only roles


def test_managed_identity_wrong_header_is_refused(emulator, app_service_env, monkeypatch):  # pylint: disable=unused-argument
    monkeypatch.setenv("IDENTITY_HEADER", "wrong")
    result = managed_identity_client(emulator, msal.SystemAssignedManagedIdentity()).acquire_token_for_client(resource="https://graph.microsoft.com")
    assert "access_token" not in result
    assert "401" in result["error_description"]


def test_managed_identity_imds(emulator, monkeypatch):
    for name in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", emulator.url)
    if os.path.exists("/opt/azcmagent/bin/himds") or os.path.exists("/var/opt/azcmagent/bin/himds"):
        pytest.skip("Azure Arc agent present: MSAL would use it")
    result = managed_identity_client(emulator, msal.SystemAssignedManagedIdentity()).acquire_token_for_client(resource="https://graph.microsoft.com")
    assert "access_token" in result, result
    response = requests.get(emulator.url + "/metadata/identity/oauth2/token", params={"resource": "https://graph.microsoft.com"},
                            verify=emulator.ca_path, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


class PortRestoringSession(requests.Session):
    """MSAL's user realm discovery drops the authority's port (it uses the hostname); send it to the emulator."""

    def __init__(self, url, ca_path):
        super().__init__()
        self.trust_env, self.verify = False, ca_path
        self._url = url
        self._portless = "https://" + url.split("://", 1)[1].rsplit(":", 1)[0] + "/"

    def request(self, method, url, *args, **kwargs):  # pylint: disable=arguments-differ
        if url.startswith(self._portless):
            url = self._url + "/" + url[len(self._portless):]
        return super().request(method, url, *args, **kwargs)


@pytest.mark.filterwarnings("ignore:This API has been deprecated:DeprecationWarning")
def test_ropc_gives_delegated_token_for_me(emulator):
    session = PortRestoringSession(emulator.url, emulator.ca_path)
    app = msal.PublicClientApplication(DEMO_APP[0], authority="%s/%s" % (emulator.url, TENANT), instance_discovery=False, http_client=session)
    result = app.acquire_token_by_username_password(ALICE, "demo-user-password", scopes=["User.ReadWrite"])
    assert "access_token" in result, result
    response = GraphClient(emulator.url, emulator.ca_path, result["access_token"]).get("/me/photo")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ImageNotFound"
    wrong = app.acquire_token_by_username_password(ALICE, "wrong-password", scopes=["User.ReadWrite"])
    assert 50126 in wrong["error_codes"]


def test_thumbprints_in_emulator_json_match_the_certificate(emulator):
    info, dummy, cert_pem = cert_material(emulator)
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    assert info["sha1_thumbprint"] == cert.fingerprint(hashes.SHA1()).hex().upper()
