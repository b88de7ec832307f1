"""The admin API under /_emulator/: inspect and set state, faults, config and tokens. No auth; loopback only."""

import json
import re

from . import people_settings, photo_image
from .directory import StoredPhoto
from .http_messages import ApiRequest, ApiResponse

PREFIX = "/_emulator/"


def _error(status, message):
    return ApiResponse.json(status, {"error": message})


class AdminApi:
    def __init__(self, emulator):
        self.emulator = emulator
        self._routes = [
            ("GET", r"log", self._get_log),
            ("DELETE", r"log", self._clear_log),
            ("GET", r"state", self._state),
            ("GET", r"info", self._info),
            ("GET", r"photo/(?P<path>.+)", self._get_photo),
            ("PUT", r"photo/(?P<path>.+)", self._put_photo),
            ("DELETE", r"photo/(?P<path>.+)", self._delete_photo),
            ("GET", r"people/photoUpdateSettings", self._get_photo_update_settings),
            ("PUT", r"people/photoUpdateSettings", self._set_photo_update_settings),
            ("GET", r"config", self._get_config),
            ("POST", r"config", self._set_config),
            ("GET", r"faults", self._get_faults),
            ("POST", r"faults", self._set_faults),
            ("DELETE", r"faults", self._clear_faults),
            ("POST", r"reset", self._reset),
            ("GET", r"tokens", self._tokens),
            ("POST", r"tokens/delegated", self._delegated_token),
            ("POST", r"tokens/federated", self._federated_token),
            ("POST", r"tokens/expire", self._expire_tokens),
            ("POST", r"tokens/revoke", self._revoke_tokens),
            ("GET", r"tokens/issued", self._issued_tokens),
        ]

    @staticmethod
    def handles(path: str) -> bool:
        return path.startswith(PREFIX)

    def handle(self, request: ApiRequest) -> ApiResponse:
        rest = request.path[len(PREFIX):].rstrip("/")
        for method, pattern, handler in self._routes:
            match = re.fullmatch(pattern, rest)
            if match and method == request.method:
                try:
                    return handler(request, **match.groupdict())
                except ValueError as exc:
                    return _error(400, str(exc))
        return _error(404, "no admin route %s %s" % (request.method, request.path))

    @staticmethod
    def _json(request):
        if not request.body:
            return {}
        try:
            payload = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError("the body must be a JSON object") from exc
        if not isinstance(payload, dict):
            raise ValueError("the body must be a JSON object")
        return payload

    def _get_log(self, request):
        since = int(request.query.get("since") or 0)
        return ApiResponse.json(200, {"entries": self.emulator.request_log.entries(since)})

    def _clear_log(self, _request):
        self.emulator.request_log.clear()
        return ApiResponse.json(200, {"cleared": True})

    def _state(self, _request):
        return ApiResponse.json(200, self.emulator.directory.snapshot())

    def _info(self, _request):
        return ApiResponse.json(200, self.emulator.info)

    def _get_photo(self, _request, path):
        slot = self.emulator.directory.resolve_slot(path)
        if slot is None:
            return _error(404, "no such principal: %s" % path)
        photo = slot.photo
        if photo is None:
            return _error(404, "%s has no photo" % path)
        return ApiResponse(status=200, body=photo.data, headers={"Content-Type": photo.content_type, "ETag": photo.etag})

    def _put_photo(self, request, path):
        slot = self.emulator.directory.resolve_slot(path)
        if slot is None:
            return _error(404, "no such principal: %s" % path)
        config = self.emulator.config
        try:
            photo = StoredPhoto.stored(request.body, photo_image.Rewrite.from_config(config),
                                       as_is=request.query.get("rewrite", "1") in ("0", "false", "no"))
        except photo_image.InvalidImage as exc:
            raise ValueError("not an image: %s" % exc) from exc
        with self.emulator.directory.lock:
            slot.photo = photo
        return ApiResponse.json(200, slot.facts())

    def _delete_photo(self, _request, path):
        slot = self.emulator.directory.resolve_slot(path)
        if slot is None:
            return _error(404, "no such principal: %s" % path)
        with self.emulator.directory.lock:
            slot.photo = None
        return ApiResponse.json(200, {"deleted": True})

    def _get_photo_update_settings(self, request):
        directory = self.emulator.directory
        tenant = directory.find_tenant(request.query.get("tenant_id") or directory.tenants[0].id)
        if tenant is None:
            return _error(404, "no such tenant: %s" % request.query.get("tenant_id"))
        return ApiResponse.json(200, tenant.photo_update_settings.as_graph())

    def _set_photo_update_settings(self, request):
        return ApiResponse.json(200, people_settings.set_settings(self.emulator.directory, self._json(request)))

    def _get_config(self, _request):
        return ApiResponse.json(200, self.emulator.config.as_dict())

    def _set_config(self, request):
        changes = self._json(request)
        self.emulator.config.update(changes)
        if "batch_shuffle_seed" in changes:
            self.emulator.graph.batch.reseed()
        return ApiResponse.json(200, self.emulator.config.as_dict())

    def _get_faults(self, _request):
        return ApiResponse.json(200, self.emulator.faults.as_dict())

    def _set_faults(self, request):
        self.emulator.faults.configure(self._json(request))
        return ApiResponse.json(200, self.emulator.faults.as_dict())

    def _clear_faults(self, _request):
        self.emulator.faults.clear()
        return ApiResponse.json(200, self.emulator.faults.as_dict())

    def _reset(self, _request):
        self.emulator.reset()
        return ApiResponse.json(200, {"reset": True})

    def _tokens(self, _request):
        return ApiResponse.json(200, {"tokens": self.emulator.tokens.ever_issued()})

    def _delegated_token(self, request):
        payload = self._json(request)
        # Without expires_in, the token_lifetime switch decides, as for every other token.
        lifetime = int(payload["expires_in"]) if payload.get("expires_in") is not None else None
        token = self.emulator.identity.issue_delegated(
            tenant_ref=payload.get("tenant_id"), user_ref=str(payload.get("user", "")),
            scopes=payload.get("scopes") or [], lifetime=lifetime,
            audience=payload.get("audience") or "https://graph.microsoft.com")
        return ApiResponse.json(200, {"access_token": token.value, "token_type": "Bearer", "expires_in": int(token.lifetime)})

    def _federated_token(self, request):
        payload = self._json(request)
        if not payload.get("issuer") or not payload.get("subject"):
            raise ValueError("issuer and subject are required")
        assertion = self.emulator.identity.issue_federated_assertion(
            issuer=payload["issuer"], subject=payload["subject"], audience=payload.get("audience") or "api://AzureADTokenExchange",
            lifetime=int(payload.get("expires_in", 600)))
        return ApiResponse.json(200, {"token": assertion})

    def _expire_tokens(self, _request):
        self.emulator.tokens.expire_all()
        return ApiResponse.json(200, {"expired": True})

    def _revoke_tokens(self, _request):
        self.emulator.tokens.revoke_issued()
        return ApiResponse.json(200, {"revoked": True, "revocations": self.emulator.tokens.revocations})

    def _issued_tokens(self, _request):
        """Every token issued since the last reset, in order, without its value: kind, identity, audience (the resource
        the client asked for: the cloud's Graph), lifetime, issued_at, revoked; and how many revocations there were."""
        return ApiResponse.json(200, {"tokens": self.emulator.tokens.issued_facts(), "revocations": self.emulator.tokens.revocations})
