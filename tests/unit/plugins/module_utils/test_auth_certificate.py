# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every way a certificate file can be wrong gives one sentence with the fix, and never the password or the key."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.certificate import load_client_certificate
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError

PASSWORD = 'correct horse battery staple'
PASSWORD_HINT = 'client_certificate_password (or AZURE_CLIENT_CERTIFICATE_PASSWORD)'


def make_certificate(key, name='graphops-test', days=365, issuer_key=None, issuer_name=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name or name)])
    start, end = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=days)) if days > 0 else \
        (now - datetime.timedelta(days=30), now - datetime.timedelta(days=1))
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .sign(issuer_key or key, hashes.SHA256()))


def key_pem(key, password=None):
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope='module')
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope='module')
def certificate(rsa_key):
    return make_certificate(rsa_key)


@pytest.fixture
def write(tmp_path):
    def _write(name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return _write


def test_pem_with_key_and_certificate(write, rsa_key, certificate):
    path = write('app.pem', key_pem(rsa_key) + cert_pem(certificate))
    loaded = load_client_certificate(path, None)
    assert loaded.sha256_thumbprint == certificate.fingerprint(hashes.SHA256()).hex().upper()
    assert loaded.sha1_thumbprint == certificate.fingerprint(hashes.SHA1()).hex().upper()
    credential = loaded.msal_credential()
    # The public_certificate form: MSAL sends x5t#S256 and signs with PS256.
    assert set(credential) == {'private_key', 'public_certificate'}
    assert credential['public_certificate'] == cert_pem(certificate).decode()
    assert 'PRIVATE KEY' not in repr(loaded)


def test_pem_certificate_first_then_key(write, rsa_key, certificate):
    path = write('app.pem', cert_pem(certificate) + key_pem(rsa_key))
    assert load_client_certificate(path, None).sha1_thumbprint == certificate.fingerprint(hashes.SHA1()).hex().upper()


def test_pem_with_chain_picks_the_certificate_of_the_key(write, rsa_key):
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = make_certificate(ca_key, name='issuing-ca')
    leaf = make_certificate(rsa_key, name='leaf', issuer_key=ca_key, issuer_name='issuing-ca')
    path = write('chain.pem', key_pem(rsa_key) + cert_pem(ca) + cert_pem(leaf))
    assert load_client_certificate(path, None).sha1_thumbprint == leaf.fingerprint(hashes.SHA1()).hex().upper()


def test_encrypted_pem_key_with_its_password(write, rsa_key, certificate):
    path = write('app.pem', key_pem(rsa_key, PASSWORD) + cert_pem(certificate))
    assert load_client_certificate(path, PASSWORD).sha256_thumbprint


def test_password_for_an_unencrypted_pem_is_ignored(write, rsa_key, certificate):
    path = write('app.pem', key_pem(rsa_key) + cert_pem(certificate))
    assert load_client_certificate(path, 'not needed').sha256_thumbprint


@pytest.mark.parametrize('password', [PASSWORD, None])
def test_pfx(write, rsa_key, certificate, password):
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    path = write('app.pfx', pkcs12.serialize_key_and_certificates(b'app', rsa_key, certificate, None, encryption))
    loaded = load_client_certificate(path, password)
    assert loaded.sha256_thumbprint == certificate.fingerprint(hashes.SHA256()).hex().upper()


def failure(path, password=None) -> str:
    with pytest.raises(GraphAuthError) as caught:
        load_client_certificate(path, password)
    message = str(caught.value)
    if password:
        assert password not in message
    assert 'PRIVATE KEY-----' not in message
    return message


def test_missing_file(tmp_path):
    path = str(tmp_path / 'nope.pem')
    assert failure(path) == ('client_certificate_path %s does not exist: set it (or AZURE_CLIENT_CERTIFICATE_PATH) to the PEM or '
                             'PFX file of the certificate registered with the app.' % path)


def test_unreadable_file(tmp_path):
    # A directory cannot be read as a file, also for root (who can read any mode bits).
    assert failure(str(tmp_path)).startswith('client_certificate_path %s could not be read (' % tmp_path)


@pytest.mark.parametrize('data', [b'hello, this is not a certificate\n', b'\x00\x01\x02\x03' * 20, b''])
def test_neither_pem_nor_pfx(write, data):
    path = write('junk.pem', data)
    assert failure(path) == ('client_certificate_path %s is neither a PEM nor a PFX (PKCS#12) file: give a PEM file holding the '
                             'private key and the certificate, or a PFX file with client_certificate_password.' % path)


def test_der_certificate_is_not_a_pfx(write, certificate):
    path = write('app.cer', certificate.public_bytes(serialization.Encoding.DER))
    assert 'is neither a PEM nor a PFX' in failure(path)


def test_pem_without_key(write, certificate):
    path = write('app.crt', cert_pem(certificate))
    assert failure(path) == ('client_certificate_path %s holds a certificate but no private key: add the private key to the PEM '
                             'file (key and certificate in one file), or use the PFX file.' % path)


def test_pem_without_certificate(write, rsa_key):
    path = write('app.key', key_pem(rsa_key))
    assert failure(path) == ('client_certificate_path %s holds a private key but no certificate: add the certificate '
                             '(-----BEGIN CERTIFICATE-----) to the file, so that its thumbprint can be sent.' % path)


def test_pem_with_other_blocks_only(write):
    path = write('params.pem', b'-----BEGIN DH PARAMETERS-----\nMIIBCAKCAQEA\n-----END DH PARAMETERS-----\n')
    assert 'is a PEM file without a private key or a certificate' in failure(path)


def test_encrypted_pem_without_password(write, rsa_key, certificate):
    path = write('app.pem', key_pem(rsa_key, PASSWORD) + cert_pem(certificate))
    assert failure(path) == 'The private key in %s is encrypted: set %s.' % (path, PASSWORD_HINT)


def test_encrypted_pem_with_wrong_password(write, rsa_key, certificate):
    path = write('app.pem', key_pem(rsa_key, PASSWORD) + cert_pem(certificate))
    assert failure(path, 'wrong-password') == 'The password does not open the private key in %s: check %s.' % (path, PASSWORD_HINT)


def test_pfx_without_password(write, rsa_key, certificate):
    path = write('app.pfx', pkcs12.serialize_key_and_certificates(
        b'app', rsa_key, certificate, None, serialization.BestAvailableEncryption(PASSWORD.encode())))
    assert failure(path) == 'The PFX file %s is password-protected: set %s.' % (path, PASSWORD_HINT)


def test_pfx_with_wrong_password(write, rsa_key, certificate):
    path = write('app.pfx', pkcs12.serialize_key_and_certificates(
        b'app', rsa_key, certificate, None, serialization.BestAvailableEncryption(PASSWORD.encode())))
    assert failure(path, 'wrong-password') == 'The password does not open the PFX file %s: check %s.' % (path, PASSWORD_HINT)


def test_pfx_without_key(write, certificate):
    path = write('app.pfx', pkcs12.serialize_key_and_certificates(b'app', None, certificate, None, serialization.NoEncryption()))
    assert 'holds a certificate but no private key' in failure(path)


def test_key_and_certificate_that_do_not_belong_together(write, rsa_key):
    other = make_certificate(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    path = write('app.pem', key_pem(rsa_key) + cert_pem(other))
    assert failure(path) == ('The certificate in %s does not belong to its private key: put the private key and its own '
                             'certificate in the file.' % path)


def test_ec_key_is_refused(write):
    key = ec.generate_private_key(ec.SECP256R1())
    path = write('app.pem', key_pem(key) + cert_pem(make_certificate(key)))
    assert 'is not an RSA key: Microsoft Entra ID accepts RSA certificates only' in failure(path)


def test_expired_certificate(write, rsa_key):
    expired = make_certificate(rsa_key, days=-1)
    path = write('app.pem', key_pem(rsa_key) + cert_pem(expired))
    message = failure(path)
    assert message.startswith('The certificate in %s (SHA-1 thumbprint %s) expired on ' % (path, expired.fingerprint(hashes.SHA1()).hex().upper()))
    assert message.endswith(': create a new one and register it with the app.')
