"""Run the emulator as a subprocess (for tests and `make demo`) and talk to its admin API."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests

from .client_environment import client_environment


class EmulatorStartError(RuntimeError):
    """The emulator exited or did not write emulator.json in time."""


class AdminClient:
    """The admin API (/_emulator/...), over TLS with the emulator's CA."""

    def __init__(self, url: str, ca_path: str, timeout: float = 10):
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        # Not trust_env: REQUESTS_CA_BUNDLE in the environment would override the CA, and proxies must not see loopback calls.
        self.session.trust_env = False
        self.session.verify = ca_path

    def _call(self, method, path, **kwargs):
        response = self.session.request(method, self.url + "/_emulator/" + path, timeout=self.timeout, **kwargs)
        response.raise_for_status()
        return response

    # request log
    def log(self, since: int = 0):
        return self._call("GET", "log", params={"since": since} if since else None).json()["entries"]

    def writes(self, since: int = 0):
        return [entry for entry in self.log(since) if entry["write"]]

    def clear_log(self):
        self._call("DELETE", "log")

    # state and photos
    def state(self):
        return self._call("GET", "state").json()

    def photo_facts(self, principal: str):
        """Facts of the stored photo ({sha256, width, height, content_type, etag, size, uploads}) or None."""
        state = self.state()
        parts = principal.strip("/").split("/")
        kind, ref = parts[0], parts[1]
        if kind in ("groups", "teams"):
            return state["groups"][ref]["photo"]
        user = state["users"].get(ref) or state["users"][state["upn_index"][ref.lower()]]
        if len(parts) == 2:
            return user["photo"]
        if parts[2] == "contacts":
            return user["contacts"][parts[3]]["photo"]
        return user["contactFolders"][parts[3]]["contacts"][parts[5]]["photo"]

    def photo_bytes(self, principal: str):
        response = self.session.get(self.url + "/_emulator/photo/" + principal, timeout=self.timeout)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.content

    def put_photo(self, principal: str, data: bytes, *, rewrite: bool = True):
        return self._call("PUT", "photo/" + principal, data=data, params=None if rewrite else {"rewrite": "0"}).json()

    def delete_photo(self, principal: str):
        self._call("DELETE", "photo/" + principal)

    # tenant settings
    def photo_update_settings(self, tenant_id=None):
        """The tenant's photo update settings as Graph returns them: {id, source, allowedRoles}."""
        return self._call("GET", "people/photoUpdateSettings", params={"tenant_id": tenant_id} if tenant_id else None).json()

    def set_photo_update_settings(self, tenant_id=None, **properties):
        """Replace them (source, allowedRoles; what is not given goes back to empty); returns the new settings."""
        payload = dict(properties, **({"tenant_id": tenant_id} if tenant_id else {}))
        return self._call("PUT", "people/photoUpdateSettings", json=payload).json()

    # behaviour
    def config(self, **changes):
        if changes:
            return self._call("POST", "config", json=changes).json()
        return self._call("GET", "config").json()

    def faults(self, **settings):
        if settings:
            return self._call("POST", "faults", json=settings).json()
        return self._call("GET", "faults").json()

    def script_faults(self, script):
        return self.faults(script=list(script))

    def clear_faults(self):
        self._call("DELETE", "faults")

    def reset(self):
        self._call("POST", "reset")

    def info(self):
        return self._call("GET", "info").json()

    # tokens
    def delegated_token(self, user: str, scopes, *, tenant_id=None, expires_in=3600):
        """expires_in None: the token_lifetime switch decides."""
        payload = {"user": user, "scopes": list(scopes), "expires_in": expires_in}
        if tenant_id:
            payload["tenant_id"] = tenant_id
        return self._call("POST", "tokens/delegated", json=payload).json()["access_token"]

    def federated_token(self, issuer: str, subject: str, audience: str = "api://AzureADTokenExchange"):
        return self._call("POST", "tokens/federated", json={"issuer": issuer, "subject": subject, "audience": audience}).json()["token"]

    def expire_tokens(self):
        self._call("POST", "tokens/expire")

    def revoke_tokens(self):
        """Every token issued so far stops working (401 InvalidAuthenticationToken); returns how many revocations so far."""
        return self._call("POST", "tokens/revoke").json()["revocations"]

    def issued_tokens(self):
        return self._call("GET", "tokens").json()["tokens"]

    def issued_token_facts(self):
        """The tokens issued since the last reset, without their values: [{kind, identity, audience, lifetime, issued_at, revoked}]."""
        return self._call("GET", "tokens/issued").json()["tokens"]

    def revocations(self):
        return self._call("GET", "tokens/issued").json()["revocations"]


class EmulatorProcess:
    """``with EmulatorProcess() as emulator:`` starts ``python -m graph_emulator --port 0`` and stops it on exit."""

    def __init__(self, seed=None, state_dir=None, args=(), *, start_timeout: float = 30):
        self.seed = seed
        self.args = list(args)
        self.start_timeout = start_timeout
        self._own_state_dir = state_dir is None
        self.state_dir = os.path.abspath(state_dir or tempfile.mkdtemp(prefix="graph-emulator-"))
        self.process = None
        self.info = {}
        self.admin = None
        self._output = None

    def __getattr__(self, name):
        # url, ca_path, tenant_id, client_id, client_secret, identity_endpoint, identity_header, apps, users, ...
        info = self.__dict__.get("info") or {}
        if name in info:
            return info[name]
        raise AttributeError(name)

    def client_environment(self) -> dict:
        """See client_environment(): the variables that point a playbook at this emulator."""
        return client_environment(self.info)

    def start(self):
        os.makedirs(self.state_dir, exist_ok=True)
        info_path = os.path.join(self.state_dir, "emulator.json")
        if os.path.exists(info_path):
            os.remove(info_path)
        command = [sys.executable, "-m", "graph_emulator", "--port", "0", "--state-dir", self.state_dir, "--quiet"]
        if self.seed:
            command += ["--seed", str(self.seed)]
        command += self.args
        # sys.executable has the graph_emulator package installed (emulator/pyproject.toml): no PYTHONPATH needed.
        self._output = open(os.path.join(self.state_dir, "emulator.out"), "wb")  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(command, stdout=self._output, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorStartError("the emulator exited with %s:\n%s" % (self.process.returncode, self.output()))
            if os.path.exists(info_path):
                with open(info_path, encoding="utf-8") as handle:
                    self.info = json.load(handle)
                self.admin = AdminClient(self.info["url"], self.info["ca_path"])
                return self
            time.sleep(0.05)
        self.stop()
        raise EmulatorStartError("the emulator did not start within %ss:\n%s" % (self.start_timeout, self.output()))

    def output(self) -> str:
        path = os.path.join(self.state_dir, "emulator.out")
        if not os.path.exists(path):
            return ""
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self._output is not None:
            self._output.close()
            self._output = None
        if self.admin is not None:
            self.admin.session.close()
        return self.process.returncode if self.process is not None else None

    def cleanup(self):
        """Remove the state directory when this object created it."""
        if self._own_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
        self.cleanup()
