"""The tenant's photo update settings: Graph beta GET/PATCH /admin/people/photoUpdateSettings.

Facts (Microsoft's pages, microsoft-graph-docs-contrib api-reference/beta/api/photoupdatesettings-update.md and
peopleadminsettings-list-photoupdatesettings.md): beta only; properties `source` (`cloud`, `onPremises`,
`unknownFutureValue`) and `allowedRoles` (role template ids); PATCH changes only the properties it names;
GET needs PeopleSettings.Read.All or PeopleSettings.ReadWrite.All, PATCH PeopleSettings.ReadWrite.All; a delegated
caller also needs the People Administrator role ("the least privileged role supported"). The update page says 200
with the object, other pages and tools expect 204: the config switch `photo_settings_patch_status` gives either.
A new tenant's settings are empty: `source` null and no roles (as public write-ups of the default show).
v1.0 has `/admin/people` but not this resource, so v1.0 answers 400 for the segment `photoUpdateSettings`.

`source` is a photoUpdateSource (photoupdatesettings.md, photoupdatesettings-update.md): `cloud`, `onPremises` or
`unknownFutureValue`; any other value is refused, as OData refuses a value an enum does not have. Whether a PATCH may
set `unknownFutureValue` (the sentinel of Graph's evolvable enums, which means "a value this client does not know")
or null (the state of a new tenant) is not documented: the switch `photo_settings_source` refuses both by default
(`strict`), so that a request the emulator takes is one a tenant takes too, or takes both (`lenient`). Seeds and the
admin API may set either: a new tenant's null among them.
"""

import json
import re
from dataclasses import dataclass, field
from typing import List, Optional

from .http_messages import ApiRequest, ApiResponse, graph_error

SOURCES = ("cloud", "onPremises", "unknownFutureValue")
# What a PATCH may set under photo_settings_source: strict.
SETTABLE_SOURCES = ("cloud", "onPremises")
READ_PERMISSIONS = frozenset(("PeopleSettings.Read.All", "PeopleSettings.ReadWrite.All"))
WRITE_PERMISSIONS = frozenset(("PeopleSettings.ReadWrite.All",))
# Template ids from Microsoft's "Microsoft Entra built-in roles" page: People Administrator is the least
# privileged role a delegated caller needs; Global Administrator can do everything. Seeds may name them either way.
ADMIN_ROLES = {
    "024906de-61e5-49c8-8572-40335f1e0e10": "People Administrator",
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
}
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RESOURCE = "photoUpdateSettings"
DENIED = "Insufficient privileges to complete the operation."


@dataclass
class PhotoUpdateSettings:
    """One tenant's settings, kept in Graph's own shape."""

    source: Optional[str] = None
    allowed_roles: List[str] = field(default_factory=list)

    @classmethod
    def from_seed(cls, raw) -> "PhotoUpdateSettings":
        """`people_settings: {photoUpdateSettings: {source, allowedRoles}}` of a seeded tenant (may be absent)."""
        if raw is not None and not isinstance(raw, dict):
            raise InvalidSettings("people_settings must be a mapping with the key photoUpdateSettings.")
        raw = (raw or {}).get(RESOURCE) or {}
        settings = cls()
        settings.merge(validate_patch(raw))
        return settings

    def merge(self, changes: dict) -> None:
        if "source" in changes:
            self.source = changes["source"]
        if "allowedRoles" in changes:
            self.allowed_roles = list(changes["allowedRoles"])

    def as_graph(self, *, with_source: bool = True) -> dict:
        if not with_source:  # the published beta metadata's entity: id and allowedRoles only
            return {"id": RESOURCE, "allowedRoles": list(self.allowed_roles)}
        return {"id": RESOURCE, "source": self.source, "allowedRoles": list(self.allowed_roles)}


class InvalidSettings(ValueError):
    """A PATCH body Graph would refuse; str() is Graph's message."""


def validate_patch(body, *, strict_source: bool = False, source_known: bool = True) -> dict:
    """The properties to change, checked the way Graph checks them; raises InvalidSettings.

    strict_source: `source` must be `cloud` or `onPremises` (neither null nor `unknownFutureValue`).
    source_known: False when the entity is the published beta metadata's, which has no `source` (an unknown property).
    """
    if not isinstance(body, dict):
        raise InvalidSettings("The request body must be a JSON object.")
    changes = {}
    for name, value in body.items():
        if name == "@odata.type":
            if value not in ("#microsoft.graph.photoUpdateSettings", "microsoft.graph.photoUpdateSettings"):
                raise InvalidSettings("A type named '%s' could not be resolved by the model." % value)
        elif name == "source" and source_known:
            if value is not None and value not in SOURCES:
                raise InvalidSettings("Cannot convert the literal '%s' to the expected type 'microsoft.graph.photoUpdateSource'." % value)
            if strict_source and value is None:
                # The OData library's words for a null where the type does not allow one.
                raise InvalidSettings("A null value was found for the property named 'source', which has the expected type "
                                      "'microsoft.graph.photoUpdateSource[Nullable=False]'. The expected type "
                                      "'microsoft.graph.photoUpdateSource[Nullable=False]' does not allow null values.")
            if strict_source and value not in SETTABLE_SOURCES:
                raise InvalidSettings("Invalid value '%s' for property 'source' of resource 'photoUpdateSettings': "
                                      "the possible values are %s." % (value, ", ".join(SETTABLE_SOURCES)))
            changes["source"] = value
        elif name == "allowedRoles":
            if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
                raise InvalidSettings("Invalid value specified for property 'allowedRoles' of resource 'photoUpdateSettings': "
                                      "expected a collection of strings.")
            bad = [role for role in value if not GUID.match(role)]
            if bad:
                raise InvalidSettings("Invalid value specified for property 'allowedRoles' of resource 'photoUpdateSettings': "
                                      "'%s' is not a valid role template id." % bad[0])
            changes["allowedRoles"] = value
        elif name != "id":
            raise InvalidSettings("The property '%s' does not exist on type 'microsoft.graph.photoUpdateSettings'. Make sure to only use "
                                  "property names that are defined by the type or mark the type as open type." % name)
    return changes


def holds_admin_role(user) -> bool:
    """Whether a seeded user (its `roles:` list, template ids or display names) may manage people settings."""
    names = {name.lower() for name in ADMIN_ROLES.values()}
    return any(role.lower() in ADMIN_ROLES or role.lower() in names for role in getattr(user, "roles", None) or [])


class PeopleSettingsApi:
    """Answers /{version}/admin/people/photoUpdateSettings for an authenticated token."""

    def __init__(self, emulator):
        self.emulator = emulator

    @staticmethod
    def handles(segments: List[str]) -> bool:
        lowered = [s.lower() for s in segments]
        return lowered[:3] == ["admin", "people", RESOURCE.lower()]

    def handle(self, request: ApiRequest, version: str, segments: List[str], token) -> ApiResponse:
        if version != "beta":
            return graph_error(request, 400, "BadRequest", "Resource not found for the segment '%s'." % segments[2])
        if len(segments) > 3:
            return graph_error(request, 400, "BadRequest", "Resource not found for the segment '%s'." % segments[3])
        if request.method not in ("GET", "PATCH"):
            return graph_error(request, 405, "MethodNotAllowed", "The requested HTTP method is not supported by this resource.")
        needed = READ_PERMISSIONS if request.method == "GET" else WRITE_PERMISSIONS
        tenant = self.emulator.directory.find_tenant(token.tenant_id)
        if not token.permissions & needed:
            return graph_error(request, 403, "Authorization_RequestDenied", DENIED)
        if token.kind == "delegated" and not holds_admin_role(tenant.find_user(token.user_id or "")):
            return graph_error(request, 403, "Authorization_RequestDenied", DENIED)
        self.emulator.faults.latency()
        with_source = self.emulator.config["photo_settings_source_property"] == "documented"
        if request.method == "GET":
            with self.emulator.directory.lock:
                payload = tenant.photo_update_settings.as_graph(with_source=with_source)
            return ApiResponse.json(200, self._with_context(request, payload))
        return self._patch(request, tenant)

    def _patch(self, request, tenant):
        try:
            body = json.loads(request.body.decode("utf-8")) if request.body else None
        except (UnicodeDecodeError, ValueError):
            return graph_error(request, 400, "BadRequest", "Invalid JSON. A token was not recognized in the JSON content.")
        try:
            changes = validate_patch(body, strict_source=self.emulator.config["photo_settings_source"] == "strict",
                                     source_known=self.emulator.config["photo_settings_source_property"] == "documented")
        except InvalidSettings as exc:
            return graph_error(request, 400, "BadRequest", str(exc))
        with self.emulator.directory.lock:
            tenant.photo_update_settings.merge(changes)
            payload = tenant.photo_update_settings.as_graph(with_source=self.emulator.config["photo_settings_source_property"] == "documented")
        if self.emulator.config["photo_settings_patch_status"] == 200:
            return ApiResponse.json(200, self._with_context(request, payload))
        return ApiResponse(status=204)

    @staticmethod
    def _with_context(request, payload):
        context = "%s/beta/$metadata#admin/people/photoUpdateSettings/$entity" % request.base_url.rstrip("/")
        return dict({"@odata.context": context}, **payload)


def snapshot(directory) -> dict:
    """Per tenant id, the settings as Graph returns them (for GET /_emulator/state)."""
    return {tenant.id: {RESOURCE: tenant.photo_update_settings.as_graph()} for tenant in directory.tenants}


def set_settings(directory, payload: dict) -> dict:
    """Admin API: replace a tenant's settings (`tenant_id` optional: the first tenant); raises ValueError."""
    tenant = directory.find_tenant(payload.get("tenant_id") or directory.tenants[0].id)
    if tenant is None:
        raise ValueError("no such tenant: %s" % payload.get("tenant_id"))
    try:
        changes = validate_patch({k: v for k, v in payload.items() if k != "tenant_id"})
    except InvalidSettings as exc:
        raise ValueError(str(exc)) from exc
    settings = PhotoUpdateSettings()
    settings.merge(changes)
    with directory.lock:
        tenant.photo_update_settings = settings
    return settings.as_graph()
