# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the app's certificate (PEM with key and certificate, or PFX) and say exactly what is wrong with it.

MSAL would load these files itself, but its errors ("Could not deserialize key data", "Invalid password or
PKCS12 data") do not say which of the many things went wrong. We load the file once, in memory, and hand
MSAL the key and the certificate as PEM text, so it signs with PS256 and sends the SHA-256 thumbprint
(x5t#S256) and the certificate (x5c). Nothing is written to disk.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    HAS_CRYPTOGRAPHY = True
except ImportError:
    x509 = hashes = serialization = pkcs12 = rsa = None
    HAS_CRYPTOGRAPHY = False

PASSWORD_OPTION = 'client_certificate_password (or AZURE_CLIENT_CERTIFICATE_PASSWORD)'

_PEM_BLOCK = re.compile(rb'-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----', re.DOTALL)


@dataclass(frozen=True)
class ClientCertificate:
    """The key and certificate as PEM text for MSAL, and the public facts for messages."""

    path: str
    private_key_pem: str = field(repr=False)
    certificate_pem: str
    sha1_thumbprint: str
    sha256_thumbprint: str
    not_after: datetime.datetime

    def msal_credential(self) -> dict:
        # public_certificate makes MSAL compute the SHA-256 thumbprint and sign with PS256.
        return {'private_key': self.private_key_pem, 'public_certificate': self.certificate_pem}

    def describe(self) -> str:
        return 'the certificate in %s (SHA-1 thumbprint %s, SHA-256 thumbprint %s)' % (
            self.path, self.sha1_thumbprint, self.sha256_thumbprint)


def load_client_certificate(path: str, password: str | None) -> ClientCertificate:
    """Read a PEM (private key + certificate) or PFX file; raise GraphAuthError with the fix."""
    if not HAS_CRYPTOGRAPHY:
        raise GraphAuthError(missing_required_lib('cryptography'))
    data = _read(path)
    if b'-----BEGIN' in data:
        key, certificates = _load_pem(path, data, password)
    elif _looks_like_pkcs12(data):
        key, certificates = _load_pfx(path, data, password)
    else:
        raise GraphAuthError('client_certificate_path %s is neither a PEM nor a PFX (PKCS#12) file: give a PEM file holding the private '
                             'key and the certificate, or a PFX file with client_certificate_password.' % path)
    if key is None:
        raise GraphAuthError('client_certificate_path %s holds a certificate but no private key: add the private key to the PEM file '
                             '(key and certificate in one file), or use the PFX file.' % path)
    if not certificates:
        raise GraphAuthError('client_certificate_path %s holds a private key but no certificate: add the certificate '
                             '(-----BEGIN CERTIFICATE-----) to the file, so that its thumbprint can be sent.' % path)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise GraphAuthError('The private key in %s is not an RSA key: Microsoft Entra ID accepts RSA certificates only, '
                             'create one with an RSA key (2048 bits or more).' % path)
    certificate = _certificate_of_key(path, key, certificates)
    return _client_certificate(path, key, certificate)


def _read(path: str) -> bytes:
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except FileNotFoundError:
        raise GraphAuthError('client_certificate_path %s does not exist: set it (or AZURE_CLIENT_CERTIFICATE_PATH) to the PEM or PFX file '
                             'of the certificate registered with the app.' % path) from None
    except OSError as exc:
        raise GraphAuthError('client_certificate_path %s could not be read (%s): make it a file readable by the user that runs the module.' % (
            path, exc.strerror or type(exc).__name__)) from None


def _looks_like_pkcs12(data: bytes) -> bool:
    """A PFX is DER: SEQUENCE { version INTEGER 3, ... }. Lets us tell "wrong password" from "not a PFX"."""
    if len(data) < 8 or data[0] != 0x30:
        return False
    length_byte = data[1]
    offset = 2 + (length_byte & 0x7F if length_byte & 0x80 else 0)
    return data[offset:offset + 3] == b'\x02\x01\x03'


def _load_pem(path: str, data: bytes, password: str | None):
    key = None
    certificates = []
    for block in _PEM_BLOCK.finditer(data):
        label = block.group(1)
        if label == b'CERTIFICATE':
            try:
                certificates.append(x509.load_pem_x509_certificate(block.group(0)))
            except ValueError:
                raise GraphAuthError('client_certificate_path %s holds a CERTIFICATE block that cannot be read: '
                                     'replace it with the certificate in PEM form.' % path) from None
        elif label.endswith(b'PRIVATE KEY') and key is None:
            key = _load_pem_key(path, block.group(0), password)
    if key is None and not certificates:
        raise GraphAuthError('client_certificate_path %s is a PEM file without a private key or a certificate: give a PEM file holding '
                             'both, or a PFX file.' % path)
    return key, certificates


def _load_pem_key(path: str, block: bytes, password: str | None):
    encrypted = b'ENCRYPTED' in block.split(b'\n', 3)[0] or b'Proc-Type: 4,ENCRYPTED' in block
    if encrypted and not password:
        raise GraphAuthError('The private key in %s is encrypted: set %s.' % (path, PASSWORD_OPTION))
    try:
        # A password given for a key that is not encrypted is not an error worth failing for.
        return serialization.load_pem_private_key(block, password.encode('utf-8') if encrypted else None)
    except ValueError:
        if encrypted:
            raise GraphAuthError('The password does not open the private key in %s: check %s.' % (path, PASSWORD_OPTION)) from None
        raise GraphAuthError('The private key in %s cannot be read: replace it with an RSA private key in PEM form.' % path) from None
    except TypeError:
        raise GraphAuthError('The private key in %s cannot be read: replace it with an RSA private key in PEM form.' % path) from None


def _load_pfx(path: str, data: bytes, password: str | None):
    # Without a password, try "none" and "empty": tools write passwordless PFX files either way.
    attempts = [password.encode('utf-8')] if password else [None, b'']
    for attempt in attempts:
        try:
            key, certificate, extra = pkcs12.load_key_and_certificates(data, attempt)
        except ValueError:
            continue
        return key, [c for c in [certificate] + list(extra or []) if c is not None]
    if password:
        raise GraphAuthError('The password does not open the PFX file %s: check %s.' % (path, PASSWORD_OPTION))
    raise GraphAuthError('The PFX file %s is password-protected: set %s.' % (path, PASSWORD_OPTION))


def _public_numbers(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _certificate_of_key(path: str, key, certificates: list):
    """The certificate of the key (a file may also hold the chain)."""
    key_public = _public_numbers(key.public_key())
    for certificate in certificates:
        if _public_numbers(certificate.public_key()) == key_public:
            return certificate
    raise GraphAuthError('The certificate in %s does not belong to its private key: put the private key and its own certificate '
                         'in the file.' % path)


def _not_after(certificate) -> datetime.datetime:
    value = getattr(certificate, 'not_valid_after_utc', None)
    if value is None:  # cryptography < 42
        value = certificate.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return value


def _client_certificate(path: str, key, certificate) -> ClientCertificate:
    not_after = _not_after(certificate)
    sha1 = certificate.fingerprint(hashes.SHA1()).hex().upper()  # Entra shows this one as "Thumbprint"
    sha256 = certificate.fingerprint(hashes.SHA256()).hex().upper()
    if not_after < datetime.datetime.now(datetime.timezone.utc):
        raise GraphAuthError('The certificate in %s (SHA-1 thumbprint %s) expired on %s: create a new one and register it with the app.' % (
            path, sha1, not_after.strftime('%Y-%m-%d')))
    private_key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode('ascii')
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')
    return ClientCertificate(path=path, private_key_pem=private_key_pem, certificate_pem=certificate_pem,
                             sha1_thumbprint=sha1, sha256_thumbprint=sha256, not_after=not_after)
