# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One probe run: check the test user (and group) before any write, keep their photos, run the experiments, and put
the photos back in a finally, also when an experiment failed or Graph throttled past the retries."""

from __future__ import annotations

import shutil
import tempfile

from ansible_collections.graphops.msgraph.plugins.module_utils._backup.photo_backups import PhotoBackups
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError, GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import PhotoOperationError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_from_options
from ansible_collections.graphops.msgraph.plugins.module_utils._probe.emulator_profile import emulator_profile, profile_differences
from ansible_collections.graphops.msgraph.plugins.module_utils._probe.experiments import (
    EXPERIMENTS,
    ExperimentContext,
    is_group_read_denied,
    planned_requests,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._probe.principal_photos import (
    KeptPhoto,
    ProbeRestoreError,
    keep_photo,
    restore_photo,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._probe.probe_requests import ProbeRequests

# What the checks before any write read: the properties exist on v1.0 and beta alike (a test compares them with the metadata).
USER_SELECT = ('id', 'userPrincipalName', 'mail')
GROUP_SELECT = ('id', 'displayName')
USER_READ_PERMISSION = 'User.ReadBasic.All (or User.Read.All)'
GROUP_READ_PERMISSION = 'GroupMember.Read.All (or Group.Read.All)'


class ProbeFailed(GraphModuleError):
    """The probe stopped; result holds what it learnt and whether the photos were put back."""

    def __init__(self, message: str, result: dict):
        super().__init__(message)
        self.result = result


def _read_principal(client, path: str, label: str, permission: str) -> dict:
    try:
        return client.request('GET', path).json()
    except GraphError as error:
        if error.status == 404:
            raise ProbeFailed('%s does not exist in this tenant (%s): name an existing test principal by its object id%s. '
                              'Nothing was written.' % (label, error.describe(), ' or userPrincipalName' if label.startswith('users/') else ''),
                              {'restored': True}) from None
        if error.status == 403:
            raise ProbeFailed('Could not read %s (%s): the probe needs the Graph permission %s to check it before any write, '
                              'granted with admin consent. Nothing was written.' % (label, error.describe(), permission),
                              {'restored': True}) from None
        raise


class ProbeRun:
    def __init__(self, client, *, user: str, group: str | None, backup_dir: str | None, files, started, check_mode: bool):
        self.client = client
        self.user_name, self.group_name = user, group
        self.user = target_from_options(user=user)
        self.group = target_from_options(group=group) if group else None
        self.backup_dir = backup_dir
        self.files = files
        self.started = started
        self.check_mode = check_mode
        self.requests = ProbeRequests(client, check_mode=check_mode)

    def preflight(self) -> None:
        """Before any write: the user exists and has a mailbox, the group exists."""
        user = _read_principal(self.client, '/%s?$select=%s' % (self.user.path, ','.join(USER_SELECT)), self.user.label, USER_READ_PERMISSION)
        if not user.get('mail'):
            raise ProbeFailed(
                '%s has no mailbox (its mail property is empty): Graph keeps the photo of a user without an Exchange Online '
                'mailbox in Entra ID only, where uploads over about 100 KB fail and answers differ from a mailbox user\'s. '
                'Name a test user with a mailbox. Nothing was written.' % self.user.label, {'restored': True})
        if self.group is not None:
            _read_principal(self.client, '/%s?$select=%s' % (self.group.path, ','.join(GROUP_SELECT)), self.group.label, GROUP_READ_PERMISSION)

    def _keep_group(self, backups):
        try:
            return keep_photo(self.client, self.group, backups, check_mode=self.check_mode, group=self.group_name)
        except PhotoOperationError as exc:
            cause = exc.__context__
            if isinstance(cause, GraphError) and is_group_read_denied(cause) and self.client.token_provider.is_app_only:
                return None  # app-only reads refused too: the group experiment reports it, and writes nothing
            raise

    def run(self) -> dict:
        plan = planned_requests(self.user.label, self.group.label if self.group else None)
        self.preflight()
        if self.check_mode:
            keep_photo(self.client, self.user, None, check_mode=True, user=self.user_name)
            return {'changed': True, 'experiments': plan, 'facts': {}, 'observations': {}, 'emulator_profile': {},
                    'differences': {}, 'restored': True}
        folder = self.backup_dir or tempfile.mkdtemp(prefix='graph-photo-probe-')
        backups = PhotoBackups(folder, files=self.files, started=self.started)
        user_kept = keep_photo(self.client, self.user, backups, check_mode=False, user=self.user_name)
        group_kept = self._keep_group(backups) if self.group is not None else None
        kept = [user_kept] + ([group_kept] if group_kept else [])
        facts, observations, failure = {}, {}, None
        ctx = ExperimentContext(requests=self.requests, user=self.user, group=self.group, group_photo=group_kept,
                                app_only=self.client.token_provider.is_app_only,
                                restore_group=lambda: self._restore(group_kept))
        try:
            for experiment in EXPERIMENTS:
                found, seen = experiment(ctx)
                facts.update(found)
                observations[experiment.__name__] = seen
        except GraphModuleError as exc:
            failure = exc
        finally:
            restore_failures = []
            for one in kept:
                try:
                    if one.target.photo_value_path in self.requests.touched:
                        self._restore(one)
                except ProbeRestoreError as exc:
                    restore_failures.append(str(exc))
        facts['throttle_headers'] = self.requests.throttle_header_names()
        result = {'changed': self.requests.writes_sent > 0, 'experiments': plan, 'facts': facts,
                  'observations': observations, 'restored': not restore_failures, 'kept': [one.to_dict() for one in kept]}
        if restore_failures:
            raise ProbeFailed(' '.join(([str(failure)] if failure else []) + restore_failures), result)
        if not self.backup_dir:
            shutil.rmtree(folder, ignore_errors=True)
            for one in result['kept']:
                one['backup_file'] = None
        if failure is not None:
            raise ProbeFailed('%s The photos of the probed principals were put back.' % failure, result)
        profile = emulator_profile(facts, observations)
        result.update(emulator_profile=profile, differences=profile_differences(profile))
        return result

    def _restore(self, kept: KeptPhoto) -> None:
        restore_photo(self.requests, kept)
        self.requests.touched.discard(kept.target.photo_value_path)
