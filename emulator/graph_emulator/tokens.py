"""The table of issued access tokens. Tokens are opaque random strings; only this table gives them meaning.

A token stops working when it expires (its lifetime: the ``token_lifetime`` switch, 3599 s by default) or when every
issued token is revoked (admin API ``POST tokens/revoke``, or the fault setting ``revoke_after``), which is what an
expiry looks like to a client; tokens issued after a revocation work.
"""

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
# What Entra's token endpoint answers as expires_in for a default token (GRAPH_PHOTO_API.md, "MSAL for Python").
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
    lifetime: float = TOKEN_LIFETIME
    issued_at: float = 0.0
    revoked: bool = False

    @property
    def permissions(self) -> FrozenSet[str]:
        return self.roles if self.kind == "app" else self.scopes

    def expired(self) -> bool:
        """Expired or revoked: Graph answers both the same way to a client that is not CAE-aware."""
        return self.revoked or time.time() >= self.expires_at

    def facts(self) -> dict:
        """What GET /_emulator/tokens/issued shows of the token: never its value."""
        return {"kind": self.kind, "identity": self.identity, "audience": self.audience, "lifetime": self.lifetime,
                "issued_at": self.issued_at, "revoked": self.revoked}

    def for_graph(self) -> bool:
        return self.audience.rstrip("/").lower() in GRAPH_RESOURCES


class TokenTable:
    def __init__(self):
        self._lock = threading.Lock()
        self._live = {}
        self._ever_issued = []
        self._issued = []  # since the last reset, in order: IssuedToken
        self.revocations = 0

    def issue(self, *, tenant_id, kind, client_id, user_id=None, roles=(), scopes=(), audience, identity,
              lifetime=TOKEN_LIFETIME) -> IssuedToken:
        now = time.time()
        token = IssuedToken(value=secrets.token_urlsafe(48), tenant_id=tenant_id, kind=kind, client_id=client_id, user_id=user_id,
                            roles=frozenset(roles), scopes=frozenset(scopes), audience=audience.rstrip("/"),
                            expires_at=now + lifetime, identity=identity, lifetime=lifetime, issued_at=now)
        with self._lock:
            self._live[token.value] = token
            self._ever_issued.append(token.value)
            self._issued.append(token)
        return token

    def lookup(self, value: str) -> Optional[IssuedToken]:
        with self._lock:
            return self._live.get(value)

    def expire_all(self):
        with self._lock:
            for token in self._live.values():
                token.expires_at = 0

    def revoke_issued(self):
        """Every token issued so far stops working (401 as if expired); tokens issued afterwards work."""
        with self._lock:
            for token in self._live.values():
                token.revoked = True
            self.revocations += 1

    def revoke_all(self):
        """Forget every token (a reset): they are unknown from now on."""
        with self._lock:
            self._live.clear()
            self._issued = []
            self.revocations = 0

    def ever_issued(self):
        with self._lock:
            return list(self._ever_issued)

    def issued_facts(self):
        with self._lock:
            return [token.facts() for token in self._issued]
