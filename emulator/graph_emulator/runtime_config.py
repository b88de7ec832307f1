"""Behaviour switches of the emulator: defaults, then the seed's ``behaviour:`` and the command line make the
baseline; the admin API overrides it until the next reset."""

import threading

from .photo_image import DOWNSCALE_FILTERS

DEFAULTS = {
    "rewrite": True,
    "throttle": True,
    "max_concurrent_per_mailbox": 4,
    "group_photo_app_only": "allow",
    "jpeg_quality": 85,
    "flatten_background": "white",
    "not_found_code": "ImageNotFound",
    "no_mailbox_max_bytes": 100 * 1024,
    "max_photo_bytes": 4 * 1024 * 1024,
    # Where public sources leave Graph's behaviour open (GRAPH_PHOTO_API.md, "More facts from public reports"): one switch each.
    "aspect": "keep",
    "exif_orientation": "apply",
    "snap_sizes": False,
    "missing_size": "404",
    "value_keeps_alpha": False,
    "no_mailbox_oversize": "404",
    "batch_order": "shuffled",
    "batch_shuffle_seed": None,
    # The filter Graph scales photos down with (the stored photo over 648 px, and every rendition): no public source
    # says; the module's compare must hold under each (docs/docsite/rst/photo_comparison.rst).
    "downscale_filter": "lanczos",
    "photo_settings_patch_status": 204,  # PATCH photoUpdateSettings: 204, or 200 with the object (docs disagree)
    # PATCH photoUpdateSettings with source null or unknownFutureValue: refused (strict) or taken (lenient); undocumented.
    "photo_settings_source": "strict",
    # Whether photoUpdateSettings has `source`: the documentation page (photoupdatesettings.md) says so, the published beta
    # metadata (msgraph-metadata, beta-Prod.csdl of 2026-08-04; tests/fixtures/graph-metadata/) lists id and allowedRoles
    # only. "metadata": GET answers without it and a PATCH naming it is a 400 for an unknown property.
    "photo_settings_source_property": "documented",
    # Whether $filter compares strings regardless of case: Microsoft's pages do not say (directory_queries.py).
    "filter_string_case": "insensitive",
    # Seconds every token issued from now on lives (expires_in / expires_on): client credentials, certificate, federated,
    # password grant, managed identity, and the admin API's delegated tokens. Entra's default is 60 to 90 minutes, a
    # token lifetime policy can go down to 10 (GRAPH_PHOTO_API.md, "Tokens over long runs"); tests use seconds.
    "token_lifetime": 3599,
    # Where a $batch's token is checked: on the envelope (the whole batch answered 401), on each inner request (the
    # envelope 200, each inner request 401), or both. No public source says; Graph's front end authenticates every HTTP
    # request it gets, and a token revoked while the batch runs is refused by the workloads its requests go to.
    "batch_token_check": "both",
    # Whether a photo PUT inside $batch is taken (as the sync sends it: a base64 body with its Content-Type) or refused
    # with an inner 400: no public source says that Graph's batching takes binary photo bodies.
    "batch_photo_upload": "accepted",
    # The ETag of an upload whose stored bytes equal the photo's: new on every upload (public reports: msgraph-sdk-powershell
    # issue 2389, msgraph-sdk-dotnet issue 2374), or derived from the stored content (the same picture, the same ETag).
    "upload_etag": "new",
    # Whether answers carry x-ms-resource-unit (the resource units a request cost, "Microsoft Graph service-specific
    # throttling limits", identity and access): whether photo requests carry it is not said.
    "resource_unit_header": False,
    # Graph's budgets per app and tenant (budgets.py): off unless configured, so the rest of the suite is unchanged.
    "budgets": False,
    # fixed windows (the harder case for a client), or sliding: the token bucket the identity page names (budgets.py).
    "budget_windows": "fixed",
    # Which budgets photo requests spend: undocumented since photos moved to Entra ID storage; both is the strictest.
    "photo_budget": "both",
    # Every window and quota times this (the same rate, shorter windows), and every quota alone times the rate scale.
    "budget_window_scale": 1.0,
    "budget_rate_scale": 1.0,
    # Whether a budget's 429 carries x-ms-throttle-scope and x-ms-throttle-information (the identity page lists them).
    "budget_headers": True,
    # A budget's Retry-After: the exact wait to the millisecond, or rounded up to whole seconds. Graph's is seen both
    # ways ("10" and "2.128", GRAPH_PHOTO_API.md); a public Q&A about Graph's Retry-After shows whole seconds ("41",
    # "315": learn.microsoft.com/answers/questions/648796). Whole seconds make a token bucket's short wait look long.
    "budget_retry_after": "exact",
}

_CHOICES = {
    "group_photo_app_only": ("allow", "deny", "deny_writes"),
    "flatten_background": ("white", "black", "drop"),
    "not_found_code": ("ImageNotFound", "ErrorItemNotFound"),
    "aspect": ("keep", "crop_square"),
    "exif_orientation": ("apply", "ignore"),
    "missing_size": ("404", "1x1"),
    "no_mailbox_oversize": ("404", "413"),
    "batch_order": ("shuffled", "request"),
    "downscale_filter": tuple(DOWNSCALE_FILTERS),
    "photo_settings_patch_status": (200, 204),
    "photo_settings_source": ("strict", "lenient"),
    "photo_settings_source_property": ("documented", "metadata"),
    "filter_string_case": ("insensitive", "sensitive"),
    "batch_token_check": ("both", "envelope", "items"),
    "batch_photo_upload": ("accepted", "refused"),
    "upload_etag": ("new", "content"),
    "budget_windows": ("fixed", "sliding"),
    "photo_budget": ("directory", "outlook", "both"),
    "budget_retry_after": ("exact", "whole_seconds"),
}
# Values that look like numbers are kept as strings, so that a YAML or JSON 404 means the same as "404".
_NUMERIC_CHOICES = ("missing_size", "no_mailbox_oversize")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def validate(key, value):
    """The checked (and normalised) value of one setting; ValueError names the key and what it accepts."""
    if key not in DEFAULTS:
        raise ValueError("unknown setting %r; known: %s" % (key, ", ".join(sorted(DEFAULTS))))
    if key in _NUMERIC_CHOICES and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if key == "batch_shuffle_seed":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("batch_shuffle_seed must be an integer or null")
        return value
    expected = type(DEFAULTS[key])
    if expected is bool and not isinstance(value, bool):
        raise ValueError("%s must be true or false" % key)
    if expected is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1000:
            raise ValueError("%s must be a number above 0 (at most 1000)" % key)
        return float(value)
    if expected is int and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError("%s must be a positive integer" % key)
    if key == "jpeg_quality" and not 75 <= value <= 95:
        raise ValueError("jpeg_quality must be between 75 and 95")
    if key in _CHOICES and value not in _CHOICES[key]:
        raise ValueError("%s must be one of %s" % (key, ", ".join(str(choice) for choice in _CHOICES[key])))
    return value


def parse_setting(text: str):
    """``KEY=VALUE`` from the command line -> (key, value), typed like the admin API's JSON and validated."""
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key:
        raise ValueError("expected KEY=VALUE, got %r" % text)
    if key not in DEFAULTS:
        return key, validate(key, raw)  # raises: unknown setting
    default = DEFAULTS[key]
    value = raw
    if isinstance(default, bool):
        lowered = raw.lower()
        if lowered not in _TRUE + _FALSE:
            raise ValueError("%s must be true or false" % key)
        value = lowered in _TRUE
    elif isinstance(default, float):
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("%s must be a number, got %r" % (key, raw)) from None
    elif isinstance(default, int) or key == "batch_shuffle_seed":
        if key == "batch_shuffle_seed" and raw.lower() in ("", "none", "null"):
            value = None
        else:
            try:
                value = int(raw)
            except ValueError:
                raise ValueError("%s must be an integer, got %r" % (key, raw)) from None
    return key, validate(key, value)


class RuntimeConfig:
    def __init__(self, **baseline):
        self._baseline = dict(DEFAULTS)
        self._baseline.update({k: validate(k, v) for k, v in baseline.items()})
        self._overrides = {}
        self._lock = threading.Lock()

    def __getitem__(self, key):
        with self._lock:
            return self._overrides.get(key, self._baseline[key])

    def update(self, changes: dict):
        """Apply overrides; raises ValueError (and changes nothing) when one is invalid."""
        checked = {k: validate(k, v) for k, v in changes.items()}
        with self._lock:
            self._overrides.update(checked)

    def reset(self):
        with self._lock:
            self._overrides = {}

    def as_dict(self):
        with self._lock:
            merged = dict(self._baseline)
            merged.update(self._overrides)
            return merged
