"""The emulated tenants: apps, managed identities, users, groups, contacts and their photos."""

import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from PIL import Image

from . import photo_image
from .graph_metadata import COLLECTIONS, PROPERTIES
from .people_settings import PhotoUpdateSettings, snapshot as people_settings_snapshot


# The sizes whose renditions are made when a photo is stored: the thumbnails clients read to show or compare a photo.
# For an 800 px upload they cost about a tenth of the rewrite (2.0 of 20 ms here); for a 256 px one, whose rewrite is
# cheap, more than the rewrite itself (1.7 against 0.7 ms: a LANCZOS pass costs in proportion to the pixels it reads,
# whatever size it makes). 240 to 504 are made the first time they are asked for and kept: each is a LANCZOS pass over
# the whole 648 px picture (about 10 ms here, three times the small ones together), and making all of them at every
# upload would more than double the CPU an upload costs the emulator, on the cores the module under test shares with
# it, for sizes few clients read.
STORED_RENDITION_MAX = 120


@dataclass
class StoredPhoto:
    data: bytes
    content_type: str
    width: int
    height: int
    etag: str
    # The sized renditions of this photo, (size, quality, background, downscale filter) -> JPEG bytes. The service
    # makes them when the photo is stored, so reading one costs Graph a stored blob, not a decode and an encode: the
    # emulator makes the small ones when it stores the photo (``stored``) and any other the first time it is asked for
    # (a larger size, or after jpeg_quality, flatten_background or downscale_filter changed), and keeps each.
    renditions: Dict[Tuple[int, int, str, str], bytes] = field(default_factory=dict, repr=False, compare=False)
    _rendition_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def from_bytes(cls, data: bytes, content_type: str = "image/jpeg") -> "StoredPhoto":
        width, height = photo_image.image_size(data)
        return cls(data=data, content_type=content_type, width=width, height=height, etag=photo_image.new_etag())

    @classmethod
    def stored(cls, upload: bytes, rewrite: photo_image.Rewrite, *, as_is: bool = False) -> "StoredPhoto":
        """The photo the service keeps for an upload (rewritten per ``rewrite``, or byte for byte with ``as_is``), with
        its small renditions made from the decoded picture, flattened and encoded as ``rewrite`` says."""
        if as_is:
            image = photo_image.open_image(upload)
            data, content_type = upload, Image.MIME.get(image.format or "", "application/octet-stream")
        else:
            data, content_type, image = rewrite.process(upload)
        photo = cls(data=data, content_type=content_type, width=image.width, height=image.height, etag=photo_image.new_etag())
        sizes = [size for size in photo_image.offered_sizes(image.width, image.height) if size <= STORED_RENDITION_MAX]
        own = max(image.width, image.height)
        if not as_is and content_type == "image/jpeg":
            # The rewrite's JPEG is the photo at its own size, flattened and encoded as a rendition would be.
            photo.renditions[(own, rewrite.quality, rewrite.background, rewrite.downscale_filter)] = data
            sizes = [size for size in sizes if size < own]
        try:
            made = photo_image.make_renditions(image, sizes, quality=rewrite.quality, background=rewrite.background,
                                               downscale_filter=rewrite.downscale_filter)
        except (OSError, ValueError):  # a picture kept as is in a mode JPEG cannot take: answered when it is read
            made = {}
        photo.renditions.update(((size, rewrite.quality, rewrite.background, rewrite.downscale_filter), jpeg)
                                for size, jpeg in made.items())
        return photo

    def rendition(self, size: int, *, quality: int, background: str, downscale_filter: str) -> bytes:
        """The photo downscaled to fit size x size as a flattened JPEG, made once and kept with the photo."""
        key = (size, quality, background, downscale_filter)
        data = self.renditions.get(key)
        if data is not None:
            return data
        with self._rendition_lock:
            data = self.renditions.get(key)
            if data is None:
                data = photo_image.downscale(self.data, size, quality=quality, background=background,
                                             downscale_filter=downscale_filter)
                self.renditions[key] = data
        return data


@dataclass
class PhotoSlot:
    """Where one principal's photo lives, with a count of the uploads it received."""

    photo: Optional[StoredPhoto] = None
    uploads: int = 0

    def facts(self):
        if self.photo is None:
            return None
        return {
            "sha256": photo_image.sha256_hex(self.photo.data),
            "width": self.photo.width,
            "height": self.photo.height,
            "content_type": self.photo.content_type,
            "etag": self.photo.etag,
            "size": len(self.photo.data),
            "uploads": self.uploads,
        }


@dataclass
class Certificate:
    sha1: bytes
    sha256: bytes
    public_key: object
    pem_path: str = ""
    pfx_path: str = ""
    pfx_password: str = ""


@dataclass
class App:
    client_id: str
    display_name: str
    secrets: List[str] = field(default_factory=list)
    certificates: List[Certificate] = field(default_factory=list)
    federated_credentials: List[dict] = field(default_factory=list)
    roles: List[str] = field(default_factory=list)
    delegated_scopes: List[str] = field(default_factory=list)


@dataclass
class ManagedIdentity:
    client_id: str
    system: bool
    roles: List[str] = field(default_factory=list)
    object_id: str = ""


@dataclass
class Contact:
    id: str
    folder_id: Optional[str]
    slot: PhotoSlot = field(default_factory=PhotoSlot)


# The properties of microsoft.graph.user on any version (beta has every v1.0 property and more), from Microsoft's published
# metadata (graph_metadata.py): what a seed may give a user. A $select is checked against its version's list
# (graph_metadata.selected_properties): a beta-only property is refused on v1.0.
USER_PROPERTIES = PROPERTIES["beta"]["user"]
# Collections (of strings or of complex values): an empty list when the user has none, never null.
USER_COLLECTION_PROPERTIES = COLLECTIONS["user"]
# "Returned by default" in that table (and in "List users" and "Get user": "a subset of the more commonly used
# properties"), in the order of their example responses; every other property only on $select.
DEFAULT_USER_PROPERTIES = ("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
                           "preferredLanguage", "surname", "userPrincipalName", "id")


@dataclass
class User:
    id: str
    user_principal_name: str
    display_name: str
    mailbox: bool = True
    password: Optional[str] = None
    slot: PhotoSlot = field(default_factory=PhotoSlot)
    roles: List[str] = field(default_factory=list)  # directory roles (template ids or names), e.g. People Administrator
    contacts: Dict[str, Contact] = field(default_factory=dict)
    contact_folders: Dict[str, Dict[str, Contact]] = field(default_factory=dict)
    # Directory properties beyond the ones above (mail, employeeId, accountEnabled, ...), by their Graph names
    # (USER_PROPERTIES): only those the user holds; any other reads as null, or [] for a collection.
    properties: Dict[str, object] = field(default_factory=dict)

    def record(self) -> dict:
        """Every property the user holds, by its Graph name."""
        record = {"id": self.id, "userPrincipalName": self.user_principal_name, "displayName": self.display_name}
        record.update(self.properties)
        return record

    def entity(self, select=None) -> dict:
        """The user as Graph returns it: the properties select names (USER_PROPERTIES names), or with None the default ones."""
        record = self.record()
        return {name: record.get(name, [] if name in USER_COLLECTION_PROPERTIES else None)
                for name in (DEFAULT_USER_PROPERTIES if select is None else select)}


@dataclass
class Group:
    id: str
    display_name: str
    team: bool = False
    slot: PhotoSlot = field(default_factory=PhotoSlot)
    # Direct members: object ids of users and of (nested) groups.
    members: List[str] = field(default_factory=list)


@dataclass
class Tenant:
    id: str
    domain: str
    apps: Dict[str, App] = field(default_factory=dict)
    managed_identities: List[ManagedIdentity] = field(default_factory=list)
    users: Dict[str, User] = field(default_factory=dict)
    groups: Dict[str, Group] = field(default_factory=dict)
    photo_update_settings: PhotoUpdateSettings = field(default_factory=PhotoUpdateSettings)

    def find_user(self, ref: str) -> Optional[User]:
        # An index by lower-case id and UPN, rebuilt when users are added: large seeds have 10,000 users.
        index = self.__dict__.get("_user_index")
        if index is None or self.__dict__.get("_user_index_size") != len(self.users):
            index = {}
            for user in self.users.values():
                index[user.id.lower()] = user
                index[user.user_principal_name.lower()] = user
            self.__dict__["_user_index"], self.__dict__["_user_index_size"] = index, len(self.users)
        return index.get(ref.lower())

    def find_group(self, ref: str) -> Optional[Group]:
        return next((g for g in self.groups.values() if g.id.lower() == ref.lower()), None)


class Directory:
    """All tenants, with one lock that guards every change to a photo."""

    def __init__(self, tenants: List[Tenant]):
        self.tenants = tenants
        self.lock = threading.RLock()

    def find_tenant(self, ref: str) -> Optional[Tenant]:
        ref = (ref or "").lower()
        for tenant in self.tenants:
            if ref in (tenant.id.lower(), tenant.domain.lower()):
                return tenant
        return None

    def find_managed_identity(self, client_id: Optional[str] = None, object_id: Optional[str] = None):
        for tenant in self.tenants:
            for identity in tenant.managed_identities:
                if client_id is None and object_id is None and identity.system:
                    return tenant, identity
                if client_id and identity.client_id.lower() == client_id.lower():
                    return tenant, identity
                if object_id and identity.object_id.lower() == object_id.lower():
                    return tenant, identity
        return None, None

    def resolve_slot(self, path: str) -> Optional[PhotoSlot]:
        """Find a photo slot from an admin path such as ``users/alice@contoso.com/contacts/c1``."""
        parts = [p for p in path.strip("/").split("/") if p]
        for tenant in self.tenants:
            slot = _resolve_in_tenant(tenant, parts)
            if slot is not None:
                return slot
        return None

    def snapshot(self):
        users, groups, upn_index = {}, {}, {}
        with self.lock:
            for tenant in self.tenants:
                for user in tenant.users.values():
                    upn_index[user.user_principal_name.lower()] = user.id
                    users[user.id] = {
                        "tenant_id": tenant.id,
                        "userPrincipalName": user.user_principal_name,
                        "displayName": user.display_name,
                        "mailbox": user.mailbox,
                        "photo": user.slot.facts(),
                        "uploads": user.slot.uploads,
                        "contacts": {cid: {"photo": c.slot.facts(), "uploads": c.slot.uploads} for cid, c in user.contacts.items()},
                        "contactFolders": {
                            fid: {"contacts": {cid: {"photo": c.slot.facts(), "uploads": c.slot.uploads} for cid, c in folder.items()}}
                            for fid, folder in user.contact_folders.items()
                        },
                    }
                for group in tenant.groups.values():
                    groups[group.id] = {
                        "tenant_id": tenant.id,
                        "displayName": group.display_name,
                        "team": group.team,
                        "photo": group.slot.facts(),
                        "uploads": group.slot.uploads,
                    }
            people_settings = people_settings_snapshot(self)
        return {"users": users, "groups": groups, "upn_index": upn_index, "people_settings": people_settings}


def _resolve_in_tenant(tenant: Tenant, parts: List[str]) -> Optional[PhotoSlot]:
    if len(parts) < 2:
        return None
    kind = parts[0].lower()
    if kind in ("groups", "teams") and len(parts) == 2:
        group = tenant.find_group(parts[1])
        return group.slot if group else None
    if kind != "users":
        return None
    user = tenant.find_user(parts[1])
    if user is None:
        return None
    rest = [p.lower() for p in parts[2:]]
    if not rest:
        return user.slot
    if len(rest) == 2 and rest[0] == "contacts":
        contact = user.contacts.get(parts[3])
        return contact.slot if contact else None
    if len(rest) == 4 and rest[0] == "contactfolders" and rest[2] == "contacts":
        contact = user.contact_folders.get(parts[3], {}).get(parts[5])
        return contact.slot if contact else None
    return None
