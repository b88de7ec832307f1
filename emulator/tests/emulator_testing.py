"""For the emulator's own tests: the demo tenant's ids and credentials, a small Graph client, test images."""

import io

import requests
from PIL import Image

TENANT = "8f2c1e4a-3b6d-4c9e-a1f0-5d7e2b9c4a10"
DEMO_APP = ("0d5f7a3c-9e21-4b8a-b6c4-2f1e8d9a7b35", "demo-only-secret-not-for-production")
READONLY_APP = ("3a9e6b1d-7c42-4f85-9d0e-6b2a4c8f1e57", "demo-readonly-secret")
NOROLES_APP = ("5c1b8e2f-4d73-4a96-8e1b-9f3c7a2d6b48", "demo-noroles-secret")
CERT_APP = "7e4d2a9b-1f63-4c58-a7b2-3d9e5f1c8a26"
FEDERATED_APP = "9b6f3c1e-2a84-4d97-b5c3-1e7a9d4f2c63"
ALICE, ALICE_ID = "alice@contoso.com", "1c7e3a9f-4b2d-4e86-9a15-3f8c2d7b6e01"
BOB, BOB_ID = "bob@contoso.com", "2d8f4b1a-5c3e-4f97-8b26-4a9d3e8c7f12"
CAROL, CAROL_ID = "carol@contoso.com", "3e9a5c2b-6d4f-4a08-9c37-5b1e4f9d8a23"
MARKETING = "4fa06d3c-7e5a-4b19-8d48-6c2f5a1e9b34"
ENGINEERING = "5ab17e4d-8f6b-4c2a-9e59-7d3a6b2f1c45"
CONTACT = "AAMkAGVmMDEzMTM4LWNvbnRhY3QtMQ"
FOLDER = "AAMkAGVmMDEzMTM4LWZvbGRlci0x"
FOLDER_CONTACT = "AAMkAGVmMDEzMTM4LWNvbnRhY3QtMg"


def make_image(fmt="JPEG", size=(300, 300), color=(200, 30, 30), mode="RGB", exif=None):
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def trusting_session(ca_path):
    """A session that trusts the emulator's CA (trust_env off: REQUESTS_CA_BUNDLE would win over verify)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_path
    return session


class GraphClient:
    """requests against the emulator's Graph routes with one bearer token."""

    def __init__(self, url, ca_path, token=None, version="v1.0"):
        self.base = "%s/%s" % (url, version)
        self.session = trusting_session(ca_path)
        if token:
            self.session.headers["Authorization"] = "Bearer " + token

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 15)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def put_photo(self, path, data, content_type="image/jpeg", method="PUT"):
        return self.request(method, path, data=data, headers={"Content-Type": content_type})


def secret_token(emu, app=DEMO_APP, scope="https://graph.microsoft.com/.default"):
    response = requests.post("%s/%s/oauth2/v2.0/token" % (emu.url, TENANT), verify=emu.ca_path, timeout=10,
                             data={"grant_type": "client_credentials", "client_id": app[0], "client_secret": app[1], "scope": scope})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
