# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Graph principal a task names, its photo URLs, and what Graph allows on it."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.client import quote_path_segment
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError

# Graph's /me is the signed-in user, and an app-only token has none. The rule is written here once: the
# single-photo module checks it before its first request, the bulk sync per item, and the explanation of Graph's
# own refusal (error_messages.py) repeats it.
DELEGATED_TOKEN_RULE = 'user: me needs a delegated token (access_token of a signed-in user)'

# Least-privileged permission first, then the broader one that also works (GRAPH_PHOTO_API.md, Permissions).
PERMISSIONS = {
    'user': {'read': 'ProfilePhoto.Read.All (or User.Read.All)', 'write': 'ProfilePhoto.ReadWrite.All (or User.ReadWrite.All)'},
    'me': {'read': 'User.Read (delegated)', 'write': 'User.ReadWrite (delegated)'},
    'group': {'read': 'ProfilePhoto.Read.All (or Group.Read.All)', 'write': 'ProfilePhoto.ReadWrite.All (or Group.ReadWrite.All)'},
    'team': {'read': 'ProfilePhoto.Read.All (or Group.Read.All)', 'write': 'TeamSettings.ReadWrite.All (delegated only)'},
    'contact': {'read': 'Contacts.Read', 'write': 'Contacts.ReadWrite'},
}


class TargetError(GraphModuleError):
    """The task's target options do not name exactly one principal."""


@dataclass(frozen=True)
class PhotoTarget:
    """One principal whose photo a task manages.

    path is relative to the version root, each name URL-encoded, e.g. 'users/frank_fabrikam.com%23EXT%23@contoso.com'
    or 'teams/<id>': what requests, the cache and the shards use. label is the same principal as Graph names it,
    'users/frank_fabrikam.com#EXT#@contoso.com': what a person reads (results, diff headers, messages, reports), since
    that is the name they find in their tenant.
    """

    kind: str
    path: str
    delete_path: str | None
    label: str

    @property
    def photo_value_path(self) -> str:
        return '/%s/photo/$value' % self.path

    @property
    def photo_metadata_path(self) -> str:
        return '/%s/photo' % self.path

    @property
    def sizes_root(self) -> str:
        """Where Graph lists and serves the photo's sizes (…/photos): a team's photo is its group's."""
        if self.kind == 'team':
            return '/groups/%s' % self.path.split('/', 1)[1]
        return '/' + self.path

    @property
    def can_delete(self) -> bool:
        return self.delete_path is not None

    @property
    def needs_delegated_token(self) -> bool:
        return self.kind == 'me'

    def permission(self, operation: str) -> str:
        return PERMISSIONS[self.kind][operation]


def _user_root(user: str, *, quote=quote_path_segment) -> str:
    return 'me' if user == 'me' else 'users/%s' % quote(user)


def _as_given(value: str) -> str:
    return value


def target_from_options(*, user=None, group=None, team=None, contact=None, contact_folder=None) -> PhotoTarget:
    """Exactly one of user / group / team, or contact together with user (and optionally contact_folder)."""
    if contact_folder and not contact:
        raise TargetError('contact_folder is only meaningful with contact; add contact (and user) or remove contact_folder.')
    if contact:
        if not user:
            raise TargetError('contact needs user: the mailbox (object id, userPrincipalName or me) that owns the contact.')
        if group or team:
            raise TargetError('Name one principal: contact (with user) cannot be combined with group or team.')
        path, label = (_contact_path(user, contact, contact_folder, quote=quote) for quote in (quote_path_segment, _as_given))
        # Graph cannot delete contact photos ("not Outlook contact nor Teams photos").
        return PhotoTarget(kind='contact', path=path, delete_path=None, label=label)

    given = [name for name, value in (('user', user), ('group', group), ('team', team)) if value]
    if len(given) != 1:
        raise TargetError('Name exactly one principal with user, group or team (or contact with user); got %s.' % (
            ', '.join(given) if given else 'none'))
    if user:
        path = _user_root(user)
        return PhotoTarget(kind='me' if user == 'me' else 'user', path=path, delete_path='/%s/photo/$value' % path,
                           label=_user_root(user, quote=_as_given))
    if group:
        path = 'groups/%s' % quote_path_segment(group)
        return PhotoTarget(kind='group', path=path, delete_path='/%s/photo/$value' % path, label='groups/%s' % group)
    # A team's photo is its group's photo; Graph deletes it only through the group.
    team_id = quote_path_segment(team)
    return PhotoTarget(kind='team', path='teams/%s' % team_id, delete_path='/groups/%s/photo/$value' % team_id,
                       label='teams/%s' % team)


def _contact_path(user: str, contact: str, contact_folder: str | None, *, quote) -> str:
    root = _user_root(user, quote=quote)
    if contact_folder:
        return '%s/contactFolders/%s/contacts/%s' % (root, quote(contact_folder), quote(contact))
    return '%s/contacts/%s' % (root, quote(contact))


# The target options every photo module shares; each module documents them, with the same names and types.
TARGET_OPTION_NAMES = ('user', 'group', 'team', 'contact', 'contact_folder')


def target_argument_spec() -> dict:
    """A fresh copy per module, so that one module's spec never changes another's."""
    return {name: dict(type='str') for name in TARGET_OPTION_NAMES}


def target_from_params(params: dict) -> PhotoTarget:
    return target_from_options(**{name: params.get(name) for name in TARGET_OPTION_NAMES})


def app_only_token_problem(target: PhotoTarget, *, app_only: bool, method_name: str | None = None) -> str | None:
    """One sentence when the target needs a delegated token and the token in use is app-only; else None."""
    if not (target.needs_delegated_token and app_only):
        return None
    cause = 'auth_method %s gives an app-only token' % method_name if method_name else 'the token in use is app-only'
    return '%s; %s. Name the user by id or userPrincipalName instead.' % (DELEGATED_TOKEN_RULE, cause)


def check_token_reaches(target: PhotoTarget, token_provider) -> None:
    """Raise TargetError when the target needs a delegated token and token_provider gives app-only ones."""
    problem = app_only_token_problem(target, app_only=token_provider.is_app_only, method_name=token_provider.method_name)
    if problem:
        raise TargetError(problem)
