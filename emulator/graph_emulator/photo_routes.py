"""The Graph photo routes: which principal a path names, what permission it needs, and what it does."""

from dataclasses import dataclass
from typing import List, Optional

from . import photo_image
from .directory import PhotoSlot, StoredPhoto
from .directory_queries import selected_user_properties, unknown_property
from .graph_metadata import PROPERTIES, UnknownProperty, empty_value, selected_properties
from .http_messages import ApiRequest, ApiResponse, graph_error

IMAGE_NOT_FOUND = {
    "ImageNotFound": "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.",
    "ErrorItemNotFound": "The photo wasn't found.",
}
USER_READ = {"ProfilePhoto.Read.All", "ProfilePhoto.ReadWrite.All", "User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All"}
USER_WRITE = {"ProfilePhoto.ReadWrite.All", "User.ReadWrite.All"}
SELF_READ = {"User.Read", "User.ReadWrite"}
SELF_WRITE = {"User.ReadWrite"}
GROUP_READ = {"ProfilePhoto.Read.All", "ProfilePhoto.ReadWrite.All", "Group.Read.All", "Group.ReadWrite.All"}
GROUP_WRITE = {"ProfilePhoto.ReadWrite.All", "Group.ReadWrite.All"}
TEAM_READ = GROUP_READ | {"Team.ReadBasic.All", "TeamSettings.Read.All", "TeamSettings.ReadWrite.All"}
TEAM_WRITE = {"TeamSettings.ReadWrite.All", "Group.ReadWrite.All"}
CONTACT_READ = {"Contacts.Read", "Contacts.ReadWrite"}
CONTACT_WRITE = {"Contacts.ReadWrite"}
USER_OBJECT_READ = {"User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
GROUP_OBJECT_READ = {"Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"}
WRITE_METHODS = ("PUT", "PATCH", "DELETE")


class RouteError(Exception):
    """The path names no resource: Graph answers 400 'Resource not found for the segment'."""

    def __init__(self, segment: str):
        super().__init__(segment)
        self.segment = segment


@dataclass
class PhotoRoute:
    kind: str  # user, group, team, contact
    resource: str  # object, photo, value, photos, size, size_value
    me: bool = False
    principal_ref: Optional[str] = None
    contact_id: Optional[str] = None
    folder_id: Optional[str] = None
    size: Optional[str] = None

    @property
    def is_photo(self) -> bool:
        return self.resource != "object"


def parse_route(segments: List[str]) -> PhotoRoute:
    if not segments:
        raise RouteError("")
    head = segments[0].lower()
    if head == "me":
        route, rest = PhotoRoute(kind="user", resource="object", me=True), segments[1:]
    elif head in ("users", "groups", "teams") and len(segments) >= 2:
        route = PhotoRoute(kind={"users": "user", "groups": "group", "teams": "team"}[head], resource="object", principal_ref=segments[1])
        rest = segments[2:]
    else:
        raise RouteError(segments[0])
    if route.kind == "user" and rest:
        name = rest[0].lower()
        if name == "contacts" and len(rest) >= 2:
            route.kind, route.contact_id, rest = "contact", rest[1], rest[2:]
        elif name == "contactfolders" and len(rest) >= 4 and rest[2].lower() == "contacts":
            route.kind, route.folder_id, route.contact_id, rest = "contact", rest[1], rest[3], rest[4:]
    lowered = [s.lower() for s in rest]
    if not rest and route.kind in ("user", "group", "contact"):
        return route
    if lowered == ["photo"]:
        route.resource = "photo"
    elif lowered == ["photo", "$value"]:
        route.resource = "value"
    elif route.kind in ("user", "group") and lowered == ["photos"]:
        route.resource = "photos"
    elif route.kind in ("user", "group") and len(rest) in (2, 3) and lowered[0] == "photos" and lowered[2:] in ([], ["$value"]):
        route.resource, route.size = ("size" if len(rest) == 2 else "size_value"), rest[1]
    else:
        raise RouteError(rest[0] if rest else segments[-1])
    return route


def required_permissions(route: PhotoRoute, method: str, *, own: bool):
    """The permissions of which the token needs one (any token kind); None means 'not with this token kind'."""
    write = method in WRITE_METHODS
    if route.resource == "object":
        if route.kind == "group":
            return GROUP_OBJECT_READ
        if route.kind == "contact":
            return CONTACT_READ
        return USER_OBJECT_READ | (SELF_READ if own else set())
    if route.kind == "user":
        if write:
            return USER_WRITE | (SELF_WRITE if own else set())
        return USER_READ | (SELF_READ if own else set())
    if route.kind == "group":
        return GROUP_WRITE if write else GROUP_READ
    if route.kind == "team":
        return TEAM_WRITE if write else TEAM_READ
    return CONTACT_WRITE if write else CONTACT_READ


class PhotoOperations:
    """What each photo route does once the caller is authenticated, allowed and not throttled."""

    def __init__(self, emulator):
        self.emulator = emulator

    def not_found(self, request: ApiRequest) -> ApiResponse:
        code = self.emulator.config["not_found_code"]
        return graph_error(request, 404, code, IMAGE_NOT_FOUND[code])

    def execute(self, request: ApiRequest, route: PhotoRoute, target, version: str) -> ApiResponse:
        method = request.method
        if route.resource == "object":
            return self._object(request, route, target, version)
        slot = target.slot
        if route.resource == "value" and method in ("PUT", "PATCH"):
            if request.batch and self.emulator.config["batch_photo_upload"] == "refused":
                # batch_photo_upload: refused. What Graph answers then is not published; a 400 as for a body it cannot take.
                return graph_error(request, 400, "BadRequest", "Uploading a photo is not supported in a JSON batch request.")
            return self._upload(request, route, target)
        if route.resource == "value" and method == "DELETE":
            if route.kind in ("team", "contact"):
                return graph_error(request, 405, "MethodNotAllowed",
                                   "The delete operation supports only user or group photos, not Outlook contact or Teams photos.")
            with self.emulator.directory.lock:
                if slot.photo is None:
                    return self.not_found(request)
                slot.photo = None
            return ApiResponse(status=200)
        if method != "GET":
            return graph_error(request, 405, "MethodNotAllowed", "The HTTP method '%s' is not allowed for this resource." % method)
        photo = slot.photo
        if photo is None:
            if route.resource == "photos":
                return ApiResponse.json(200, {"@odata.context": self._context(request, version, route, target, "photos"), "value": []})
            return self.not_found(request)
        if route.resource == "photo":
            payload = {"@odata.context": self._context(request, version, route, target, "photo/$entity")}
            # The default photo is the stored picture itself: its metadata describes the bytes of $value.
            payload.update({"@odata.mediaContentType": photo.content_type, "@odata.mediaEtag": photo.etag,
                            "id": "%dx%d" % (photo.width, photo.height), "height": photo.height, "width": photo.width})
            return ApiResponse.json(200, payload)
        if route.resource == "value":
            return ApiResponse(status=200, body=photo.data, headers={"Content-Type": photo.content_type, "ETag": photo.etag})
        if route.resource == "photos":
            sizes = photo_image.offered_sizes(photo.width, photo.height)
            return ApiResponse.json(200, {"@odata.context": self._context(request, version, route, target, "photos"),
                                          "value": [self._photo_entity(photo, s) for s in sizes]})
        config = self.emulator.config
        size = _parse_size(route.size)
        entity = None
        if size is not None and size not in photo_image.offered_sizes(photo.width, photo.height) and config["missing_size"] == "1x1":
            # The beta docs: "If the specified size is not available in the user's mailbox or in Azure Active Directory,
            # the size 1x1 is returned with the rest of the metadata" (profilephoto-get, beta; also in
            # microsoftgraph/msgraph-beta-sdk-dotnet docs/v4-reference-docs/profilephoto-get.md).
            entity = {"@odata.mediaContentType": "image/jpeg", "@odata.mediaEtag": photo.etag, "id": "1x1", "height": 1, "width": 1}
            # What .../photos/{size}/$value then answers is documented nowhere: answer with the photo's largest
            # rendition (the stored photo at its own size, as a sized JPEG); a client then falls back anyway.
            size = max(photo.width, photo.height)
        elif size is None or size not in photo_image.offered_sizes(photo.width, photo.height):
            return self.not_found(request)
        if route.resource == "size":
            payload = {"@odata.context": self._context(request, version, route, target, "photos/$entity")}
            payload.update(entity or self._photo_entity(photo, size))
            return ApiResponse.json(200, payload)
        # Sized renditions are always flattened JPEG, even when .../photo/$value keeps an alpha channel
        # (microsoft-graph-docs-contrib issue 2566).
        data = photo.rendition(size, quality=config["jpeg_quality"], background=config["flatten_background"],
                               downscale_filter=config["downscale_filter"])
        return ApiResponse(status=200, body=data, headers={"Content-Type": "image/jpeg", "ETag": photo.etag})

    @staticmethod
    def _photo_entity(photo: StoredPhoto, size: int):
        width, height = photo_image.fitted_dimensions(photo.width, photo.height, size)
        # A sized rendition is a JPEG whatever the stored photo is (see downscale).
        return {"@odata.mediaContentType": "image/jpeg", "@odata.mediaEtag": photo.etag, "id": "%dx%d" % (size, size),
                "height": height, "width": width}

    @staticmethod
    def _context(request, version, route, target, suffix):
        if route.kind == "contact":
            entity = "users('%s')/contacts('%s')" % (target.owner.id, target.contact.id)
        elif route.kind == "user":
            entity = "users('%s')" % target.principal.id
        else:
            entity = "%ss('%s')" % (route.kind, target.principal.id)
        return "%s/%s/$metadata#%s/%s" % (request.base_url, version, entity, suffix)

    def _object(self, request, route, target, version):
        if request.method != "GET":
            return graph_error(request, 405, "MethodNotAllowed", "The HTTP method '%s' is not allowed for this resource." % request.method)
        principal = target.principal
        # $select is checked against the type's properties on this version (graph_metadata.py, Microsoft's metadata).
        kind = route.kind
        try:
            select = selected_user_properties(request.query, version) if kind == "user" else selected_properties(request.query, version, kind)
        except UnknownProperty as exc:
            return unknown_property(request, exc)
        if kind == "group":
            record = {"id": principal.id, "displayName": principal.display_name,
                      "resourceProvisioningOptions": ["Team"] if principal.team else []}
            payload = {"@odata.context": "%s/%s/$metadata#groups/$entity" % (request.base_url, version)}
            payload.update({name: record.get(name, empty_value(kind, name)) for name in (select or record)})
            return ApiResponse.json(200, payload)
        if kind == "contact":
            # A contact answers every property of its version (an Outlook item has no default subset), null or [] but its id.
            record = {"id": target.contact.id}
            payload = {"@odata.context": "%s/%s/$metadata#users('%s')/contacts/$entity" % (request.base_url, version, target.owner.id)}
            payload.update({name: record.get(name, empty_value(kind, name))
                            for name in (select or PROPERTIES.get(version, PROPERTIES["v1.0"])["contact"])})
            return ApiResponse.json(200, payload)
        # GET /users/{id} (or /me) answers as listed users do (directory_queries.py): the default properties, or $select's.
        payload = {"@odata.context": "%s/%s/$metadata#users/$entity" % (request.base_url, version)}
        payload.update(principal.entity(select or None))
        return ApiResponse.json(200, payload)

    def _upload(self, request, route, target):
        config = self.emulator.config
        body = request.body
        content_type = request.header("content-type").split(";")[0].strip().lower()
        if not content_type.startswith("image/"):
            # Reported real behaviour for application/octet-stream (msgraph-sdk-dotnet issue 237): Graph fails with
            # a 500 rather than a 4xx; the emulator answers the same for any content type that is not an image's.
            return graph_error(request, 500, "ErrorInternalServerError", "An internal server error occurred. The operation failed.")
        if not body:
            return graph_error(request, 400, "BadRequest", "The request body is empty; a photo is required.")
        if len(body) > config["max_photo_bytes"]:
            return graph_error(request, 413, "RequestEntityTooLarge", "The photo is larger than the limit of 4 MB.")
        if route.kind == "user" and not target.principal.mailbox and len(body) > config["no_mailbox_max_bytes"]:
            # Without an Exchange mailbox the photo is kept in Entra ID only, which takes about 100 KB.
            if config["no_mailbox_oversize"] == "404":
                # A "really weird 404 Not found" is what such an upload got (microsoft-graph-docs issue 8236).
                return graph_error(request, 404, "ResourceNotFound", "Resource could not be discovered.")
            return graph_error(request, 413, "RequestEntityTooLarge",
                               "The photo is larger than %d bytes, the limit for a user without a mailbox." % config["no_mailbox_max_bytes"])
        try:
            stored = StoredPhoto.stored(body, photo_image.Rewrite.from_config(config), as_is=not config["rewrite"])
        except photo_image.InvalidImage:
            return graph_error(request, 400, "BadRequest", "The photo is not a valid image.")
        if config["upload_etag"] == "content":
            stored.etag = photo_image.content_etag(stored.data)
        store_photo(self.emulator.directory, target.slot, stored)
        return ApiResponse(status=204 if route.kind == "team" else 200)


def store_photo(directory, slot: PhotoSlot, photo: StoredPhoto):
    with directory.lock:
        slot.photo = photo
        slot.uploads += 1


def _parse_size(text):
    if not text:
        return None
    width, dummy, height = text.lower().partition("x")
    if width != height or not width.isdigit():
        return None
    return int(width)
