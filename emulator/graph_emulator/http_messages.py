"""Requests and responses as the emulator's routes see them, and the error envelopes of Graph and Entra."""

import datetime
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, Optional


@dataclass
class ApiRequest:
    method: str
    path: str  # percent-decoded, without the query string
    query: Dict[str, str]
    headers: Dict[str, str]  # lower-case names
    body: bytes
    base_url: str
    batch: bool = False

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def bearer_token(self) -> Optional[str]:
        value = self.header("authorization")
        if value[:7].lower() == "bearer ":
            return value[7:].strip() or None
        return None


@dataclass
class ApiResponse:
    status: int
    body: bytes = b""
    headers: Dict[str, str] = field(default_factory=dict)
    reset: bool = False  # close the connection without answering
    fault: Optional[str] = None  # name of the injected fault, for the request log
    budget: Optional[str] = None  # the budget that refused the request (budgets.py), for the request log

    @classmethod
    def json(cls, status: int, payload, headers: Optional[Dict[str, str]] = None) -> "ApiResponse":
        merged = {"Content-Type": "application/json"}
        merged.update(headers or {})
        return cls(status=status, body=json.dumps(payload).encode("utf-8"), headers=merged)

    def json_body(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None


def utc_now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def graph_error(request: ApiRequest, status: int, code: str, message: str, headers: Optional[Dict[str, str]] = None) -> ApiResponse:
    """Graph's error envelope, with the request ids it always carries."""
    request_id = str(uuid.uuid4())
    client_request_id = request.header("client-request-id") or request_id
    payload = {"error": {"code": code, "message": message,
                         "innerError": {"date": utc_now_iso(), "request-id": request_id, "client-request-id": client_request_id}}}
    merged = {"request-id": request_id, "client-request-id": client_request_id}
    merged.update(headers or {})
    return ApiResponse.json(status, payload, merged)


def entra_error(status: int, error: str, aadsts: int, description: str) -> ApiResponse:
    """An Entra ID token endpoint error, e.g. AADSTS7000215 for a wrong client secret."""
    trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    text = "AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s" % (
        aadsts, description, trace_id, correlation_id, time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()))
    payload = {"error": error, "error_description": text, "error_codes": [aadsts],
               "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
               "trace_id": trace_id, "correlation_id": correlation_id}
    return ApiResponse.json(status, payload)
