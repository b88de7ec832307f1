# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Graph's answers about photos turned into one sentence a playbook author can act on."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError, GraphTokenRefused
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import DELEGATED_TOKEN_RULE

# Graph says "no photo" with either code (the older one on some tenants); neither is an error for us.
NO_PHOTO_CODES = frozenset(('ImageNotFound', 'ErrorItemNotFound'))

OPERATION_WORDS = {'read': 'read the photo of', 'set': 'set the photo of', 'remove': 'remove the photo of'}

# What a user without an Exchange mailbox keeps: the photo is stored in Entra ID, about 100 KB.
NO_MAILBOX_PHOTO_BYTES = 100 * 1024


def is_no_photo(error: GraphError) -> bool:
    return error.status == 404 and error.code in NO_PHOTO_CODES


def _upload_size(upload) -> str:
    size = len(upload.data)
    return '%d bytes (%.0f KB%s)' % (size, size / 1024.0, ', prepared from src' if upload.prepared else ', src as it is')


def _describe_refused_upload(target, error: GraphError, upload) -> str:
    """Why Graph may refuse an upload for a principal that exists: 404 or 413 for a user without a mailbox."""
    if upload is None:
        return ''
    size = len(upload.data)
    if error.status == 404:
        # A set is only sent after the photo of the principal was read (a photo, or Graph's "no photo"), so it exists.
        # Graph has answered uploads over about 100 KB for users without an Exchange mailbox with a misleading 404
        # (https://github.com/microsoftgraph/microsoft-graph-docs/issues/8236).
        hint = (' The photo of %s could be read just before, so it exists: Graph has answered this misleading 404 to uploads larger '
                'than about 100 KB for users without an Exchange mailbox, whose photo is kept in Entra ID '
                '(microsoft-graph-docs issue 8236). The upload was %s.' % (target.label, _upload_size(upload)))
    else:
        hint = (' Graph takes at most 4 MB, and about 100 KB for users without an Exchange mailbox (whose photo is kept in Entra ID); '
                'the upload was %s.' % _upload_size(upload))
    if size > NO_MAILBOX_PHOTO_BYTES:
        hint += ' Use prepare: auto (the default) or always: the module then uploads a JPEG of at most 100 KB.'
    elif error.status == 404:
        hint += ' That is within the limit, so check that %s still exists and has a licence that includes photos.' % target.label
    return hint


def describe_photo_error(target, operation: str, error: GraphError, *, upload=None) -> str:
    """'Could not set the photo of users/x: HTTP 403 ..., request-id r. <what to do>'.

    upload: what was sent for operation 'set' (SourceImage: data, prepared), to explain refused uploads.
    """
    permission_kind = 'read' if operation == 'read' else 'write'
    sentence = 'Could not %s %s: %s.' % (OPERATION_WORDS[operation], target.label, error.describe())
    if error.status == 404 and operation == 'set' and target.kind == 'user':
        return sentence + _describe_refused_upload(target, error, upload)
    if error.status == 404:
        return '%s %s was not found: check the id%s.' % (
            sentence, target.label, ' or userPrincipalName' if target.kind in ('user', 'contact') else '')
    if error.status == 403 and error.code == 'AppOnlyTokenNotSupportedForGroupUpdate' and target.kind in ('group', 'team'):
        # https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/1802: Graph refuses group photo
        # writes with an app-only token there, whatever permission the app holds.
        return sentence + (' Graph refuses to change group photos with an app-only token here, whatever permission the app has '
                           '(microsoft-graph-docs-contrib issue 1802): use a delegated token (access_token of a signed-in user '
                           'with %s).' % target.permission(permission_kind))
    if error.status == 403:
        hint = ' The operation needs the Graph permission %s, granted with admin consent.' % target.permission(permission_kind)
        if target.kind in ('group', 'team') and error.code == 'ErrorAccessDenied':
            hint += (' Graph has a long-standing known issue with group photos and app-only tokens: '
                     'if the permission is granted, use a delegated token (access_token).')
        return sentence + hint
    if error.status == 400 and target.needs_delegated_token and 'delegated' in (error.graph_message or ''):
        return sentence + ' %s, not an app-only one.' % DELEGATED_TOKEN_RULE
    if error.status == 401 and 'audience' in (error.graph_message or '').lower():
        return sentence + (' The token was issued for another resource than this Graph endpoint: a token from another cloud, '
                           'or an access_token obtained for another API; set cloud to match graph_endpoint, or get a token for Graph.')
    if isinstance(error, GraphTokenRefused):
        # Its own text says why the token could not be renewed and what to do.
        return sentence
    if error.status == 401:
        return sentence + ' The access token was refused: it may have expired or be meant for another cloud or resource.'
    if error.status == 413 and upload is not None:
        return sentence + _describe_refused_upload(target, error, upload)
    if error.status == 413:
        return sentence + ' The image is too large for this principal (4 MB at most; about 100 KB for users without a mailbox).'
    return sentence
