"""Entra ID as MSAL sees it: OIDC discovery, the v2.0 token endpoint, user realm, managed identity endpoints."""

import base64
import re
import time
import urllib.parse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from .http_messages import ApiRequest, ApiResponse, entra_error

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"
FEDERATED_KEY_ID = "graph-emulator-federated"
RESERVED_SCOPES = {"openid", "profile", "offline_access", "email"}
DEFAULT_GRAPH_RESOURCE = "https://graph.microsoft.com"
DEFAULT_DELEGATED_SCOPES = ("User.Read", "User.ReadWrite", "ProfilePhoto.ReadWrite.All", "Contacts.ReadWrite")
APP_SERVICE_PATH = "/msi/token"
IMDS_PATH = "/metadata/identity/oauth2/token"

_DISCOVERY = re.compile(r"^/([^/]+)(?:/v2\.0)?/\.well-known/openid-configuration$")
_TOKEN = re.compile(r"^/([^/]+)/oauth2/v2\.0/token$")
_USER_REALM = re.compile(r"^/common/userrealm/([^/]+)$")


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class TokenRequestRefused(Exception):
    """Carries the Entra error response for a refused token request."""

    def __init__(self, response: ApiResponse):
        super().__init__(response.status)
        self.response = response


def _refuse(status, error, aadsts, description):
    return TokenRequestRefused(entra_error(status, error, aadsts, description))


class IdentityService:
    def __init__(self, emulator):
        self.emulator = emulator
        self._federated_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @staticmethod
    def handles(path: str) -> bool:
        return bool(path in (APP_SERVICE_PATH, IMDS_PATH) or _DISCOVERY.match(path) or _TOKEN.match(path) or _USER_REALM.match(path))

    def handle(self, request: ApiRequest) -> ApiResponse:
        path = request.path
        match = _DISCOVERY.match(path)
        if match and request.method == "GET":
            return self._discovery(request, match.group(1))
        match = _USER_REALM.match(path)
        if match and request.method == "GET":
            return self._user_realm(match.group(1))
        # Token requests see the injected faults; discovery does not (MSAL does not retry it).
        fault = self.emulator.faults.next_fault(scripted=False)
        self.emulator.faults.latency()
        if fault:
            return self._fault_response(fault)
        try:
            match = _TOKEN.match(path)
            if match and request.method == "POST":
                return self._token(request, match.group(1))
            if path == APP_SERVICE_PATH and request.method == "GET":
                return self._app_service(request)
            if path == IMDS_PATH and request.method == "GET":
                return self._imds(request)
        except TokenRequestRefused as refused:
            return refused.response
        return entra_error(405, "invalid_request", 900561, "The endpoint only accepts POST requests.")

    @staticmethod
    def _fault_response(fault) -> ApiResponse:
        if fault["reset"]:
            return ApiResponse(status=0, reset=True, fault="reset")
        response = entra_error(fault["status"], "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.")
        if fault["retry_after"]:
            response.headers["Retry-After"] = fault["retry_after"]
        response.fault = str(fault["status"])
        return response

    # --- discovery -------------------------------------------------------------------------------
    def _tenant_or_refuse(self, tenant_ref):
        tenant = self.emulator.directory.find_tenant(tenant_ref)
        if tenant is None:
            raise _refuse(400, "invalid_tenant", 90002,
                          "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. "
                          "Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
                          % tenant_ref)
        return tenant

    def _discovery(self, request, tenant_ref):
        try:
            tenant = self._tenant_or_refuse(tenant_ref)
        except TokenRequestRefused as refused:
            return refused.response
        base = "%s/%s" % (request.base_url, tenant.id)
        return ApiResponse.json(200, {
            "token_endpoint": base + "/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": base + "/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": base + "/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": request.base_url + "/oidc/userinfo",
            "authorization_endpoint": base + "/oauth2/v2.0/authorize",
            "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": base + "/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid"],
            "kerberos_endpoint": base + "/kerberos",
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        })

    def _user_realm(self, username):
        domain = urllib.parse.unquote(username).rpartition("@")[2]
        tenant = self.emulator.directory.find_tenant(domain)
        return ApiResponse.json(200, {"ver": "1.0", "account_type": "Managed" if tenant else "Unknown", "domain_name": domain,
                                      "cloud_instance_name": "microsoftonline.com", "cloud_audience_urn": "urn:federation:MicrosoftOnline"})

    # --- token endpoint --------------------------------------------------------------------------
    def _token(self, request, tenant_ref):
        tenant = self._tenant_or_refuse(tenant_ref)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        grant_type = form.get("grant_type", "")
        client_id = form.get("client_id", "")
        if not client_id:
            raise _refuse(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        app = tenant.apps.get(client_id.lower())
        if app is None:
            raise _refuse(400, "unauthorized_client", 700016,
                          "Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been "
                          "installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your "
                          "authentication request to the wrong tenant." % (client_id, tenant.domain or tenant.id))
        if grant_type == "client_credentials":
            resource = self._client_credentials_resource(form.get("scope", ""))
            self._authenticate_client(request, tenant, app, form)
            token = self.emulator.tokens.issue(tenant_id=tenant.id, kind="app", client_id=app.client_id, roles=app.roles,
                                               audience=resource, identity="app:" + app.client_id, lifetime=self.lifetime)
            return self._token_response(token)
        if grant_type == "password":
            return self._password_grant(tenant, app, form)
        raise _refuse(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'." % grant_type)

    @staticmethod
    def _client_credentials_resource(scope_value):
        scopes = [s for s in scope_value.split() if s not in RESERVED_SCOPES]
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise _refuse(400, "invalid_scope", 1002012,
                          "The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default "
                          "suffixed to the resource identifier (application ID URI)." % scope_value)
        return scopes[0][: -len("/.default")]

    def _authenticate_client(self, request, tenant, app, form):
        if form.get("client_secret"):
            if form["client_secret"] not in app.secrets:
                raise _refuse(401, "invalid_client", 7000215,
                              "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
                              "not the client secret ID, for a secret added to app '%s'." % app.client_id)
            return
        assertion = form.get("client_assertion")
        if not assertion:
            raise _refuse(401, "invalid_client", 7000218,
                          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        if form.get("client_assertion_type") != JWT_BEARER:
            raise _refuse(400, "invalid_request", 50027, "JWT token is invalid or malformed: unsupported client_assertion_type.")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise _refuse(400, "invalid_request", 50027, "JWT token is invalid or malformed. %s" % exc) from exc
        if str(unverified.get("iss", "")).lower() == app.client_id.lower():
            self._verify_certificate_assertion(request, tenant, app, assertion, header)
        else:
            self._verify_federated_assertion(app, assertion)

    def _verify_certificate_assertion(self, request, tenant, app, assertion, header):
        if "x5t#S256" in header:
            thumbprint, field = _b64url_decode(header["x5t#S256"]), "sha256"
        elif "x5t" in header:
            thumbprint, field = _b64url_decode(header["x5t"]), "sha1"
        else:
            raise _refuse(401, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The key was not found.]")
        certificate = next((c for c in app.certificates if getattr(c, field) == thumbprint), None)
        if certificate is None:
            raise _refuse(401, "invalid_client", 700027,
                          "The certificate with identifier used to sign the client assertion is not registered on application. "
                          "[Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, "
                          "Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]" % (thumbprint.hex().upper(), app.client_id))
        audiences = ["%s/%s/oauth2/%s" % (request.base_url, t, v) for t in (tenant.id, tenant.domain) for v in ("v2.0/token", "token")]
        try:
            claims = jwt.decode(assertion, certificate.public_key, algorithms=["RS256", "PS256"], audience=audiences,
                                issuer=app.client_id, leeway=300, options={"require": ["exp", "aud", "iss", "sub"]})
        except jwt.ExpiredSignatureError as exc:
            raise _refuse(401, "invalid_client", 700024, "Client assertion is not within its valid time range.") from exc
        except jwt.PyJWTError as exc:
            raise _refuse(401, "invalid_client", 700027, "Client assertion failed signature validation. [Reason - %s]" % exc) from exc
        if str(claims.get("sub", "")).lower() != app.client_id.lower():
            raise _refuse(401, "invalid_client", 700027, "Client assertion failed validation: 'sub' must be the client id.")

    def _verify_federated_assertion(self, app, assertion):
        try:
            claims = jwt.decode(assertion, self._federated_key.public_key(), algorithms=["RS256"], options={"verify_aud": False})
        except jwt.ExpiredSignatureError as exc:
            raise _refuse(400, "invalid_client", 700024, "Client assertion is not within its valid time range.") from exc
        except jwt.PyJWTError as exc:
            raise _refuse(401, "invalid_client", 700027, "Client assertion failed signature validation. [Reason - %s]" % exc) from exc
        issuer, subject, audience = claims.get("iss"), claims.get("sub"), claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        for credential in app.federated_credentials:
            if (credential.get("issuer") == issuer and credential.get("subject") == subject
                    and credential.get("audience", FEDERATED_AUDIENCE) in audiences):
                return
        raise _refuse(400, "invalid_request", 70021,
                      "No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. "
                      "Assertion Subject: '%s'. Assertion Audience: '%s'." % (issuer, subject, ",".join(str(a) for a in audiences)))

    def _password_grant(self, tenant, app, form):
        user = tenant.find_user(form.get("username", ""))
        if user is None or not user.password or user.password != form.get("password"):
            raise _refuse(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.")
        resource, scopes = DEFAULT_GRAPH_RESOURCE, []
        for scope in form.get("scope", "").split():
            if scope in RESERVED_SCOPES:
                continue
            if "://" in scope:
                resource, dummy, scope = scope.rpartition("/")
            scopes.append(scope)
        if ".default" in scopes or not scopes:
            scopes = list(app.delegated_scopes or DEFAULT_DELEGATED_SCOPES)
        token = self.emulator.tokens.issue(tenant_id=tenant.id, kind="delegated", client_id=app.client_id, user_id=user.id, scopes=scopes,
                                           audience=resource, identity="user:" + user.id, lifetime=self.lifetime)
        return self._token_response(token, scope=" ".join(scopes))

    @property
    def lifetime(self) -> int:
        """Seconds a token issued now lives (the token_lifetime switch)."""
        return self.emulator.config["token_lifetime"]

    @staticmethod
    def _token_response(token, **extra):
        lifetime = int(token.lifetime)
        payload = {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token.value}
        payload.update(extra)
        return ApiResponse.json(200, payload, {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})

    # --- managed identity ------------------------------------------------------------------------
    def _managed_identity_token(self, request):
        """Returns (token, resource) or (None, reason) for the identity named by the query."""
        resource = request.query.get("resource", "")
        if not resource:
            return None, "The 'resource' query parameter is required."
        tenant, identity = self.emulator.directory.find_managed_identity(
            client_id=request.query.get("client_id"), object_id=request.query.get("object_id"))
        if identity is None:
            return None, "No managed identity was found for the request."
        token = self.emulator.tokens.issue(tenant_id=tenant.id, kind="app", client_id=identity.client_id, roles=identity.roles,
                                           audience=resource, identity="mi:" + identity.client_id, lifetime=self.lifetime)
        return token, resource

    def _app_service(self, request):
        if request.header("x-identity-header") != self.emulator.identity_header:
            return ApiResponse.json(401, {"statusCode": 401, "message": "Unauthorized: the X-IDENTITY-HEADER header is missing or wrong."})
        token, detail = self._managed_identity_token(request)
        if token is None:
            return ApiResponse.json(400, {"statusCode": 400, "message": detail})
        return ApiResponse.json(200, {"access_token": token.value, "expires_on": str(int(token.expires_at)), "resource": detail,
                                      "token_type": "Bearer", "client_id": token.client_id})

    def _imds(self, request):
        if request.header("metadata").lower() != "true":
            return ApiResponse.json(400, {"error": "invalid_request", "error_description": "Required metadata header not specified"})
        token, detail = self._managed_identity_token(request)
        if token is None:
            return ApiResponse.json(400, {"error": "invalid_request", "error_description": "Identity not found. " + detail})
        now = int(time.time())
        lifetime = str(int(token.lifetime))
        return ApiResponse.json(200, {"access_token": token.value, "client_id": token.client_id, "expires_in": lifetime,
                                      "expires_on": str(int(token.expires_at)), "ext_expires_in": lifetime,
                                      "not_before": str(now), "resource": detail, "token_type": "Bearer"})

    # --- emulator-only helpers (admin API) -------------------------------------------------------
    def issue_federated_assertion(self, *, issuer, subject, audience=FEDERATED_AUDIENCE, lifetime=600):
        now = int(time.time())
        claims = {"iss": issuer, "sub": subject, "aud": audience, "iat": now, "nbf": now, "exp": now + lifetime}
        return jwt.encode(claims, self._federated_key, algorithm="RS256", headers={"kid": FEDERATED_KEY_ID})

    def issue_delegated(self, *, tenant_ref, user_ref, scopes, lifetime=None, audience=DEFAULT_GRAPH_RESOURCE):
        directory = self.emulator.directory
        tenant = directory.find_tenant(tenant_ref) if tenant_ref else directory.tenants[0]
        user = tenant.find_user(user_ref) if tenant else None
        if user is None:
            raise ValueError("unknown tenant or user")
        return self.emulator.tokens.issue(tenant_id=tenant.id, kind="delegated", client_id=None, user_id=user.id, scopes=scopes,
                                          audience=audience, identity="user:" + user.id, lifetime=self.lifetime if lifetime is None else lifetime)
