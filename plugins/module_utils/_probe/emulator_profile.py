# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probe's facts as the Graph emulator's own settings (its behaviour switches, emulator/README.md): a profile that
``python -m graph_emulator --profile FILE`` loads, and the settings where the tenant differs from the emulator's
defaults."""

from __future__ import annotations

# The emulator's defaults for the settings a profile holds (graph_emulator/runtime_config.py DEFAULTS; a unit test
# keeps the two equal).
EMULATOR_DEFAULTS = {
    'rewrite': True,
    'jpeg_quality': 85,
    'aspect': 'keep',
    'exif_orientation': 'apply',
    'flatten_background': 'white',
    'value_keeps_alpha': False,
    'snap_sizes': False,
    'missing_size': '404',
    'upload_etag': 'new',
    'batch_photo_upload': 'accepted',
    'group_photo_app_only': 'allow',
    'resource_unit_header': False,
}
# Settings the emulator applies only to the pictures it rewrites: moot when the tenant keeps uploads as sent.
REWRITE_ONLY = ('jpeg_quality', 'aspect', 'exif_orientation', 'value_keeps_alpha', 'snap_sizes')
# The qualities the emulator stores at (a tenant's outside them is given as the nearest).
EMULATOR_JPEG_QUALITIES = (75, 95)

_FLATTEN = {'white': 'white', 'black': 'black', 'dropped': 'drop'}


def emulator_profile(facts: dict, observations: dict) -> dict:
    """setting -> value for every fact the probe established (a fact it could not read gives no setting)."""
    profile = {'rewrite': bool(facts.get('reencoded', True))}
    if facts.get('jpeg_quality'):
        profile['jpeg_quality'] = min(max(int(facts['jpeg_quality']), EMULATOR_JPEG_QUALITIES[0]), EMULATOR_JPEG_QUALITIES[1])
    if 'crop' in facts:
        profile['aspect'] = 'crop_square' if facts['crop'] == 'square' else 'keep'
    if 'exif_orientation' in facts:
        profile['exif_orientation'] = 'apply' if facts['exif_orientation'] == 'applied' else 'ignore'
    if facts.get('transparency') in _FLATTEN:
        profile['flatten_background'] = _FLATTEN[facts['transparency']]
    if 'value_keeps_alpha' in facts:
        profile['value_keeps_alpha'] = bool(facts['value_keeps_alpha'])
    if 'snapped' in facts:
        profile['snap_sizes'] = bool(facts['snapped'])
    if facts.get('unknown_size') in ('404', '1x1'):
        profile['missing_size'] = facts['unknown_size']
    if 'same_bytes_new_etag' in facts:
        profile['upload_etag'] = 'new' if facts['same_bytes_new_etag'] else 'content'
    if facts.get('batch_upload') in ('accepted', 'refused'):
        profile['batch_photo_upload'] = facts['batch_upload']
    group = facts.get('group_app_only_write')
    if group == 'allowed':
        profile['group_photo_app_only'] = 'allow'
    elif group == 'denied':
        read_denied = (observations.get('group_app_only_write') or {}).get('read') == 'denied'
        profile['group_photo_app_only'] = 'deny' if read_denied else 'deny_writes'
    if 'throttle_headers' in facts:
        profile['resource_unit_header'] = 'x-ms-resource-unit' in facts['throttle_headers']
    if not profile['rewrite']:
        for name in REWRITE_ONLY:
            profile.pop(name, None)
    return profile


def profile_differences(profile: dict) -> dict:
    """setting -> {tenant, emulator_default} where the profile is not the emulator's default."""
    return {name: {'tenant': value, 'emulator_default': EMULATOR_DEFAULTS[name]}
            for name, value in sorted(profile.items()) if EMULATOR_DEFAULTS.get(name) != value}
