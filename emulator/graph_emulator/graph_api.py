"""The Graph side: authentication, routing, permissions, throttling, faults and the request log."""

import uuid
from dataclasses import dataclass
from typing import List, Optional

from .batch import BatchProcessor
from .budgets import refusal_headers, refusal_message, retry_after_header
from .directory_queries import DirectoryQueries, is_listing
from .http_messages import ApiRequest, ApiResponse, graph_error
from .people_settings import PeopleSettingsApi
from .photo_routes import WRITE_METHODS, PhotoOperations, PhotoRoute, RouteError, parse_route, required_permissions
from .tokens import IssuedToken

VERSIONS = ("v1.0", "beta")
FAULT_ERRORS = {
    429: ("TooManyRequests", "Too many requests."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The gateway did not receive a response in time."),
}


@dataclass
class Target:
    """What a route resolved to: the principal (or the contact's owner), and where the photo lives."""

    principal: object
    slot: object
    log_principal: str
    mailbox_key: str
    owner: object = None
    contact: object = None


@dataclass
class GraphCall:
    request: ApiRequest
    version: str
    segments: List[str]
    token: Optional[IssuedToken] = None
    route: Optional[PhotoRoute] = None
    target: Optional[Target] = None
    throttle_key: object = None
    response: Optional[ApiResponse] = None  # set when the call was answered before running
    holding: bool = False  # holds a throttling slot
    resource_units: Optional[int] = None  # what the request cost (x-ms-resource-unit), when budgets are on


class GraphApi:
    def __init__(self, emulator):
        self.emulator = emulator
        self.operations = PhotoOperations(emulator)
        self.batch = BatchProcessor(self)
        self.people_settings = PeopleSettingsApi(emulator)
        self.directory_queries = DirectoryQueries(emulator)

    @staticmethod
    def handles(path: str) -> bool:
        return path.split("/")[1:2] in (["v1.0"], ["beta"])

    def handle_http(self, request: ApiRequest) -> ApiResponse:
        """One HTTP request from a client: faults first, then $batch or a single call; logged when answered."""
        parts = [p for p in request.path.split("/") if p]
        version, segments = parts[0], parts[1:]
        fault = self.emulator.faults.next_fault(scripted=True)
        if fault:
            self.emulator.faults.latency()
            response = self.fault_response(request, fault)
            self.log(request, response, None, None)
            return response
        if [s.lower() for s in segments] == ["$batch"]:
            response = self.batch.handle(request, version)
            self.log(request, response, None, self._identity_of(request))
            return response
        if self.people_settings.handles(segments):
            call = GraphCall(request=request, version=version, segments=segments)
            response = self._finish(request, self._authenticate(call) or self.people_settings.handle(request, version, segments, call.token))
            self.log(request, response, None, call.token.identity if call.token else None)
            return response
        call = self.prepare(request, version, segments)
        response = self.run(call)
        self.log(request, response, call.target.log_principal if call.target else None, call.token.identity if call.token else None)
        return response

    def fault_response(self, request, fault) -> ApiResponse:
        if fault["reset"]:
            return ApiResponse(status=0, reset=True, fault="reset")
        code, message = FAULT_ERRORS.get(fault["status"], ("UnknownError", "An injected error."))
        headers = {"Retry-After": fault["retry_after"]} if fault["retry_after"] else {}
        response = graph_error(request, fault["status"], code, message, headers)
        response.fault = str(fault["status"])
        return response

    # --- one call: prepare (auth, route, permission, resolve) then run (throttle, latency, execute) ---
    def prepare(self, request: ApiRequest, version: str, segments: List[str], token: Optional[IssuedToken] = None) -> GraphCall:
        """token: the token a $batch envelope was authenticated with, when its inner requests are not checked again."""
        call = GraphCall(request=request, version=version, segments=segments, token=token)
        refused = None if token is not None else self._authenticate(call)
        call.response = refused or self._list_directory(call) or self._route(call) or self._authorize_and_resolve(call)
        return call

    def authenticate_batch(self, request: ApiRequest, version: str):
        """(401 answer or None, the token) for a $batch envelope, which is checked like any request."""
        call = GraphCall(request=request, version=version, segments=["$batch"])
        return self._authenticate(call), call.token

    def _list_directory(self, call):
        """GET /users and group member listings (directory_queries.py); None for any other path."""
        if not is_listing(call.request.method, call.segments):
            return None
        tenant = self.emulator.directory.find_tenant(call.token.tenant_id)
        refused = self._spend_budgets(call, tenant, photo=False)
        if refused is not None:
            return refused
        self.emulator.faults.latency()
        return self.directory_queries.answer(call.request, call.version, call.segments, call.token, tenant)

    def _spend_budgets(self, call, tenant, *, photo: bool, mailbox_key=None):
        """None when the request's budgets allow it (and are spent), else their 429 (budgets.py); off unless configured."""
        budgets = self.emulator.budgets
        if not budgets.enabled():
            return None
        request = call.request
        charge = budgets.charge_for(method=request.method, segments=call.segments, query=request.query, token=call.token,
                                    tenant=tenant, mailbox_key=mailbox_key, photo=photo, body_bytes=len(request.body or b""))
        refused = budgets.spend(charge)
        if refused is None:
            call.resource_units = charge.resource_units
            return None
        wait, what = refused
        headers = {"Retry-After": retry_after_header(wait, whole_seconds=self.emulator.config["budget_retry_after"] == "whole_seconds")}
        headers.update(refusal_headers(what, app=call.token.client_id or call.token.identity, tenant_id=tenant.id,
                                       with_headers=self.emulator.config["budget_headers"]))
        code = "ApplicationThrottled" if what.startswith("outlook") else "TooManyRequests"
        response = graph_error(request, 429, code, refusal_message(what), headers)
        response.budget = what
        return response

    def run(self, call: GraphCall) -> ApiResponse:
        if call.resource_units is not None and call.response is not None:
            call.response.headers["x-ms-resource-unit"] = str(call.resource_units)
        if call.response is not None:
            return self._finish(call.request, call.response)
        if not call.holding and not self.acquire(call):
            return self._finish(call.request, self.throttled(call.request))
        try:
            self.emulator.faults.latency()
            response = self.operations.execute(call.request, call.route, call.target, call.version)
            if call.resource_units is not None:
                response.headers["x-ms-resource-unit"] = str(call.resource_units)
        finally:
            if call.holding:
                self.emulator.limiter.release(call.throttle_key)
                call.holding = False
        return self._finish(call.request, response)

    def acquire(self, call: GraphCall) -> bool:
        """Take a throttling slot for the call; False when its (identity, mailbox) is at the limit."""
        config = self.emulator.config
        if not config["throttle"] or call.throttle_key is None:
            return True
        call.holding = self.emulator.limiter.try_acquire(call.throttle_key, config["max_concurrent_per_mailbox"])
        return call.holding

    def throttled(self, request):
        return graph_error(request, 429, "TooManyRequests", "Application is over its MailboxConcurrency limit.",
                           {"Retry-After": self.emulator.faults.retry_after()})

    def _finish(self, request, response):
        if self.emulator.config["resource_unit_header"] and not response.reset:
            # One unit per request (a GET of one object costs 1 in the identity and access budget).
            response.headers.setdefault("x-ms-resource-unit", "1")
        client_request_id = request.header("client-request-id")
        response.headers.setdefault("request-id", str(uuid.uuid4()))
        response.headers.setdefault("client-request-id", client_request_id or response.headers["request-id"])
        return response

    def _authenticate(self, call):
        request = call.request
        if self.emulator.faults.revocation_due():
            self.emulator.tokens.revoke_issued()
        value = request.bearer_token()
        if not value:
            return graph_error(request, 401, "InvalidAuthenticationToken", "Access token is empty.")
        token = self.emulator.tokens.lookup(value)
        if token is None:
            return graph_error(request, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid token.")
        if token.expired():
            # Expired or revoked: the same answer (GRAPH_PHOTO_API.md, "Tokens over long runs").
            return graph_error(request, 401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
        if not token.for_graph():
            return graph_error(request, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
        call.token = token
        return None

    def _route(self, call):
        try:
            call.route = parse_route(call.segments)
        except RouteError as exc:
            return graph_error(call.request, 400, "BadRequest", "Resource not found for the segment '%s'." % exc.segment)
        if call.route.me and call.token.kind != "delegated":
            return graph_error(call.request, 400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        return None

    def _authorize_and_resolve(self, call):
        request, route, token = call.request, call.route, call.token
        tenant = self.emulator.directory.find_tenant(token.tenant_id)
        if route.kind in ("user", "contact"):
            user = tenant.find_user(token.user_id) if route.me else tenant.find_user(route.principal_ref)
            own = token.kind == "delegated" and user is not None and user.id == token.user_id
        else:
            user, own = None, False
        granted = token.permissions
        permitted = bool(granted & required_permissions(route, request.method, own=own))
        app_only = self.emulator.config["group_photo_app_only"]
        app_write = route.is_photo and request.method in WRITE_METHODS and token.kind == "app"
        if route.kind == "team" and app_write:
            if permitted and app_only == "deny_writes":
                return _app_only_group_update(request)
            # Team photo writes have no application permission.
            return graph_error(request, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        if not permitted:
            return graph_error(request, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        if route.kind == "group" and route.is_photo and token.kind == "app" and app_only == "deny":
            # The long-standing known issue: app-only access to group photos is refused.
            return graph_error(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        if route.kind == "group" and app_write and app_only == "deny_writes":
            return _app_only_group_update(request)
        if route.kind in ("user", "contact"):
            return self._resolve_user(call, user, own)
        group = tenant.find_group(route.principal_ref)
        if route.kind == "team" and (group is None or not group.team):
            return graph_error(request, 404, "NotFound", "No team found with Group Id %s" % route.principal_ref)
        if group is None:
            return graph_error(request, 404, "Request_ResourceNotFound",
                               "Resource '%s' does not exist or one of its queried reference-property objects are not present." % route.principal_ref)
        call.target = Target(principal=group, slot=group.slot, log_principal="groups/" + group.id, mailbox_key="groups/" + group.id)
        call.throttle_key = (token.identity, call.target.mailbox_key) if route.is_photo else None
        return self._spend_budgets(call, self.emulator.directory.find_tenant(token.tenant_id), photo=route.is_photo,
                                   mailbox_key=call.target.mailbox_key)

    def _resolve_user(self, call, user, own):
        request, route, token = call.request, call.route, call.token
        if user is None:
            return graph_error(request, 404, "Request_ResourceNotFound",
                               "Resource '%s' does not exist or one of its queried reference-property objects are not present." % route.principal_ref)
        if route.kind == "user":
            call.target = Target(principal=user, slot=user.slot, log_principal="users/" + user.id, mailbox_key="users/" + user.id)
        else:
            if token.kind == "delegated" and not own:
                return graph_error(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            if not user.mailbox:
                return graph_error(request, 404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
            folder = user.contact_folders.get(route.folder_id) if route.folder_id else user.contacts
            contact = folder.get(route.contact_id) if folder is not None else None
            if contact is None:
                return graph_error(request, 404, "ErrorItemNotFound", "The specified object was not found in the store.")
            where = "contactFolders/%s/contacts/%s" % (route.folder_id, contact.id) if route.folder_id else "contacts/" + contact.id
            call.target = Target(principal=user, slot=contact.slot, log_principal="users/%s/%s" % (user.id, where),
                                 mailbox_key="users/" + user.id, owner=user, contact=contact)
        call.throttle_key = (token.identity, call.target.mailbox_key) if route.is_photo else None
        return self._spend_budgets(call, self.emulator.directory.find_tenant(token.tenant_id), photo=route.is_photo,
                                   mailbox_key=call.target.mailbox_key)

    # --- the request log ---------------------------------------------------------------------------
    def _identity_of(self, request):
        token = self.emulator.tokens.lookup(request.bearer_token() or "")
        return token.identity if token else None

    def log(self, request: ApiRequest, response: ApiResponse, principal, identity):
        path = request.path
        is_photo_path = "/photo" in path.lower()
        self.emulator.request_log.append(
            method=request.method, path=path, status=None if response.reset else response.status,
            write=request.method in WRITE_METHODS and is_photo_path, batch=request.batch, principal=principal,
            client_request_id=request.header("client-request-id"), identity=identity, fault=response.fault,
            size=len(response.body) if response.body else 0, content_type=_body_type(request), budget=response.budget,
            retry_after=response.headers.get("Retry-After"))


def _body_type(request):
    """The media type of the request's body (no parameters), or None when it has none."""
    if not request.body:
        return None
    return request.header("content-type").split(";")[0].strip().lower() or None


def _app_only_group_update(request):
    # Code and message as reported for an app-only PATCH of a group photo
    # (microsoft-graph-docs-contrib issue 1802, microsoft-graph-docs issue 18507); reads still work.
    return graph_error(request, 403, "AppOnlyTokenNotSupportedForGroupUpdate",
                       "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ProfileAccessDeniedException' was thrown.")
