#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_user_group_info
short_description: Read CUCM access control groups with their roles and members
version_added: 0.1.0
description:
  - Read groups whose name matches O(name) (SQL C(%) wildcards) with their roles and, when asked, their members,
    in the input shape of M(voiceops.cucm.cucm_user_group).
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
    description: Also read the members of each group (read in pages, so large groups stay within AXL's limits).
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
"""

RETURN = r"""
groups:
  description: The matching groups, sorted by name.
  returned: always
  type: list
  elements: dict
  sample:
    - name: Standard CCM End Users
      standard: true
      roles: {set: [Standard CCM End Users, Standard CCMUSER Administration]}
      members: {set: [jdoe, asmith]}
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
