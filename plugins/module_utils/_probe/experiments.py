# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probe's experiments, in the order they run: each uploads a test picture to the test user (or group), reads
what Graph kept, and returns its facts and what it saw. They share one ExperimentContext.

The requests each sends are listed in REQUESTS, which check mode returns instead of sending them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError, GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.error_messages import describe_photo_error, is_no_photo
from ansible_collections.graphops.msgraph.plugins.module_utils._probe import fact_readers, probe_pictures

LARGE_SIDE = 1000
LISTED_SIDE_ABOVE = 500  # between 432 and 504: snapped, it is stored at 432
SNAPPED_SIDE = 432
UNKNOWN_SIZE = '648x648'  # not offered for a photo of 500 px or less
RENDITION_SIZE = '96x96'

# name -> (facts it gives, requests it sends: method and path under the principal, U the user, G the group)
REQUESTS = {
    'large_upload': (('reencoded', 'largest_side', 'sizes', 'jpeg_quality'),
                     ['PUT U/photo/$value (1000x1000 JPEG)', 'GET U/photo/$value', 'GET U/photos']),
    'listed_size': (('snapped',), ['PUT U/photo/$value (500x500 JPEG)', 'GET U/photo']),
    'same_bytes': (('same_bytes_new_etag',), ['PUT U/photo/$value (the same 500x500 JPEG)', 'GET U/photo']),
    'unknown_size': (('unknown_size',), ['GET U/photos/648x648']),
    'crop': (('crop',), ['PUT U/photo/$value (2:1 JPEG, red, green and blue thirds)', 'GET U/photo/$value']),
    'exif_orientation': (('exif_orientation',), ['PUT U/photo/$value (JPEG stored turned, EXIF orientation 6)', 'GET U/photo/$value']),
    'transparency': (('transparency', 'value_keeps_alpha'),
                     ['PUT U/photo/$value (PNG, transparent border holding magenta)', 'GET U/photo/$value',
                      'GET U/photos/96x96/$value (when the alpha is kept)']),
    'batch_upload': (('batch_upload',), ['POST /$batch (PUT U/photo/$value, base64 JPEG)']),
    'group_app_only_write': (('group_app_only_write',),
                             ['GET G/photo/$value (kept first)', 'PUT G/photo/$value (JPEG, app-only token)',
                              'PUT or DELETE G/photo/$value (its photo put back)']),
}


class ExperimentError(GraphModuleError):
    """An experiment could not be carried out; str() names it and Graph's answer."""


@dataclass
class ExperimentContext:
    requests: object  # ProbeRequests
    user: object  # PhotoTarget
    group: object = None  # PhotoTarget or None
    group_photo: object = None  # KeptPhoto of the group, or None
    app_only: bool = True
    restore_group: object = None  # callable: puts the group's photo back
    state: dict = field(default_factory=dict)  # what one experiment leaves for the next (ETags)

    def upload(self, experiment: str, data: bytes, content_type: str = 'image/jpeg', target=None):
        target = target or self.user
        try:
            self.requests.put_photo(target.photo_value_path, data, content_type)
        except GraphError as error:
            raise ExperimentError('The %s experiment failed: %s' % (experiment, describe_photo_error(target, 'set', error))) from None

    def read(self, experiment: str, path: str, target=None):
        try:
            return self.requests.get(path)
        except GraphError as error:
            raise ExperimentError('The %s experiment failed: %s' % (experiment, describe_photo_error(target or self.user, 'read', error))) from None

    def metadata(self, experiment: str) -> dict:
        return self.read(experiment, self.user.photo_metadata_path).json()

    def value(self, experiment: str) -> bytes:
        return self.read(experiment, self.user.photo_value_path).content


def large_upload(ctx: ExperimentContext):
    sent = probe_pictures.square(LARGE_SIDE)
    ctx.upload('large_upload', sent)
    stored = ctx.value('large_upload')
    im = fact_readers.open_picture(stored)
    listed = ctx.read('large_upload', '/%s/photos' % ctx.user.path).json().get('value', [])
    sizes = [entry.get('id') for entry in listed]
    facts = {'reencoded': stored != sent, 'largest_side': max(im.width, im.height), 'sizes': sizes,
             'jpeg_quality': fact_readers.jpeg_quality(stored)}
    return facts, {'sent': {'width': LARGE_SIDE, 'height': LARGE_SIDE, 'bytes': len(sent)},
                   'stored': {'width': im.width, 'height': im.height, 'bytes': len(stored), 'format': im.format}}


def listed_size(ctx: ExperimentContext):
    sent = probe_pictures.square(LISTED_SIDE_ABOVE)
    ctx.state['listed_picture'] = sent
    ctx.upload('listed_size', sent)
    meta = ctx.metadata('listed_size')
    ctx.state['etag'] = meta.get('@odata.mediaEtag')
    side = max(meta.get('width') or 0, meta.get('height') or 0)
    return {'snapped': side == SNAPPED_SIDE}, {'sent_side': LISTED_SIDE_ABOVE, 'stored_side': side, 'etag': ctx.state['etag']}


def same_bytes(ctx: ExperimentContext):
    ctx.upload('same_bytes', ctx.state['listed_picture'])
    etag = ctx.metadata('same_bytes').get('@odata.mediaEtag')
    return {'same_bytes_new_etag': etag != ctx.state['etag']}, {'etag_before': ctx.state['etag'], 'etag_after': etag}


def unknown_size(ctx: ExperimentContext):
    path = '/%s/photos/%s' % (ctx.user.path, UNKNOWN_SIZE)
    try:
        answer = ctx.requests.get(path).json()
    except GraphError as error:
        if error.status == 404:
            return {'unknown_size': '404'}, {'asked': UNKNOWN_SIZE, 'status': 404, 'code': error.code}
        raise ExperimentError('The unknown_size experiment failed: %s' % describe_photo_error(ctx.user, 'read', error)) from None
    answered = str(answer.get('id') or '').lower()
    return {'unknown_size': '1x1' if answered == '1x1' else answered}, {'asked': UNKNOWN_SIZE, 'status': 200, 'id': answer.get('id')}


def crop(ctx: ExperimentContext):
    ctx.upload('crop', probe_pictures.thirds())
    reading = fact_readers.read_crop(ctx.value('crop'))
    return {'crop': reading.pop('crop')}, reading


def exif_orientation(ctx: ExperimentContext):
    ctx.upload('exif_orientation', probe_pictures.rotated_with_exif())
    reading = fact_readers.read_orientation(ctx.value('exif_orientation'))
    return {'exif_orientation': reading.pop('exif_orientation')}, reading


def transparency(ctx: ExperimentContext):
    ctx.upload('transparency', probe_pictures.transparent_png(), 'image/png')
    stored = ctx.value('transparency')
    keeps_alpha = fact_readers.has_alpha(stored)
    if keeps_alpha:
        # …/photo/$value kept the alpha channel: what Graph puts behind it shows in its sized renditions.
        stored = ctx.read('transparency', '/%s/photos/%s/$value' % (ctx.user.path, RENDITION_SIZE)).content
    reading = fact_readers.read_background(stored)
    reading['read_from'] = RENDITION_SIZE if keeps_alpha else 'photo/$value'
    return {'transparency': reading.pop('transparency'), 'value_keeps_alpha': keeps_alpha}, reading


def batch_upload(ctx: ExperimentContext):
    answer = ctx.requests.batch_put_photo(ctx.user.photo_value_path, probe_pictures.square(240), 'image/jpeg')
    if answer.ok:
        return {'batch_upload': 'accepted'}, {'status': answer.status}
    body = answer.json_body if isinstance(answer.json_body, dict) else {}
    code = (body.get('error') or {}).get('code')
    if answer.status in (401, 403, 429) or answer.status >= 500:
        # Not an answer about batching: a refused token or permission, throttling, an outage.
        raise ExperimentError('The batch_upload experiment failed: Graph answered the photo PUT inside $batch with HTTP %d %s.' % (
            answer.status, code or ''))
    return {'batch_upload': 'refused'}, {'status': answer.status, 'code': code}


def group_app_only_write(ctx: ExperimentContext):
    if ctx.group is None:
        return {'group_app_only_write': 'not_probed'}, {'reason': 'no group given'}
    if not ctx.app_only:
        return {'group_app_only_write': 'not_probed'}, {'reason': 'the token is delegated; an app-only token is what this asks about'}
    if ctx.group_photo is None:  # its photo could not even be read app-only
        return {'group_app_only_write': 'denied'}, {'read': 'denied', 'write': 'not tried'}
    try:
        ctx.requests.put_photo(ctx.group.photo_value_path, probe_pictures.square(240), 'image/jpeg')
    except GraphError as error:
        if error.status == 403 and error.code != 'Authorization_RequestDenied':
            return {'group_app_only_write': 'denied'}, {'read': 'allowed', 'write': 'denied', 'status': 403, 'code': error.code}
        raise ExperimentError('The group_app_only_write experiment failed: %s' % describe_photo_error(ctx.group, 'set', error)) from None
    ctx.restore_group()
    return {'group_app_only_write': 'allowed'}, {'read': 'allowed', 'write': 'allowed'}


EXPERIMENTS = (large_upload, listed_size, same_bytes, unknown_size, crop, exif_orientation, transparency, batch_upload,
               group_app_only_write)


def planned_requests(user_label: str, group_label: str | None) -> list:
    """What check mode returns: each experiment with the facts it gives and the requests it would send."""
    plan = []
    for experiment in EXPERIMENTS:
        facts, requests = REQUESTS[experiment.__name__]
        if experiment is group_app_only_write and group_label is None:
            requests = []
        plan.append({'name': experiment.__name__, 'facts': list(facts),
                     'requests': [r.replace('U/', '/%s/' % user_label).replace('G/', '/%s/' % (group_label or 'groups/-'))
                                  for r in requests]})
    return plan


def is_group_read_denied(error: GraphError) -> bool:
    """A group photo read refused to an app-only token (not a missing permission, and not 'no photo')."""
    return error.status == 403 and error.code != 'Authorization_RequestDenied' and not is_no_photo(error)
