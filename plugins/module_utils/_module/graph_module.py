# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AnsibleModule wrapper every module of this collection uses: shared options, client, errors."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.auth_method import HAS_MSAL
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.method_choice import build_auth_method
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.options import auth_argument_spec, resolve_cloud
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.token_provider import TokenProvider
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.clouds import CLOUDS
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    GraphClient,
    build_session,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError, GraphOptionError
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.transport import RetryingTransport
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.retries import RetryPolicy
from ansible_collections.graphops.msgraph.plugins.module_utils._libraries.optional_libraries import library_found, library_import_error


class GraphModule:
    """AnsibleModule with the shared auth/connection options, and the Graph client built from them."""

    def __init__(self, argument_spec: dict, **kwargs):
        spec = auth_argument_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        self.retry_messages = []
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        if not HAS_MSAL and self.params['auth_method'] != 'access_token' and not self.params.get('access_token'):
            self.module.fail_json(msg=missing_required_lib('msal'), exception=library_import_error('msal'))
        self._validate_connection_options()
        if kwargs.get('add_file_common_args'):
            self._validate_file_options(own_options=argument_spec)

    def _validate_file_options(self, *, own_options: dict) -> None:
        """owner and group that name nobody fail here, before any request; a module whose own option is named group
        (graph_profile_photo's Graph group) has no file group."""
        from ansible_collections.graphops.msgraph.plugins.module_utils._files.private_files import (  # pylint: disable=import-outside-toplevel
            check_owner_and_group,
        )
        try:
            check_owner_and_group(self.params.get('owner'), None if 'group' in own_options else self.params.get('group'))
        except GraphModuleError as exc:
            self.module.fail_json(msg=str(exc))

    def _validate_connection_options(self) -> None:
        if self.params['timeout'] <= 0:
            self.module.fail_json(msg='timeout must be a positive number of seconds (got %s).' % self.params['timeout'])
        if self.params['retries'] < 0:
            self.module.fail_json(msg='retries must be 0 or more (got %s).' % self.params['retries'])
        endpoint = self.params.get('graph_endpoint')
        if endpoint and not endpoint.lower().startswith(('https://', 'http://')):
            self.module.fail_json(msg='graph_endpoint must be a URL with its scheme, for example https://127.0.0.1:8443 (got %s).' % endpoint)
        try:
            # Before anything is sent: the cloud decides the login host and the token's scope.
            self.params['cloud'] = resolve_cloud(self.params.get('cloud'))
        except GraphOptionError as exc:
            self.module.fail_json(msg=str(exc))
        if not self.params['validate_certs']:
            self.module.warn('validate_certs is false: TLS certificates are not verified. Use ca_path to trust a test CA instead.')

    def require_pillow(self) -> None:
        """Fail as Ansible's modules do (missing_required_lib) when Pillow is not installed. Only found here: it is
        imported where a picture is first opened (_libraries/optional_libraries.py)."""
        if not library_found('PIL'):
            self.module.fail_json(msg=missing_required_lib('Pillow'), exception=library_import_error('PIL.Image'))

    def require_upload_options(self) -> None:
        """Fail before any request when the upload options (prepare, crop, force, replace_smaller_than) cannot work
        together, or crop: face has no face detector (found here, imported where a face is first searched for)."""
        from ansible_collections.graphops.msgraph.plugins.module_utils._photo.upload_options import (  # pylint: disable=import-outside-toplevel
            check_prepare_options,
            check_replace_smaller_than,
        )
        try:
            check_prepare_options(prepare=self.params['prepare'], crop=self.params['crop'])
            check_replace_smaller_than(replace_smaller_than=self.params['replace_smaller_than'], force=self.params['force'])
        except GraphModuleError as exc:
            self.module.fail_json(msg=str(exc))
        if self.params['crop'] == 'face':
            from ansible_collections.graphops.msgraph.plugins.module_utils._photo.face_detector import (  # pylint: disable=import-outside-toplevel
                face_detector_found,
                missing_face_detector_message,
            )
            if not face_detector_found():
                self.module.fail_json(msg=missing_face_detector_message(), exception=library_import_error('cv2'))

    @property
    def check_mode(self) -> bool:
        return self.module.check_mode

    @property
    def diff_mode(self) -> bool:
        """Whether the task runs with --diff (or diff: true): the module then returns a diff."""
        return self.module._diff  # pylint: disable=protected-access

    def build_client(self, *, pool_size: int | None = None) -> GraphClient:
        """Create the session, the auth method (validated) and the client; raises GraphModuleError.

        pool_size: connections to keep per host when the module sends from that many threads.
        """
        params = self.params
        session = build_session(validate_certs=params['validate_certs'], ca_path=params.get('ca_path'), pool_size=pool_size)
        # One transport for Graph and for MSAL: the token endpoint is throttled and fails like Graph does.
        transport = RetryingTransport(session, RetryPolicy(params['retries']), timeout=params['timeout'],
                                      on_retry=self.retry_messages.append)
        method = build_auth_method(params, transport)
        base_url = params.get('graph_endpoint') or CLOUDS[params['cloud']].graph_endpoint
        return GraphClient(
            base_url=base_url,
            api_version=params['api_version'],
            token_provider=TokenProvider(method),
            transport=transport,
        )

    def exit_json(self, **result) -> None:
        if self.retry_messages and self.module._verbosity >= 3:  # pylint: disable=protected-access
            result['graph_retries'] = self.retry_messages
        self.module.exit_json(**result)

    def fail_json(self, msg: str, **result) -> None:
        if self.retry_messages:
            result['graph_retries'] = self.retry_messages
        self.module.fail_json(msg=msg, **result)

    def fail_on_error(self, exc: GraphModuleError) -> None:
        """The edge of the error family (_graph/errors.py: GraphModuleError): its one sentence becomes fail_json's msg."""
        self.fail_json(msg=str(exc))
