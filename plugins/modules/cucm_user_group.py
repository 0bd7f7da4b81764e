#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_user_group
short_description: Manage a CUCM access control group, its roles and members
version_added: 1.0.0
description:
  - Create, update or delete an access control group ("user group" in AXL), the roles it grants and its end
    user members.
  - Membership and role changes use AXL's incremental C(updateUserGroup) (C(addMembers)/C(removeMembers),
    C(addUserRoles)/C(removeUserRoles)); two playbooks adding different users to one group never lose each
    other's members, and C(set) sends only the difference.
  - O(copy_from) creates the group with the roles of another one (for example C(Standard CCM End Users)), as the
    administration page's Copy does (members are not copied).
  - Standard (built-in) groups keep their roles (CUCM refuses the change and the module says why before writing);
    their members can be managed.
  - Every role and user named is checked to exist before anything is written; unknown roles come with close
    matches.
  - The group is read with C(executeSQLQuery) (every value a quoted literal) and written with AXL's
    C(addUserGroup)/C(updateUserGroup)/C(removeUserGroup). A name longer than 100 characters, which those
    operations do not take as a name, is addressed by uuid.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  name:
    description:
      - Name of the group (at most 128 characters; CUCM allows letters, digits, spaces and C(. _ -)). Any other
        character fails the task before anything is sent to CUCM.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the group, V(absent) deletes it (its members and roles are not deleted).
        Deleting a standard group fails, in check mode too.
    type: str
    choices: [present, absent]
    default: present
  roles:
    description:
      - Roles the group grants. C(add) and C(remove) keep roles you do not mention, C(set) makes the list exactly
        this; see R(the list guide,ansible_collections.voiceops.cucm.docsite.lists). A plain list means C(set)
        (the list C([A]) is the set of that list).
      - The roles of a standard group cannot change; declaring the roles it has is no change.
    type: dict
    suboptions:
      add:
        description: Roles to add.
        type: list
        elements: str
      remove:
        description: Roles to remove.
        type: list
        elements: str
      set:
        description: The complete list of roles.
        type: list
        elements: str
  members:
    description:
      - End users in the group, by user ID. Same list semantics as O(roles). With C(add)/C(remove) only the named
        users' membership is read; C(set) reads the whole membership (in pages, for large groups).
      - A plain list is refused here (a group can hold thousands of users, and C(set) takes every other one out);
        write C(add), C(remove) or C(set).
    type: dict
    suboptions:
      add:
        description: Users to add.
        type: list
        elements: str
      remove:
        description: Users to remove.
        type: list
        elements: str
      set:
        description: The complete list of members.
        type: list
        elements: str
  copy_from:
    description:
      - When the group is created, start from the roles of this group; O(roles) then adds to or changes that start.
        Ignored once the group exists, so later runs converge to O(roles) as declared.
      - A group that does not exist fails the task before anything is written.
    type: str
  pending_references:
    description:
      - In check mode, names of objects that the same run creates before this task (the C(voiceops.cucm.identity) role
        passes the roles and users it would create). A role or member that is one of them cannot be checked yet; it is
        planned and shown in the diff as usual, left out of the reference check, and reported in RV(pending).
      - Ignored outside check mode, where those objects exist by the time this task runs.
    type: dict
    suboptions:
      roles:
        description: Roles this run creates before this task.
        type: list
        elements: str
      members:
        description: End users this run creates before this task.
        type: list
        elements: str
    version_added: 1.1.0
seealso:
  - module: voiceops.cucm.cucm_user_group_info
  - module: voiceops.cucm.cucm_role
"""

EXAMPLES = r"""
- name: End users who may also edit their phone services (copy of the standard group plus a role)
  voiceops.cucm.cucm_user_group:
    name: Standard CCM End Users with Services
    copy_from: Standard CCM End Users
    roles:
      add: [Cisco Call Manager Phone Services Self-Service]
    members:
      add: [jdoe]

- name: Add an agent to the CTI group without touching its other members
  voiceops.cucm.cucm_user_group:
    name: Standard CTI Enabled
    members:
      add: [asmith]

- name: The helpdesk group has exactly these members (others are taken out)
  voiceops.cucm.cucm_user_group:
    name: Helpdesk
    members:
      set: [asmith, bjones]

- name: Retire a group
  voiceops.cucm.cucm_user_group:
    name: Old Helpdesk
    state: absent
"""

RETURN = r"""
group:
  description:
    - The group after the task (what it would be, in check mode). O(members) lists the declared users that are
      members; the whole membership only when C(members.set) was declared. Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: The group name.
      type: str
    uuid:
      description: The group's C(pkid), braced and upper case; C({00000000-0000-0000-0000-000000000000}) for a
        group that check mode would create.
      type: str
    standard:
      description: Whether the group is a standard (built-in) group.
      type: bool
    roles:
      description: The roles the group grants, sorted.
      type: list
      elements: str
    members:
      description: The declared users that are members (the whole membership with C(members.set)), sorted.
      type: list
      elements: str
  sample:
    name: Standard CCM End Users with Services
    uuid: "{2B4D6F80-1A3C-4E5F-8091-A2B3C4D5E6F7}"
    standard: false
    roles: [Cisco Call Manager Phone Services Self-Service, Standard CCM End Users, Standard CCMUSER Administration]
    members: [jdoe]
pending:
  description:
    - With O(pending_references), the roles and members (by option) that name an object the run creates first and so
      could not be checked in this check run; empty otherwise.
  returned: when O(state=present)
  type: list
  elements: dict
  sample:
    - {option: roles, names: [Helpdesk Phone Read]}
  version_added: 1.1.0
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import ensure, pending_spec
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.user_group import UserGroup


def main():
    resource = UserGroup()
    spec = resource.argument_spec()
    spec["pending_references"] = pending_spec(["roles", "members"])
    module = CucmModule(spec, plain_list_refused=("members",))
    module.run(lambda: ensure(module, resource))


if __name__ == "__main__":
    main()
