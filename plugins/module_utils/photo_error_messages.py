# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Graph's answers about photos turned into one sentence a playbook author can act on."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils.graph_errors import GraphError

# Graph says "no photo" with either code (the older one on some tenants); neither is an error for us.
NO_PHOTO_CODES = frozenset(('ImageNotFound', 'ErrorItemNotFound'))

OPERATION_WORDS = {'read': 'read the photo of', 'set': 'set the photo of', 'remove': 'remove the photo of'}


def is_no_photo(error: GraphError) -> bool:
    return error.status == 404 and error.code in NO_PHOTO_CODES


def describe_photo_error(target, operation: str, error: GraphError) -> str:
    """'Could not set the photo of users/x: HTTP 403 ..., request-id r. <what to do>'."""
    permission_kind = 'read' if operation == 'read' else 'write'
    sentence = 'Could not %s %s: %s.' % (OPERATION_WORDS[operation], target.label, error.describe())
    if error.status == 404:
        return '%s %s was not found: check the id%s.' % (
            sentence, target.label, ' or userPrincipalName' if target.kind in ('user', 'contact') else '')
    if error.status == 403:
        hint = ' The operation needs the Graph permission %s, granted with admin consent.' % target.permission(permission_kind)
        if target.kind in ('group', 'team') and error.code == 'ErrorAccessDenied':
            hint += (' Graph has a long-standing known issue with group photos and app-only tokens: '
                     'if the permission is granted, use a delegated token (access_token).')
        return sentence + hint
    if error.status == 400 and target.needs_delegated_token and 'delegated' in (error.graph_message or ''):
        return sentence + ' user: me needs a delegated token (access_token of a signed-in user), not an app-only one.'
    if error.status == 401 and 'audience' in (error.graph_message or '').lower():
        return sentence + (' The token was issued for another resource than this Graph endpoint: a token from another cloud, '
                           'or an access_token obtained for another API; set cloud to match graph_endpoint, or get a token for Graph.')
    if error.status == 401:
        return sentence + ' The access token was refused: it may have expired or be meant for another cloud or resource.'
    if error.status == 413:
        return sentence + ' The image is too large for this principal (4 MB at most; about 100 KB for users without a mailbox).'
    return sentence
