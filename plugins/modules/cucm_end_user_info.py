#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_end_user_info
short_description: Read CUCM end users in the input shape of cucm_end_user
version_added: 1.0.0
description:
  - Read one end user, or every end user whose user ID matches a C(%) pattern, and return them with
    the option names of M(voiceops.cucm.cucm_end_user), so that a result can be pasted back as input
    (list options come back in their C(set) form).
  - Secrets (password, PIN, digest credentials) cannot be read from CUCM and are never returned.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.INFO_ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  userid:
    description:
      - User ID to read, or a pattern with C(%) wildcards (SQL style), for example C(agent%).
      - C(%) alone reads every end user; prefer M(voiceops.cucm.cucm_end_users) with C(state=gathered)
        for large clusters.
    type: str
    required: true
  page_size:
    description: User IDs fetched per C(listUser) request when O(userid) is a pattern.
    type: int
    default: 1000
seealso:
  - module: voiceops.cucm.cucm_end_user
"""

EXAMPLES = r"""
- name: Read one user
  voiceops.cucm.cucm_end_user_info:
    userid: jdoe
  register: found

- name: Export the agents as input for cucm_end_user
  voiceops.cucm.cucm_end_user_info:
    userid: "agent%"
  register: agents

- name: Re-apply what was read (nothing changes)
  voiceops.cucm.cucm_end_user: "{{ item }}"
  loop: "{{ agents.users }}"
  loop_control:
    label: "{{ item.userid }}"
"""

RETURN = r"""
users:
  description:
    - The matching end users in the input shape of M(voiceops.cucm.cucm_end_user), sorted by user ID.
      Empty when nothing matches.
  returned: always
  type: list
  elements: dict
  sample:
    - userid: jdoe
      first_name: Jane
      last_name: Doe
      groups: {set: [Standard CCM End Users]}
      associated_devices: {set: [SEP001122334455]}
      primary_extension: {pattern: "1001", partition: Internal_PT}
read_only:
  description:
    - What CUCM keeps about each user that is not an option, keyed by user ID.
    - C(ldap_directory) is the LDAP directory the user is synchronised from, empty for a local user. It comes from
      the user's directory link in CUCM's database, so a local user is local whether CUCM's C(getUser) names its
      directory C(Local) (as some releases do) or leaves it empty.
  returned: always
  type: dict
  sample:
    jdoe:
      uuid: "{6A3E9C2F-4B1D-4E8A-9C7F-2D5B8E1A0C34}"
      ldap_directory: ""
      status: 1
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.end_user import EndUser
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import as_input


def matching_userids(client, pattern, page_size):
    body = {"searchCriteria": {"userid": pattern}, "returnedTags": {"userid": ""}}
    return sorted(set(u.findtext("userid") for u in client.list_paged("listUser", body, "user", page_size)))


def main():
    resource = EndUser()
    module = CucmModule(dict(userid=dict(type="str", required=True), page_size=dict(type="int", default=1000)))

    def run():
        client = module.client
        pattern = module.params["userid"]
        if "%" in pattern:
            userids = matching_userids(client, pattern, max(1, module.params["page_size"]))
        else:
            userids = [pattern]
        users, read_only = [], {}
        for userid in userids:
            obj = resource.read(client, userid)
            if obj is None:
                continue
            users.append(as_input(resource, userid, obj))
            read_only[userid] = dict(uuid=obj["_uuid"], ldap_directory=resource.directory(client, userid, obj),
                                     status=obj["_status"])
        return dict(changed=False, users=users, read_only=read_only)

    module.run(run)


if __name__ == "__main__":
    main()
