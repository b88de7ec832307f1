"""Directory listings: GET /users and GET /groups/{id}/members|transitiveMembers[/microsoft.graph.user], with
$filter, $select, $top (at most 999), $count and paging through @odata.nextLink ($skiptoken).

The advanced query parameters are the ConsistencyLevel: eventual header together with $count=true; what needs them
is in odata_filter.py. An OData cast on a members listing needs them too: "To filter the results on the OData type,
such as microsoft.graph.user ..., you must use the advanced query parameters" (group-list-transitivemembers.md).

What a user looks like in an answer, as documented (https://learn.microsoft.com/graph/api/user-list,
https://learn.microsoft.com/graph/api/user-get, https://learn.microsoft.com/graph/api/resources/user):
- without $select, the default properties (directory.DEFAULT_USER_PROPERTIES: businessPhones ... userPrincipalName, id),
  the others only on $select; with $select, exactly the properties it names;
- a property that microsoft.graph.user does not have in $select is a 400, not a null;
- the items of a users collection (/users, a members listing cast to microsoft.graph.user) carry no @odata.type;
  those of a directoryObject collection (members without a cast) do, since they may be users or groups
  (group-list-transitivemembers.md, examples 1 and 4).
"""

import base64
import collections
import json
import urllib.parse

from . import odata_filter
from .graph_metadata import PROPERTIES, UnknownProperty, selected_properties
from .http_messages import ApiResponse, graph_error

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999
USER_READ_ALL = {"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
# group-list-members.md / group-list-transitivemembers.md, least privileged first.
GROUP_MEMBER_READ = {"GroupMember.Read.All", "Group.Read.All", "GroupMember.ReadWrite.All", "Group.ReadWrite.All",
                     "Directory.Read.All", "Directory.ReadWrite.All"}
USER_CAST = "microsoft.graph.user"


def selected_user_properties(query: dict, version: str = "v1.0") -> list:
    """The user properties the query's $select names on version (graph_metadata.selected_properties)."""
    return selected_properties(query, version, "user")


def unknown_property(request, exc: UnknownProperty):
    return graph_error(request, 400, "BadRequest", str(exc))


def is_listing(method: str, segments) -> bool:
    lowered = [s.lower() for s in segments]
    if method != "GET":
        return False
    if lowered == ["users"]:
        return True
    return len(lowered) in (3, 4) and lowered[0] == "groups" and lowered[2] in ("members", "transitivemembers")


class FilterRecord:
    """User.record() keyed by lower-case names, read on demand: a filter reads one or two properties of each of
    the tenant's users, and building every user's whole record for it was most of a filtered listing's CPU."""

    __slots__ = ("_user",)

    def __init__(self, user):
        self._user = user

    def get(self, name: str, default=None):
        # User.record()'s order: the directory properties override the three fields.
        for key, value in self._user.properties.items():
            if key.lower() == name:
                return value
        if name == "id":
            return self._user.id
        if name == "userprincipalname":
            return self._user.user_principal_name
        if name == "displayname":
            return self._user.display_name
        return default


class DirectoryQueries:
    def __init__(self, emulator):
        self.emulator = emulator

    def answer(self, request, version: str, segments, token, tenant):
        """The response to a listing (token already authenticated)."""
        lowered = [s.lower() for s in segments]
        granted = token.permissions
        try:
            query, state = _merged_query(request.query)
        except ValueError:
            return graph_error(request, 400, "Directory_InvalidSkipToken", "The skip token is not valid.")
        # A nextLink carries the first request's query options (in its $skiptoken here); the header is sent again.
        advanced = request.header("consistencylevel").lower() == "eventual" and query.get("$count", "").lower() == "true"
        if lowered == ["users"]:
            if not granted & USER_READ_ALL:
                return _denied(request)
            users = list(tenant.users.values())
            context = "users"
        else:
            if not granted & GROUP_MEMBER_READ:
                return _denied(request)
            group = tenant.find_group(segments[1])
            if group is None:
                return graph_error(request, 404, "Request_ResourceNotFound",
                                   "Resource '%s' does not exist or one of its queried reference-property objects are not present." % segments[1])
            cast = lowered[3] if len(lowered) == 4 else None
            if cast is not None and cast != USER_CAST:
                return graph_error(request, 400, "BadRequest", "Resource not found for the segment '%s'." % segments[3])
            if cast is not None and not advanced:
                return graph_error(request, 400, "Request_UnsupportedQuery",
                                   "The specified OData cast is not supported without the required parameters. Try adding $count=true query "
                                   "parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information")
            members = self._members(tenant, group, transitive=lowered[2] == "transitivemembers")
            users = [m for m in members if not hasattr(m, "members")]
            if cast is None:
                return self._page(request, version, segments, members, advanced, query, state, context="directoryObjects", tenant=tenant)
            context = "users"
        try:
            selected_user_properties(query, version)  # a nextLink's query is the first page's: checked again, answered the same
        except UnknownProperty as exc:
            return unknown_property(request, exc)
        return self._page(request, version, segments, users, advanced, query, state, context=context, tenant=tenant)

    @staticmethod
    def _members(tenant, group, *, transitive: bool) -> list:
        """Direct members, or every nested member once (users and groups), in a stable order."""
        seen, found, queue = set(), [], collections.deque(group.members)
        seen_groups = {group.id}
        while queue:
            ref = queue.popleft()
            member = tenant.users.get(ref) or tenant.groups.get(ref)
            if member is None or member.id in seen:
                continue
            seen.add(member.id)
            found.append(member)
            if transitive and hasattr(member, "members") and member.id not in seen_groups:
                seen_groups.add(member.id)
                queue.extend(member.members)
        return found

    def _page(self, request, version, segments, objects, advanced, query, state, *, context, tenant):
        try:
            top = int(query.get("$top", DEFAULT_PAGE_SIZE))
        except ValueError:
            top = -1
        if not 1 <= top <= MAX_PAGE_SIZE:
            return graph_error(request, 400, "Request_BadRequest",
                               "Invalid page size specified: '%s'. Must be between 1 and %d inclusive." % (query.get("$top"), MAX_PAGE_SIZE))
        text = query.get("$filter")
        if text:
            try:
                node = odata_filter.parse_filter(text)
                odata_filter.check_support(node, advanced=advanced)
            except odata_filter.FilterError as exc:
                return graph_error(request, 400, "Request_UnsupportedQuery" if exc.needs_advanced or "Unsupported" in exc.message else "BadRequest",
                                   exc.message)
            matches = odata_filter.compile_filter(node, case_sensitive=self.emulator.config["filter_string_case"] == "sensitive")
            objects = [o for o in objects if not hasattr(o, "members") and matches(FilterRecord(o))]
        select = [name.strip() for name in query.get("$select", "").split(",") if name.strip()]
        # Users as selected (a directoryObject collection is not checked against the user's properties: a group's may
        # be selected too, so a name the user has not is left out), else with their default properties.
        names = {name.lower(): name for name in PROPERTIES.get(version, PROPERTIES["v1.0"])["user"]}
        user_select = [names[name.lower()] for name in select if name.lower() in names] if select else None
        offset = state["offset"] if state else 0
        page = objects[offset:offset + top]
        payload = {"@odata.context": "%s/%s/$metadata#%s" % (request.base_url, version, context)}
        if advanced:
            payload["@odata.count"] = len(objects)
        if offset + top < len(objects):
            token = base64.urlsafe_b64encode(json.dumps({"query": {k: v for k, v in query.items() if k != "$skiptoken"},
                                                         "offset": offset + top}).encode("utf-8")).decode("ascii")
            path = "/".join(urllib.parse.quote(s, safe="@.-_~'") for s in segments)
            payload["@odata.nextLink"] = "%s/%s/%s?%s" % (request.base_url, version, path, urllib.parse.urlencode({"$skiptoken": token}))
        typed = context == "directoryObjects"
        payload["value"] = [self._entity(o, select, user_select, typed=typed) for o in page]
        return ApiResponse.json(200, payload)

    @staticmethod
    def _entity(obj, select, user_select, *, typed: bool):
        """One item of a listing; typed (a directoryObject collection): with its @odata.type."""
        if hasattr(obj, "members"):
            entity = {"@odata.type": "#microsoft.graph.group", "id": obj.id, "displayName": obj.display_name}
            return {k: v for k, v in entity.items() if not select or k in select or k == "@odata.type"}
        entity = {"@odata.type": "#microsoft.graph.user"} if typed else {}
        entity.update(obj.entity(user_select))
        return entity


def _merged_query(query):
    """(the query options in effect, the paging state or None): a $skiptoken holds the first page's options."""
    if "$skiptoken" not in query:
        return dict(query), None
    try:
        state = json.loads(base64.urlsafe_b64decode(query["$skiptoken"].encode("ascii")).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("bad skip token") from exc
    return dict(state["query"], **{k: v for k, v in query.items() if k != "$skiptoken"}), state


def _denied(request):
    return graph_error(request, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
