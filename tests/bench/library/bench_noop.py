# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark baseline: a module that does nothing (the cost of one Ansible task)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bench_noop
short_description: Do nothing (benchmark baseline)
description: Returns at once; measures what an Ansible task costs by itself.
options:
  name:
    description: Ignored.
    type: str
author: voiceops.cucm contributors (@voiceops)
"""

EXAMPLES = r"""
- bench_noop:
    name: x
"""

RETURN = r"""
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(name=dict(type="str")), supports_check_mode=True)
    module.exit_json(changed=False)


if __name__ == "__main__":
    main()
