#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_line
short_description: Manage a CUCM directory number (line)
version_added: 1.1.0
description:
  - Create, update or delete a directory number (a line) identified by its O(pattern) and O(partition), with its
    description, alerting names, calling search space, voice mail profile and call forwards.
  - A line that does not exist is created with C(addLine); an existing one is changed with C(updateLine) in the
    declared fields only. Fields you do not declare keep what CUCM has.
  - E.164 numbers are stored by CUCM with an escaped plus (C(\+14085550100)). Write O(pattern) as C(+14085550100)
    or C(\\+14085550100) (both name the same line); the module sends and returns the stored form.
  - Every calling search space, voice mail profile and the partition of a new line are checked to exist before
    anything is written (names are compared exactly, case included).
  - Deleting a line that phones or device profiles still use is refused (CUCM would take it off them); remove it
    from their O(voiceops.cucm.cucm_phone#module:lines) first.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  pattern:
    description:
      - The directory number (digits, C(*) and C(#); an E.164 number with a leading C(+) or C(\\+)). Quote it in YAML;
        a number is refused (YAML would drop leading zeros).
    type: str
    required: true
  partition:
    description:
      - The route partition of the line. Left out or empty, the line is in no partition (CUCM's C(<None>)).
      - Part of the line's identity, compared exactly; a partition that differs only in letter case is refused.
    type: str
  state:
    description:
      - V(present) creates or updates the line, V(absent) deletes it (refused while devices use it).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: The line's description (at most 50 characters, none of C(" % & < >)).
    type: str
  alerting_name:
    description: The alerting name callers see (at most 50 characters).
    type: str
  ascii_alerting_name:
    description:
      - The ASCII alerting name (at most 30 characters). Left out when O(alerting_name) is set on a new line,
        CUCM uses the alerting name when it is all ASCII.
    type: str
  calling_search_space:
    description: The line's calling search space (AXL C(shareLineAppearanceCssName)); empty clears it.
    type: str
  voice_mail_profile:
    description: The voice mail profile of the line (for example C(Default) or C(NoVoiceMail)); empty clears it.
    type: str
  call_forward_all:
    description:
      - Call forward all. Only the declared sub-options are compared and written; the others keep their values.
      - An empty O(call_forward_all.destination) clears the destination.
    type: dict
    suboptions: &forward
      destination:
        description: The number calls are forwarded to (at most 50 characters; not a pattern).
        type: str
      calling_search_space:
        description: The calling search space used to reach the destination; empty clears it.
        type: str
      forward_to_voicemail:
        description: Forward to voice mail instead of O(call_forward_all.destination).
        type: bool
  call_forward_busy:
    description: Call forward busy (external calls), as O(call_forward_all).
    type: dict
    suboptions: *forward
  call_forward_busy_internal:
    description: Call forward busy for internal calls, as O(call_forward_all).
    type: dict
    suboptions: *forward
  call_forward_no_answer:
    description: Call forward no answer (external calls), as O(call_forward_all).
    type: dict
    suboptions: *forward
  call_forward_no_answer_internal:
    description: Call forward no answer for internal calls, as O(call_forward_all).
    type: dict
    suboptions: *forward
  call_forward_unregistered:
    description: Call forward when the line is not registered (external calls), as O(call_forward_all).
    type: dict
    suboptions: *forward
  call_forward_unregistered_internal:
    description: Call forward when the line is not registered, internal calls, as O(call_forward_all).
    type: dict
    suboptions: *forward
seealso:
  - module: voiceops.cucm.cucm_line_info
  - module: voiceops.cucm.cucm_phone
  - module: voiceops.cucm.cucm_device_profile
"""

EXAMPLES = r"""
- name: A desk line with voice mail on busy and no answer
  voiceops.cucm.cucm_line:
    pattern: "4100"
    partition: Internal_PT
    description: Ann Agent desk
    alerting_name: Ann Agent
    calling_search_space: Internal_CSS
    voice_mail_profile: Default
    call_forward_busy:
      forward_to_voicemail: true
    call_forward_no_answer:
      forward_to_voicemail: true

- name: An E.164 line (stored by CUCM as \+14085550100)
  voiceops.cucm.cucm_line:
    pattern: "+14085550100"
    partition: E164_PT
    description: Main number

- name: Forward a released number to the operator
  voiceops.cucm.cucm_line:
    pattern: "4100"
    partition: Internal_PT
    call_forward_all:
      destination: "4000"
      calling_search_space: Internal_CSS

- name: Delete a line no device uses any more
  voiceops.cucm.cucm_line:
    pattern: "4100"
    partition: Internal_PT
    state: absent
"""

RETURN = r"""
line:
  description:
    - The line after the task (what it would be, in check mode); the declared fields and the identity. Empty when
      O(state=absent).
  returned: always
  type: dict
  contains:
    pattern:
      description: The pattern as CUCM stores it (an E.164 number with C(\+)).
      type: str
    partition:
      description: The route partition, empty for none.
      type: str
    uuid:
      description: The line's uuid; C({00000000-0000-0000-0000-000000000000}) for a line check mode would create.
      type: str
  sample:
    pattern: "\\+14085550100"
    partition: E164_PT
    uuid: "{2B4D6F80-1A3C-4E5F-8091-A2B3C4D5E6F7}"
    description: Main number
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.line import Line, ensure_line


def main():
    resource = Line()
    module = CucmModule(resource.argument_spec())
    module.run(lambda: ensure_line(module, resource))


if __name__ == "__main__":
    main()
