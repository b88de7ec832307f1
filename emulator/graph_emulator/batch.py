"""JSON batching (POST /{version}/$batch): at most 20 requests, unique ids, dependsOn, base64 binary bodies.

The token is checked where ``batch_token_check`` says: on the envelope (401 for the whole batch), on each inner
request (401 inside a 200), or both (the default).

Requests without dependsOn are launched together, as Graph does: each takes a throttling slot before
any of them runs, so more than four to one mailbox get an inner 429 with Retry-After; then they run at the same time
(each in a worker thread, with its own latency), so that a batch takes about as long as its slowest request, not the
sum of them. Requests with dependsOn run one after the other once what they depend on has answered.

Graph promises no order of the answers ("may come in any order: match them by id"), so by default they come back
shuffled (never in request order when there are two or more); ``batch_order: request`` keeps the request order.
"""

import base64
import binascii
import json
import random
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from .http_messages import ApiRequest, ApiResponse, graph_error

MAX_REQUESTS = 20
# Workers shared by all batches: enough for a dozen batches of 20 at once; more wait for a free worker (holding the
# throttling slots they took, as requests queued at the service would).
WORKERS = 240


class BatchRejected(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class BatchProcessor:
    def __init__(self, graph):
        self.graph = graph
        self._lock = threading.Lock()
        self._random = random.Random()
        self._workers = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="batch")
        self.reseed()

    def reseed(self):
        """Start the shuffle sequence again from batch_shuffle_seed (at start, on reset, when the admin API sets it)."""
        with self._lock:
            self._random = random.Random(self.graph.emulator.config["batch_shuffle_seed"])

    def _ordered(self, items):
        """The items in the order their answers go out."""
        config = self.graph.emulator.config
        if config["batch_order"] == "request" or len(items) < 2:
            return list(items)
        with self._lock:
            order = list(items)
            self._random.shuffle(order)
        if order == list(items):  # a shuffle may leave the order as it was: a client must not get away with that
            order = order[1:] + order[:1]
        return order

    def handle(self, request: ApiRequest, version: str) -> ApiResponse:
        if request.method != "POST":
            return graph_error(request, 405, "MethodNotAllowed", "Batch requests must use POST.")
        check = self.graph.emulator.config["batch_token_check"]
        token = None
        if check in ("envelope", "both"):
            refused, token = self.graph.authenticate_batch(request, version)
            if refused is not None:
                return refused
        # "envelope": the inner requests go with the token the envelope was let in with, checked no more.
        inner_token = token if check == "envelope" else None
        try:
            items = self._validate(request)
        except BatchRejected as exc:
            return graph_error(request, 400, "BadRequest", exc.message)
        results = {}
        independent = [item for item in items if not item.get("dependsOn")]
        calls = {}
        for item in independent:
            calls[item["id"]] = self._prepare(request, version, item, inner_token)
        for item in independent:  # launch together: take the slots first, in order
            call = calls[item["id"]]
            if call.response is None and not self.graph.acquire(call):
                call.response = self.graph.throttled(call.request)
        results.update(self._run_together(calls))
        pending = [item for item in items if item.get("dependsOn")]
        while pending:
            ready = [item for item in pending if all(d in results for d in item["dependsOn"])]
            if not ready:  # a cycle: answer the rest as failed dependencies
                ready = pending
            for item in ready:
                pending.remove(item)
                if any(d not in results or results[d][1].status >= 400 for d in item["dependsOn"]):
                    inner = self._inner_request(request, version, item)[0]
                    response = graph_error(inner, 424, "FailedDependency", "A request this request depends on failed.")
                    self.graph.log(inner, response, None, None)
                    results[item["id"]] = (inner, response)
                else:
                    results[item["id"]] = self._run(self._prepare(request, version, item, inner_token))
        return ApiResponse.json(200, {"responses": [self._encode(item["id"], results[item["id"]][1]) for item in self._ordered(items)]})

    @staticmethod
    def _validate(request):
        try:
            payload = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BatchRejected("Unable to deserialize content: the batch body is not JSON.") from exc
        items = payload.get("requests") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not items:
            raise BatchRejected("Unable to deserialize content: 'requests' must be a non-empty list.")
        if len(items) > MAX_REQUESTS:
            raise BatchRejected("The batch has %d requests; the limit is %d." % (len(items), MAX_REQUESTS))
        seen = set()
        for item in items:
            if not isinstance(item, dict) or not all(item.get(k) for k in ("id", "method", "url")):
                raise BatchRejected("Every batch request needs 'id', 'method' and 'url'.")
            item["id"] = str(item["id"])
            if item["id"] in seen:
                raise BatchRejected("Batch request contains a duplicate id '%s'." % item["id"])
            seen.add(item["id"])
        for item in items:
            depends = item.get("dependsOn") or []
            item["dependsOn"] = [str(d) for d in depends]
            missing = [d for d in item["dependsOn"] if d not in seen]
            if missing:
                raise BatchRejected("Request '%s' depends on unknown id '%s'." % (item["id"], missing[0]))
        return items

    def _inner_request(self, outer, version, item):
        """Build the inner ApiRequest; returns (request, error message or None)."""
        url = str(item["url"])
        parsed = urllib.parse.urlsplit(url)
        path = urllib.parse.unquote(parsed.path).lstrip("/")
        for known in ("v1.0/", "beta/"):
            if path.startswith(known):
                path = path[len(known):]
        headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        for name in ("authorization", "client-request-id"):
            if name in outer.headers and name not in headers:
                headers[name] = outer.headers[name]
        body, error = b"", None
        if "body" in item and item["body"] is not None:
            raw = item["body"]
            content_type = headers.get("content-type", "")
            if not content_type:
                error = "A Content-Type header is required for a request with a body."
            elif isinstance(raw, (dict, list)) or "json" in content_type:
                body = (json.dumps(raw) if not isinstance(raw, str) else raw).encode("utf-8")
            else:
                try:
                    body = base64.b64decode(str(raw), validate=True)
                except (binascii.Error, ValueError):
                    error = "The body of a binary request must be base64-encoded."
        request = ApiRequest(method=str(item["method"]).upper(), path="/%s/%s" % (version, path),
                             query=dict(urllib.parse.parse_qsl(parsed.query)), headers=headers, body=body,
                             base_url=outer.base_url, batch=True)
        return request, error

    def _prepare(self, outer, version, item, token=None):
        request, error = self._inner_request(outer, version, item)
        segments = [s for s in request.path.split("/") if s][1:]
        call = self.graph.prepare(request, version, segments, token)
        if error and call.response is None:
            call.response = graph_error(request, 400, "BadRequest", error)
        if call.response is None:
            fault = self.graph.emulator.faults.next_fault(scripted=False, allow_reset=False)
            if fault:
                call.response = self.graph.fault_response(request, fault)
        return call

    def _run_together(self, calls):
        """{id: (request, response)} of the calls {id: call} run at the same time: all but one in workers, one here."""
        ids = list(calls)
        futures = [self._workers.submit(self._run, calls[item_id]) for item_id in ids[1:]]
        answers = [self._run(calls[ids[0]])] if ids else []
        answers.extend(future.result() for future in futures)
        return dict(zip(ids, answers))

    def _run(self, call):
        response = self.graph.run(call)
        self.graph.log(call.request, response, call.target.log_principal if call.target else None,
                       call.token.identity if call.token else None)
        return call.request, response

    @staticmethod
    def _encode(item_id, response: ApiResponse):
        encoded = {"id": item_id, "status": response.status, "headers": dict(response.headers)}
        if response.body:
            content_type = response.headers.get("Content-Type", "")
            if "json" in content_type:
                encoded["body"] = response.json_body()
            else:
                encoded["body"] = base64.b64encode(response.body).decode("ascii")
        return encoded
