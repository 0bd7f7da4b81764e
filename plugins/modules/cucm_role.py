#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_role
short_description: Manage a CUCM role and its resource permissions
version_added: 1.0.0
description:
  - Create, update or delete a custom role (C(functionrole)) and the permissions it grants on resources
    (for example C(Phone Services web pages) with read and update).
  - AXL has no role operations, so this module uses C(executeSQLQuery)/C(executeSQLUpdate) on the tables of
    CUCM's data dictionary (C(functionrole), C(functionroleresourcemap), C(typeresource)). Every value reaches
    SQL as a quoted, escaped literal; role names are held to a strict character set.
  - Resources are found by name (and O(application) when a name exists in several applications); an unknown
    name fails before anything is written, with close matches suggested.
  - Standard (built-in) roles cannot be changed or deleted, as in CUCM; copy one with O(copy_from) instead.
  - A role is never left half-made; a write that fails half-way is undone.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  name:
    description:
      - Name of the role (at most 128 characters; letters, digits, spaces and C(. _ - ( ) / & + , :), starting
        with a letter or a digit). Any other character fails the task before anything is sent to CUCM.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the role, V(absent) deletes it (its resource permissions go with it).
        Deleting a standard role, or a role that a group still uses without O(detach_from_groups), fails in check
        mode too.
    type: str
    choices: [present, absent]
    default: present
  description:
    description:
      - Description of the role (at most 128 bytes), stored exactly as written (quotes included). Line breaks,
        control characters and backslashes are refused.
    type: str
  application:
    description:
      - The application whose resources the role grants, for example C(Cisco Call Manager Administration) or
        C(Cisco Call Manager AXL Database). CUCM stores no application on a role; it is the application of its
        resources. When set, every declared resource must belong to it, and it decides between resources of the
        same name in several applications; a role whose resources belong to another application is only moved to
        this one when O(resources) says which resources it keeps (with C(set)).
      - An unknown application fails the task, with close matches suggested.
    type: str
  resources:
    description:
      - Resources and permissions. C(add) grants (or changes the permission of) the listed resources and keeps
        the others, C(remove) takes the listed resources away (their permission is ignored), C(set) makes the
        role grant exactly these.
      - O(resources.add[].permission) is V(read), V(update) or V(read_update) for resources with Read and Update
        actions, and V(allow) for resources with a single action such as C(AXL Database API) ("Allow to use API").
        They are stored as the bits of C(functionroleresourcemap.permission) - V(read) 1, V(update) 2,
        V(read_update) 3, V(allow) 1.
      - Duplicate map rows for one resource (which CUCM's table allows and other tools leave behind) are reported
        with the row count after the permission, for example "read_update (2 rows)", and collapsed to one row
        whenever the task declares O(resources).
    type: dict
    suboptions:
      add:
        description: Resources to grant.
        type: list
        elements: dict
        suboptions:
          name:
            description: Resource name as CUCM shows it (C(typeresource.name)).
            type: str
            required: true
          permission:
            description: Permission to grant.
            type: str
            choices: [allow, read, read_update, update]
      remove:
        description: Resources to take away.
        type: list
        elements: dict
        suboptions:
          name:
            description: Resource name.
            type: str
            required: true
          permission:
            description: Ignored.
            type: str
            choices: [allow, read, read_update, update]
      set:
        description: The complete list of resources.
        type: list
        elements: dict
        suboptions:
          name:
            description: Resource name.
            type: str
            required: true
          permission:
            description: Permission to grant.
            type: str
            choices: [allow, read, read_update, update]
  copy_from:
    description:
      - When the role is created, start from the resources and permissions of this role (typically a standard
        role), as the administration page's Copy does; O(resources) then adds to or changes that start. Ignored once
        the role exists, so later runs converge to O(resources) as declared.
      - A role that does not exist fails the task before anything is written.
    type: str
  detach_from_groups:
    description:
      - With O(state=absent), take the role out of the access control groups that use it (C(updateUserGroup)
        C(removeUserRoles)) and delete it. Without it, deleting a role that a group still uses fails and names the
        groups.
    type: bool
    default: false
seealso:
  - module: voiceops.cucm.cucm_role_info
  - module: voiceops.cucm.cucm_user_group
"""

EXAMPLES = r"""
- name: A role that lets end users edit their phone services' parameters
  voiceops.cucm.cucm_role:
    name: Cisco Call Manager Phone Services Self-Service
    description: Phone service parameters for end users
    application: Cisco Call Manager Administration
    resources:
      set:
        - name: Phone Services web pages
          permission: read_update

- name: An AXL role for an integration ("Allow to use API")
  voiceops.cucm.cucm_role:
    name: Integration AXL Access
    application: Cisco Call Manager AXL Database
    resources:
      set:
        - name: AXL Database API
          permission: allow

- name: A read-only AXL role started from a standard one
  voiceops.cucm.cucm_role:
    name: Monitoring AXL Read Only
    copy_from: Standard AXL Read Only API Access

- name: Helpdesk phone pages, starting from the standard phone role, with phone services read-only
  voiceops.cucm.cucm_role:
    name: Helpdesk Phone Management
    copy_from: Standard CCM Phone Management
    resources:
      add:
        - name: Phone Services web pages
          permission: read

- name: Take the phone services pages away again, keep the rest
  voiceops.cucm.cucm_role:
    name: Helpdesk Phone Management
    resources:
      remove:
        - name: Phone Services web pages

- name: Retire a role, taking it out of the groups that still use it
  voiceops.cucm.cucm_role:
    name: Old Helpdesk Role
    state: absent
    detach_from_groups: true
"""

RETURN = r"""
role:
  description:
    - The role after the task (what it would be, in check mode). Empty when O(state=absent).
    - In check mode, a role that does not exist yet has the uuid C({00000000-0000-0000-0000-000000000000}).
  returned: always
  type: dict
  contains:
    name:
      description: The role name.
      type: str
    uuid:
      description: The role's C(pkid), braced and upper case as AXL writes uuids.
      type: str
    description:
      description: The description.
      type: str
    application:
      description:
        - The application of the role's resources; several are joined with C(, ); empty for a role without
          resources (unless O(application) was declared).
      type: str
    standard:
      description: Whether the role is a standard (built-in) role.
      type: bool
    resources:
      description: The resources the role grants, sorted by name, each with C(name) and C(permission).
      type: list
      elements: dict
  sample:
    name: Cisco Call Manager Phone Services Self-Service
    uuid: "{0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9}"
    description: Phone service parameters for end users
    application: Cisco Call Manager Administration
    standard: false
    resources:
      - {name: Phone Services web pages, permission: read_update}
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import ensure
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.role import Role


def main():
    resource = Role()
    module = CucmModule(resource.argument_spec())
    module.run(lambda: ensure(module, resource))


if __name__ == "__main__":
    main()
