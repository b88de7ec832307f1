# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The options that name one principal (spec in module_utils/_photo/targets.py)."""

    DOCUMENTATION = r'''
options:
  user:
    description:
      - The user, by object id or userPrincipalName; V(me) for the signed-in user (needs a delegated token, given with
        O(access_token)).
      - With O(contact), the user whose mailbox owns the contact.
      - Name exactly one of O(user), O(group) or O(team), or O(contact) together with O(user).
    type: str
  group:
    description:
      - The object id of a Microsoft 365 or security group.
    type: str
  team:
    description:
      - The id of a team (the id of its group). A team's photo is its group's photo.
    type: str
  contact:
    description:
      - The id of an Outlook contact in the mailbox of O(user). Graph cannot delete contact photos.
    type: str
  contact_folder:
    description:
      - The id of the contact folder that holds O(contact). Without it, the contact is looked up in the default folder.
    type: str
'''
