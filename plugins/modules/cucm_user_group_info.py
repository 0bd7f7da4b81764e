#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_user_group_info
short_description: Read CUCM access control groups with their roles and members
version_added: 1.0.0
description:
  - Read groups whose name matches O(name) (SQL C(LIKE) pattern - C(%) matches any text, C(_) any one character)
    with their roles and, when asked, their members, in the input shape of M(voiceops.cucm.cucm_user_group), so
    that a result can be fed back as input. Whether a group is standard (built-in) and its uuid are in
    RV(read_only).
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.INFO_ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  name:
    description: Group name, or a pattern with C(%) wildcards. C(%) reads every group.
    type: str
    default: "%"
  members:
    description:
      - Also read the end users in each group. They are read in pages (C(SKIP)/C(FIRST)), which shrink when CUCM
        answers that a page is too large, so large groups stay within AXL's limits.
    type: bool
    default: false
seealso:
  - module: voiceops.cucm.cucm_user_group
"""

EXAMPLES = r"""
- name: Which roles does the end users group grant, and who is in it?
  voiceops.cucm.cucm_user_group_info:
    name: Standard CCM End Users
    members: true
  register: end_users_group

- name: Export the custom groups (with members) and apply them again - nothing changes
  voiceops.cucm.cucm_user_group_info:
    name: "%with Services"
    members: true
  register: exported

- name: Re-apply what was read
  voiceops.cucm.cucm_user_group: "{{ item }}"
  loop: "{{ exported.groups }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
groups:
  description:
    - The matching groups in the input shape of M(voiceops.cucm.cucm_user_group), sorted by name; empty when
      nothing matches. C(members) only with O(members=true).
  returned: always
  type: list
  elements: dict
  sample:
    - name: Standard CCM End Users
      roles: {set: [Standard CCM End Users, Standard CCMUSER Administration]}
      members: {set: [asmith, jdoe]}
read_only:
  description: What CUCM keeps about each group that is not an option of M(voiceops.cucm.cucm_user_group), keyed by name.
  returned: always
  type: dict
  sample:
    Standard CCM End Users:
      standard: true
      uuid: "{2B4D6F80-1A3C-4E5F-8091-A2B3C4D5E6F7}"
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import as_input
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.user_group import UserGroup


def main():
    resource = UserGroup()
    module = CucmModule(dict(name=dict(type="str", default="%"), members=dict(type="bool", default=False)))

    def run():
        groups, read_only = [], {}
        found = resource.read_many(module.client, module.params["name"], members=module.params["members"])
        for name, group in sorted(found.items()):
            groups.append(as_input(resource, name, group))
            read_only[name] = dict(standard=group["_standard"], uuid=group["_uuid"])
        return dict(changed=False, groups=groups, read_only=read_only)

    module.run(run)


if __name__ == "__main__":
    main()
