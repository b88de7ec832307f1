# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one write path of the bulk sync: photo uploads and removals for many principals, through $batch.

Like PhotoWriter for one principal, apply() returns before building any request in check mode, so check mode
sends no write by construction; no other code of the sync builds a PUT or DELETE. With backup_dir, a plan that
would replace or remove a photo without its backup_file gets no request either.
"""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchItemFailure
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import BatchRequest
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.error_messages import OPERATION_WORDS, describe_photo_error
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import ACTION_SET, missing_backup_problem


class BatchPhotoWriter:
    """Carries out PhotoPlans in batches; the only code of the sync that sends a photo write."""

    def __init__(self, runner, *, check_mode: bool, backups_required: bool = False):
        self.runner = runner
        self.check_mode = check_mode
        self.backups_required = backups_required

    def apply(self, plans: dict) -> dict:
        """plans: key -> PhotoPlan. Return key -> None (done, or would be done in check mode) or the error sentence.

        Plans that change nothing are left out of the answer.
        """
        changing = {key: plan for key, plan in plans.items() if plan.changed}
        if self.check_mode or not changing:
            return {key: None for key in changing}
        outcome = {}
        for key, plan in list(changing.items()):
            problem = missing_backup_problem(plan, backups_required=self.backups_required)
            if problem:
                outcome[key] = problem
                del changing[key]
        requests = {key: self._write_request(key, plan) for key, plan in changing.items()}
        answers = self.runner.run(list(requests.values())) if requests else {}
        for key, plan in changing.items():
            request = requests[key]
            answer = answers[request.id]
            if isinstance(answer, BatchItemFailure):
                outcome[key] = 'Could not %s %s: %s.' % (OPERATION_WORDS[plan.action], plan.target.label, answer)
            elif answer.ok:
                outcome[key] = None
            else:
                outcome[key] = describe_photo_error(plan.target, plan.action, answer.error(request), upload=plan.source)
        return outcome

    @staticmethod
    def _write_request(key, plan) -> BatchRequest:
        target = plan.target
        if plan.action == ACTION_SET:
            # The image's real type, sniffed from its bytes: Graph answers application/octet-stream with a 500.
            return BatchRequest(id=str(key), method='PUT', path=target.photo_value_path, body=plan.source.data,
                                content_type=plan.source.content_type)
        return BatchRequest(id=str(key), method='DELETE', path=target.delete_path)
