"""A throwaway certificate authority (trustme) and the server certificate it signs."""

import os
import ssl

import trustme


def create_server_context(state_dir: str, host: str):
    """Write ca.pem and server.pem into state_dir; return (SSLContext, ca_path)."""
    ca = trustme.CA(organization_name="graph-emulator test CA")
    names = sorted({"127.0.0.1", "localhost", "::1", host})
    server_cert = ca.issue_cert(*names)
    ca_path = os.path.join(state_dir, "ca.pem")
    server_path = os.path.join(state_dir, "server.pem")
    ca.cert_pem.write_to_path(ca_path)
    server_cert.private_key_and_cert_chain_pem.write_to_path(server_path)
    os.chmod(server_path, 0o600)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(server_path)
    return context, ca_path
