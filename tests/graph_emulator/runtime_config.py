"""Behaviour switches of the emulator: CLI values are the baseline, the admin API overrides them."""

import threading

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
    "photo_settings_patch_status": 204,  # PATCH photoUpdateSettings: 204, or 200 with the object (docs disagree)
}

_CHOICES = {
    "group_photo_app_only": ("allow", "deny"),
    "flatten_background": ("white", "black"),
    "not_found_code": ("ImageNotFound", "ErrorItemNotFound"),
    "photo_settings_patch_status": (200, 204),
}


def _validate(key, value):
    if key not in DEFAULTS:
        raise ValueError("unknown setting %r; known: %s" % (key, ", ".join(sorted(DEFAULTS))))
    expected = type(DEFAULTS[key])
    if expected is bool and not isinstance(value, bool):
        raise ValueError("%s must be true or false" % key)
    if expected is int and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError("%s must be a positive integer" % key)
    if key == "jpeg_quality" and not 75 <= value <= 95:
        raise ValueError("jpeg_quality must be between 75 and 95")
    if key in _CHOICES and value not in _CHOICES[key]:
        raise ValueError("%s must be one of %s" % (key, ", ".join(str(choice) for choice in _CHOICES[key])))
    return value


class RuntimeConfig:
    def __init__(self, **baseline):
        self._baseline = dict(DEFAULTS)
        self._baseline.update({k: _validate(k, v) for k, v in baseline.items()})
        self._overrides = {}
        self._lock = threading.Lock()

    def __getitem__(self, key):
        with self._lock:
            return self._overrides.get(key, self._baseline[key])

    def update(self, changes: dict):
        """Apply overrides; raises ValueError (and changes nothing) when one is invalid."""
        checked = {k: _validate(k, v) for k, v in changes.items()}
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
