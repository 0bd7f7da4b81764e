# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark alternative: a per-user module built on the ciscoaxl library (PyPI), as people write
them today: one ``ciscoaxl.axl`` object per task, getUser, compare, updateUser when different."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bench_ciscoaxl_user
short_description: Converge one end user with the ciscoaxl library (benchmark alternative)
description: Reads the user with ciscoaxl, compares the given fields and updates them when they differ.
options:
  host:
    description: CUCM host.
    type: str
    required: true
  port:
    description: AXL port.
    type: int
    default: 8443
  username:
    description: AXL user.
    type: str
    required: true
  password:
    description: AXL password.
    type: str
    required: true
  userid:
    description: User ID.
    type: str
    required: true
  fields:
    description: AXL field names and values to converge.
    type: dict
    default: {}
author: voiceops.cucm contributors (@voiceops)
requirements: [ciscoaxl]
"""

EXAMPLES = r"""
- bench_ciscoaxl_user:
    host: 127.0.0.1
    username: administrator
    password: secret
    userid: jdoe
    fields: {lastName: Doe}
"""

RETURN = r"""
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        host=dict(type="str", required=True), port=dict(type="int", default=8443),
        username=dict(type="str", required=True), password=dict(type="str", required=True, no_log=True),
        userid=dict(type="str", required=True), fields=dict(type="dict", default={})), supports_check_mode=True)
    from ciscoaxl import axl  # pylint: disable=import-error
    p = module.params
    ucm = axl(p["username"], p["password"], p["host"], "12.5", cucm_port=p["port"])
    user = ucm.get_user(p["userid"])
    changes = dict((k, v) for k, v in p["fields"].items() if str(user[k] or "") != str(v))
    if changes and not module.check_mode:
        ucm.update_user(userid=p["userid"], **changes)
    module.exit_json(changed=bool(changes))


if __name__ == "__main__":
    main()
