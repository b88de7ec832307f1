"""The table of issued access tokens. Tokens are opaque random strings; only this table gives them meaning."""

import secrets
import threading
import time
from dataclasses import dataclass
from typing import FrozenSet, Optional

GRAPH_RESOURCES = (
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
    "00000003-0000-0000-c000-000000000000",
)
TOKEN_LIFETIME = 3599


@dataclass
class IssuedToken:
    value: str
    tenant_id: str
    kind: str  # "app" or "delegated"
    client_id: Optional[str]
    user_id: Optional[str]
    roles: FrozenSet[str]
    scopes: FrozenSet[str]
    audience: str
    expires_at: float
    identity: str  # who is calling, for throttling and the log: "app:<client id>", "user:<id>", "mi:<client id>"

    @property
    def permissions(self) -> FrozenSet[str]:
        return self.roles if self.kind == "app" else self.scopes

    def expired(self) -> bool:
        return time.time() >= self.expires_at

    def for_graph(self) -> bool:
        return self.audience.rstrip("/").lower() in GRAPH_RESOURCES


class TokenTable:
    def __init__(self):
        self._lock = threading.Lock()
        self._live = {}
        self._ever_issued = []

    def issue(self, *, tenant_id, kind, client_id, user_id=None, roles=(), scopes=(), audience, identity,
              lifetime=TOKEN_LIFETIME) -> IssuedToken:
        token = IssuedToken(value=secrets.token_urlsafe(48), tenant_id=tenant_id, kind=kind, client_id=client_id, user_id=user_id,
                            roles=frozenset(roles), scopes=frozenset(scopes), audience=audience.rstrip("/"),
                            expires_at=time.time() + lifetime, identity=identity)
        with self._lock:
            self._live[token.value] = token
            self._ever_issued.append(token.value)
        return token

    def lookup(self, value: str) -> Optional[IssuedToken]:
        with self._lock:
            return self._live.get(value)

    def expire_all(self):
        with self._lock:
            for token in self._live.values():
                token.expires_at = 0

    def revoke_all(self):
        with self._lock:
            self._live.clear()

    def ever_issued(self):
        with self._lock:
            return list(self._ever_issued)
