# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The user properties that can name a user in a file name: the sync's match_by reads them, the export's name_by
writes them (their Graph names). Kept apart from the reading code: module argument specs need them on every run."""

from __future__ import annotations

USER_KEY_PROPERTIES = ('userPrincipalName', 'mail', 'employeeId', 'id', 'mailNickname', 'onPremisesSamAccountName')
DEFAULT_USER_KEY = 'userPrincipalName'
