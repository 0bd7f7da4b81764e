#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_role_info
short_description: Read CUCM roles with their application and resource permissions
version_added: 1.0.0
description:
  - Read roles whose name matches O(name) (SQL C(LIKE) pattern - C(%) matches any text, C(_) any one character),
    with their description, application and resources in the input shape of M(voiceops.cucm.cucm_role), so that
    a result can be fed back as input. Whether a role is standard (built-in) and its uuid are in RV(read_only).
  - One C(executeSQLQuery) reads all the matching roles.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.INFO_ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  name:
    description: Role name, or a pattern with C(%) wildcards. C(%) reads every role.
    type: str
    default: "%"
  standard:
    description: V(true) keeps only standard roles, V(false) only custom roles; unset keeps both.
    type: bool
seealso:
  - module: voiceops.cucm.cucm_role
"""

EXAMPLES = r"""
- name: Read the custom roles
  voiceops.cucm.cucm_role_info:
    standard: false
  register: custom_roles

- name: What does the standard end-user role grant?
  voiceops.cucm.cucm_role_info:
    name: Standard CCM End Users

- name: Re-apply the custom roles that were read (nothing changes)
  voiceops.cucm.cucm_role: "{{ item }}"
  loop: "{{ custom_roles.roles }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
roles:
  description:
    - The matching roles in the input shape of M(voiceops.cucm.cucm_role), sorted by name; empty when nothing
      matches.
    - C(application) is empty for a role without resources, and lists several applications joined with C(, )
      for a role whose resources belong to more than one.
  returned: always
  type: list
  elements: dict
  sample:
    - name: Cisco Call Manager Phone Services Self-Service
      description: Phone service parameters for end users
      application: Cisco Call Manager Administration
      resources:
        set:
          - {name: Phone Services web pages, permission: read_update}
read_only:
  description: What CUCM keeps about each role that is not an option of M(voiceops.cucm.cucm_role), keyed by name.
  returned: always
  type: dict
  sample:
    Cisco Call Manager Phone Services Self-Service:
      standard: false
      uuid: "{0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9}"
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import as_input
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.role import Role


def main():
    resource = Role()
    module = CucmModule(dict(name=dict(type="str", default="%"), standard=dict(type="bool")))

    def run():
        roles, read_only = [], {}
        for name, role in sorted(resource.read_many(module.client, module.params["name"]).items()):
            if module.params["standard"] is not None and role["_standard"] != module.params["standard"]:
                continue
            roles.append(as_input(resource, name, role))
            read_only[name] = dict(standard=role["_standard"], uuid=role["_uuid"])
        return dict(changed=False, roles=roles, read_only=read_only)

    module.run(run)


if __name__ == "__main__":
    main()
