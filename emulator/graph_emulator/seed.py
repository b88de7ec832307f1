"""Load a seed file (YAML) into a Directory; see README.md for the schema."""

import datetime
import os
import uuid

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from . import photo_image
from .directory import USER_PROPERTIES, App, Certificate, Contact, Directory, Group, ManagedIdentity, PhotoSlot, StoredPhoto, Tenant, User
from .runtime_config import validate as validate_setting
from .people_settings import PhotoUpdateSettings

DEFAULT_SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "demo.yml")
DEFAULT_IDENTITY_HEADER = "graph-emulator-identity-header"


class SeedError(ValueError):
    """The seed file is not usable; the message names the entry."""


class SeedLoader:
    def __init__(self, seed_path: str, state_dir: str):
        self.seed_path = os.path.abspath(seed_path)
        self.seed_dir = os.path.dirname(self.seed_path)
        self.state_dir = state_dir
        self._generated = {}  # certificate name -> Certificate, so a reset reuses the same key
        self._rewrite = photo_image.Rewrite()
        with open(self.seed_path, encoding="utf-8") as handle:
            # The C loader when PyYAML has it: seeds for benchmarks hold 10,000 users.
            self.raw = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        if not isinstance(self.raw.get("tenants"), list) or not self.raw["tenants"]:
            raise SeedError("%s: 'tenants' must be a non-empty list" % self.seed_path)
        self.behaviour = self._behaviour(self.raw.get("behaviour"))

    @property
    def identity_header(self) -> str:
        return str(self.raw.get("identity_header") or DEFAULT_IDENTITY_HEADER)

    def _behaviour(self, raw) -> dict:
        """The seed's ``behaviour:`` mapping: the same keys and values as POST /_emulator/config."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise SeedError("%s: 'behaviour' must be a mapping of setting: value" % self.seed_path)
        try:
            return {str(key): validate_setting(str(key), value) for key, value in raw.items()}
        except ValueError as exc:
            raise SeedError("%s: behaviour: %s" % (self.seed_path, exc)) from None

    def load(self, rewrite: photo_image.Rewrite = photo_image.Rewrite()) -> Directory:
        """Build a fresh Directory (called at start and on every admin reset), photos stored per ``rewrite``."""
        self._rewrite = rewrite
        return Directory([self._tenant(raw) for raw in self.raw["tenants"]])

    def _tenant(self, raw: dict) -> Tenant:
        tenant = Tenant(id=str(raw["id"]), domain=str(raw.get("domain", "")))
        try:
            tenant.photo_update_settings = PhotoUpdateSettings.from_seed(raw.get("people_settings"))
        except ValueError as exc:
            raise SeedError("%s: tenant %s: people_settings: %s" % (self.seed_path, tenant.id, exc)) from exc
        for app_raw in raw.get("apps") or []:
            app = self._app(app_raw)
            tenant.apps[app.client_id.lower()] = app
        for mi_raw in raw.get("managed_identities") or []:
            tenant.managed_identities.append(ManagedIdentity(
                client_id=str(mi_raw.get("client_id") or uuid.uuid5(uuid.NAMESPACE_URL, tenant.id + "/system")),
                system=bool(mi_raw.get("system", False)),
                roles=list(mi_raw.get("roles") or []),
                object_id=str(mi_raw.get("object_id") or ""),
            ))
        for user_raw in raw.get("users") or []:
            user = self._user(user_raw)
            tenant.users[user.id] = user
        for group_raw in raw.get("groups") or []:
            group = Group(id=str(group_raw["id"]), display_name=str(group_raw.get("displayName", group_raw["id"])),
                          team=bool(group_raw.get("team", False)), slot=self._slot(group_raw.get("photo")))
            tenant.groups[group.id] = group
        for group_raw in raw.get("groups") or []:
            tenant.groups[str(group_raw["id"])].members = [self._member_id(tenant, ref) for ref in group_raw.get("members") or []]
        return tenant

    def _member_id(self, tenant: Tenant, ref) -> str:
        """A group member named by user id or UPN, or by group id or displayName."""
        user = tenant.find_user(str(ref))
        if user is not None:
            return user.id
        for group in tenant.groups.values():
            if str(ref).lower() in (group.id.lower(), group.display_name.lower()):
                return group.id
        raise SeedError("%s: group member %r is neither a user nor a group of tenant %s" % (self.seed_path, ref, tenant.id))

    def _app(self, raw: dict) -> App:
        return App(
            client_id=str(raw["client_id"]),
            display_name=str(raw.get("display_name", raw["client_id"])),
            secrets=[str(s) for s in raw.get("secrets") or []],
            certificates=[self._certificate(c) for c in raw.get("certificates") or []],
            federated_credentials=[dict(f) for f in raw.get("federated_credentials") or []],
            roles=list(raw.get("roles") or []),
            delegated_scopes=list(raw.get("delegated_scopes") or []),
        )

    def _user(self, raw: dict) -> User:
        user = User(
            id=str(raw["id"]),
            user_principal_name=str(raw["userPrincipalName"]),
            display_name=str(raw.get("displayName") or raw["userPrincipalName"].split("@")[0].title()),
            mailbox=bool(raw.get("mailbox", True)),
            password=raw.get("password"),
            slot=self._slot(raw.get("photo")),
            roles=[str(role) for role in raw.get("roles") or []],
        )
        user.properties = directory_properties(raw, user)
        for contact_raw in raw.get("contacts") or []:
            contact = Contact(id=str(contact_raw["id"]), folder_id=None, slot=self._slot(contact_raw.get("photo")))
            user.contacts[contact.id] = contact
        for folder_raw in raw.get("contact_folders") or []:
            folder_id = str(folder_raw["id"])
            user.contact_folders[folder_id] = {
                str(c["id"]): Contact(id=str(c["id"]), folder_id=folder_id, slot=self._slot(c.get("photo")))
                for c in folder_raw.get("contacts") or []
            }
        return user

    def _slot(self, spec) -> PhotoSlot:
        if not spec:
            return PhotoSlot()
        if isinstance(spec, dict) and "generate" in spec:
            data = photo_image.generate_picture(**(spec["generate"] or {}))
        else:
            path = spec if os.path.isabs(str(spec)) else os.path.join(self.seed_dir, str(spec))
            with open(path, "rb") as handle:
                data = handle.read()
        # Seeded photos are stored the way the service would have stored an upload.
        return PhotoSlot(photo=StoredPhoto.stored(data, self._rewrite))

    def _certificate(self, spec) -> Certificate:
        if isinstance(spec, str):
            spec = {"path": spec}
        if "generate" in spec:
            name = str(spec["generate"])
            if name not in self._generated:
                self._generated[name] = generate_certificate(os.path.join(self.state_dir, "certs"), name, str(spec.get("password", "")))
            return self._generated[name]
        path = spec["path"] if os.path.isabs(spec["path"]) else os.path.join(self.seed_dir, spec["path"])
        with open(path, "rb") as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
        return _certificate_facts(cert, pem_path=path)


def directory_properties(raw: dict, user: User) -> dict:
    """The user's directory properties: the seed's values of any user property (givenName, jobTitle, ...), else what
    Entra ID would hold for such a user."""
    properties = {
        "mail": user.user_principal_name if user.mailbox else None,
        "mailNickname": user.user_principal_name.split("@")[0],
        "accountEnabled": True,
        "userType": "Member",
        "employeeId": None,
        "department": None,
        "onPremisesSamAccountName": None,
    }
    for name in USER_PROPERTIES:
        if name in raw and name not in ("id", "userPrincipalName", "displayName"):
            properties[name] = raw[name]
    return properties


def _certificate_facts(cert, **paths) -> Certificate:
    return Certificate(sha1=cert.fingerprint(hashes.SHA1()), sha256=cert.fingerprint(hashes.SHA256()),
                       public_key=cert.public_key(), **paths)


def generate_certificate(directory: str, name: str, password: str) -> Certificate:
    """Make a key and a self-signed certificate: <name>.pem (key + cert), <name>.crt and <name>.pfx."""
    os.makedirs(directory, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    pem_path = os.path.join(directory, name + ".pem")
    crt_path = os.path.join(directory, name + ".crt")
    pfx_path = os.path.join(directory, name + ".pfx")
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    for path, data in ((pem_path, key_pem + cert_pem), (crt_path, cert_pem),
                       (pfx_path, pkcs12.serialize_key_and_certificates(name.encode(), key, cert, None, encryption))):
        with open(path, "wb") as handle:
            handle.write(data)
        os.chmod(path, 0o600)
    return _certificate_facts(cert, pem_path=pem_path, pfx_path=pfx_path, pfx_password=password)
