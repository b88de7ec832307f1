"""The Emulator: one object that owns the state and hands each request to the admin, identity or Graph side."""

import ipaddress
import os

from . import photo_image
from .admin import AdminApi
from .budgets import BudgetBook
from .faults import FaultInjector
from .graph_api import GraphApi
from .http_messages import ApiRequest, ApiResponse, graph_error
from .identity import APP_SERVICE_PATH, IdentityService
from .request_log import RequestLog
from .runtime_config import RuntimeConfig
from .seed import SeedLoader
from .throttle import ConcurrencyLimiter
from .tokens import TokenTable


class Emulator:
    def __init__(self, *, seed_path: str, state_dir: str, config=None, fault_rates=None, latency_ms: int = 0):
        self.state_dir = state_dir
        self.seed = SeedLoader(seed_path, state_dir)
        self.identity_header = self.seed.identity_header
        # The baseline a reset goes back to: defaults, then the seed's behaviour, then the command line.
        self.config = RuntimeConfig(**dict(self.seed.behaviour, **(config or {})))
        self.faults = FaultInjector(rates=fault_rates, latency_ms=latency_ms)
        self.limiter = ConcurrencyLimiter()
        self.budgets = BudgetBook(self.config)
        self.tokens = TokenTable()
        self.request_log = RequestLog(os.path.join(state_dir, "requests.jsonl"))
        self.directory = self._load_directory()
        self.identity = IdentityService(self)
        self.graph = GraphApi(self)
        self.admin = AdminApi(self)
        self.info = {}

    def _load_directory(self):
        return self.seed.load(photo_image.Rewrite.from_config(self.config))

    def reset(self):
        """Back to the seed: config overrides, faults, the log and all tokens go."""
        self.config.reset()
        self.faults.clear()
        self.budgets.clear()
        self.request_log.clear()
        self.tokens.revoke_all()
        self.graph.batch.reseed()
        directory = self._load_directory()
        with self.directory.lock:
            self.directory = directory

    def handle(self, request: ApiRequest, *, client_host: str) -> ApiResponse:
        if self.admin.handles(request.path):
            if not ipaddress.ip_address(client_host.split("%")[0]).is_loopback:
                return ApiResponse.json(403, {"error": "the admin API answers loopback clients only"})
            return self.admin.handle(request)
        if self.identity.handles(request.path):
            return self.identity.handle(request)
        if self.graph.handles(request.path):
            return self.graph.handle_http(request)
        segment = request.path.strip("/").split("/")[0]
        return graph_error(request, 400, "BadRequest", "Invalid version: %s" % segment)

    def describe(self, *, url: str, ca_path: str, pid: int):
        """The facts written to emulator.json: where it listens and the demo credentials."""
        tenant = self.directory.tenants[0]
        apps = list(tenant.apps.values())
        main_app = next((a for a in apps if a.secrets), apps[0] if apps else None)
        info = {
            "url": url,
            "ca_path": ca_path,
            "pid": pid,
            "state_dir": self.state_dir,
            "tenant_id": tenant.id,
            "tenant_domain": tenant.domain,
            "client_id": main_app.client_id if main_app else None,
            "client_secret": main_app.secrets[0] if main_app and main_app.secrets else None,
            "identity_endpoint": url + APP_SERVICE_PATH,
            "identity_header": self.identity_header,
            "apps": {
                app.display_name: {
                    "client_id": app.client_id,
                    "secrets": list(app.secrets),
                    "roles": list(app.roles),
                    "certificates": [{"pem_path": c.pem_path, "pfx_path": c.pfx_path, "pfx_password": c.pfx_password,
                                      "sha1_thumbprint": c.sha1.hex().upper(), "sha256_thumbprint": c.sha256.hex().upper()}
                                     for c in app.certificates],
                    "federated_credentials": list(app.federated_credentials),
                } for app in apps
            },
            "managed_identities": [{"client_id": m.client_id, "system": m.system, "roles": list(m.roles)} for m in tenant.managed_identities],
            "users": {u.user_principal_name: {"id": u.id, "mailbox": u.mailbox, "password": u.password} for u in tenant.users.values()},
            "groups": {g.display_name: {"id": g.id, "team": g.team} for g in tenant.groups.values()},
            # Every tenant of the seed, the demo tenant (above) first: a migration names the others by id or domain.
            "tenants": [{"id": t.id, "domain": t.domain} for t in self.directory.tenants],
        }
        self.info = info
        return info
