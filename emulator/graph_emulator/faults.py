"""Injected faults (429, 503, 504, connection reset) and latency, random or scripted; and token revocations mid-run.

``revoke_after``: a list of counts of Graph requests (each request the emulator authenticates, top-level or inside a
$batch, counted from when the setting was made); when the request of such a count arrives, every token issued so far
is revoked before it is authenticated, so that a long run meets revocations (what an expiry looks like) in flight.
"""

import collections
import email.utils
import random
import threading
import time

FAULT_KINDS = ("429", "503", "504", "reset")


class FaultInjector:
    def __init__(self, *, rates=None, latency_ms=0):
        self._baseline = {"rates": dict(rates or {}), "latency_ms": int(latency_ms)}
        self._lock = threading.Lock()
        self.clear()

    def clear(self):
        """Back to the command-line baseline, with no script."""
        with self._lock:
            self._rates = dict(self._baseline["rates"])
            self._latency_ms = self._baseline["latency_ms"]
            self._retry_after = ["1"]
            self._seed = None
            self._random = random.Random()
            self._script = collections.deque()
            self._revoke_after = []
            self._revoked_at = []
            self._authenticated = 0

    def configure(self, payload: dict):
        rates = payload.get("rates")
        if rates is not None:
            unknown = set(rates) - set(FAULT_KINDS)
            if unknown or not all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in rates.values()):
                raise ValueError("rates: keys among %s, values between 0 and 1" % ", ".join(FAULT_KINDS))
        revoke_after = payload.get("revoke_after")
        if revoke_after is not None and not (isinstance(revoke_after, list) and all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in revoke_after)):
            raise ValueError("revoke_after: a list of request counts (integers from 1)")
        script = payload.get("script")
        if script is not None and not all(isinstance(item, dict) and ("status" in item or item.get("reset") or item.get("pass"))
                                          for item in script):
            raise ValueError("script: a list of {status, retry_after}, {reset: true} or {pass: true}")
        with self._lock:
            if rates is not None:
                self._rates = {str(k): float(v) for k, v in rates.items()}
            if "latency_ms" in payload:
                self._latency_ms = int(payload["latency_ms"])
            if payload.get("retry_after"):
                self._retry_after = [str(v) for v in payload["retry_after"]]
            if "seed" in payload:
                self._seed = payload["seed"]
                self._random = random.Random(self._seed)
            if script is not None:
                self._script = collections.deque(dict(item) for item in script)
            if revoke_after is not None:
                self._revoke_after = sorted(set(revoke_after))
                self._revoked_at = []
                self._authenticated = 0

    def as_dict(self):
        with self._lock:
            return {"rates": dict(self._rates), "latency_ms": self._latency_ms, "retry_after": list(self._retry_after),
                    "seed": self._seed, "script": list(self._script), "revoke_after": list(self._revoke_after),
                    "revoked_at": list(self._revoked_at), "authenticated": self._authenticated}

    def revocation_due(self) -> bool:
        """Count one Graph request about to be authenticated; True when revoke_after says to revoke every token first."""
        with self._lock:
            self._authenticated += 1
            if self._authenticated in self._revoke_after:
                self._revoked_at.append(self._authenticated)
                return True
            return False

    def latency(self):
        with self._lock:
            seconds = self._latency_ms / 1000.0
        if seconds > 0:
            time.sleep(seconds)

    def next_fault(self, *, scripted: bool, allow_reset: bool = True):
        """The fault for the next request, or None: the script first (when scripted), then the random rates.

        Returns a dict {"status": int|None, "reset": bool, "retry_after": str|None}.
        """
        with self._lock:
            if scripted and self._script:
                item = self._script.popleft()
                if item.get("pass"):  # lets this request through: a fault aimed at a later one
                    return None
                if item.get("reset"):
                    return {"status": None, "reset": True, "retry_after": None}
                return {"status": int(item["status"]), "reset": False, "retry_after": self._format(item.get("retry_after"))}
            for kind in FAULT_KINDS:
                rate = self._rates.get(kind, 0.0)
                if rate <= 0 or (kind == "reset" and not allow_reset):
                    continue
                if self._random.random() < rate:
                    if kind == "reset":
                        return {"status": None, "reset": True, "retry_after": None}
                    return {"status": int(kind), "reset": False, "retry_after": self._format(self._random.choice(self._retry_after))}
        return None

    def retry_after(self):
        """A Retry-After value for a throttled (not injected) 429."""
        with self._lock:
            return self._format(self._random.choice(self._retry_after))

    @staticmethod
    def _format(value):
        if value is None:
            return None
        if str(value) == "http-date":
            return email.utils.formatdate(time.time() + 1, usegmt=True)
        return str(value)
