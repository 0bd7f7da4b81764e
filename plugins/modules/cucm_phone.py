#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_phone
short_description: Manage a CUCM phone or Jabber client and its lines
version_added: 1.1.0
description:
  - Create, update or delete a desk phone or a Jabber soft client (CSF, BOT, TCT, TAB) and its lines.
  - A device that does not exist is created with C(addPhone) (a new device needs O(product), O(protocol) and
    O(device_pool)); an existing one is changed with C(updatePhone) in the declared fields only.
  - IP phone service subscriptions are left as they are (see M(voiceops.cucm.cucm_phone_service_subscription)).
  - Every reference (device pool, templates, calling search space, owner, locale, product, the lines and their partitions)
    is checked to exist before anything is written.
  - Give the phone to its user with M(voiceops.cucm.cucm_end_user)'s C(associated_devices) and C(primary_extension).
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  name:
    description:
      - The device name - C(SEP) and the MAC address in upper case for a desk phone, C(CSF), C(BOT), C(TCT) or C(TAB) and
        the user for a Jabber client (at most 15 characters).
    type: str
    required: true
  state:
    description: V(present) creates or updates the device, V(absent) deletes it (its lines stay).
    type: str
    choices: [present, absent]
    default: present
  product:
    description:
      - The product as CUCM names it (for example C(Cisco 8865), C(Cisco Unified Client Services Framework)). Needed to
        create the device; it cannot change afterwards.
    type: str
  protocol:
    description: The device protocol. Needed to create the device; it cannot change afterwards.
    type: str
    choices: [SIP, SCCP]
  description:
    description: The device's description (at most 128 characters).
    type: str
  phone_template:
    description:
      - The phone button template. Left out on a new device, CUCM uses the model's standard template (declare it to be
        sure on a real cluster).
    type: str
  softkey_template:
    description: The softkey template; empty clears it.
    type: str
  user_locale:
    description: The user locale (for example C(English United States)); empty clears it.
    type: str
  device_pool:
    description: The device pool. Needed to create the phone.
    type: str
  calling_search_space:
    description: The device calling search space; empty clears it.
    type: str
  owner_user:
    description: The owner's user ID (the user must exist); empty clears it.
    type: str
  lines:
    description:
      - The device's line appearances, each a line (pattern + partition) that exists; create it with
        M(voiceops.cucm.cucm_line) first. C(add) adds or changes the named lines and keeps the others, C(remove) takes the
        named lines off (the lines themselves stay), C(set) makes the list exactly this. A plain list means C(set).
      - A line without an index keeps its index, or takes the first free one when it is new; two lines with one index are
        refused before anything is written (CUCM says "Duplicate phone line.").
      - Undeclared fields of a line already on the device keep their values.
      - AXL replaces a device's lines as a whole; the module sends the complete list computed from what it read.
    type: dict
    suboptions:
      add:
        description: Lines to add or change.
        type: list
        elements: dict
        suboptions:
            pattern:
              description: The directory number (an E.164 number as C(+1408...) or C(\\+1408...)). Quote it in YAML.
              type: str
              required: true
            partition:
              description: Its route partition; empty or left out for none.
              type: str
            index:
              description: The line's button index (1 is the primary line).
              type: int
            display:
              description: The caller ID display text for internal calls.
              type: str
            label:
              description: The text of the line button.
              type: str
            external_phone_number_mask:
              description: The external phone number mask (digits and C(*), C(#), C(+), C(X); at most 24).
              type: str
      remove:
        description: Lines to take off the device (pattern and partition identify them; the other fields are ignored).
        type: list
        elements: dict
        suboptions:
            pattern:
              description: The directory number (an E.164 number as C(+1408...) or C(\\+1408...)). Quote it in YAML.
              type: str
              required: true
            partition:
              description: Its route partition; empty or left out for none.
              type: str
            index:
              description: The line's button index (1 is the primary line).
              type: int
            display:
              description: The caller ID display text for internal calls.
              type: str
            label:
              description: The text of the line button.
              type: str
            external_phone_number_mask:
              description: The external phone number mask (digits and C(*), C(#), C(+), C(X); at most 24).
              type: str
      set:
        description: The complete list of lines.
        type: list
        elements: dict
        suboptions:
            pattern:
              description: The directory number (an E.164 number as C(+1408...) or C(\\+1408...)). Quote it in YAML.
              type: str
              required: true
            partition:
              description: Its route partition; empty or left out for none.
              type: str
            index:
              description: The line's button index (1 is the primary line).
              type: int
            display:
              description: The caller ID display text for internal calls.
              type: str
            label:
              description: The text of the line button.
              type: str
            external_phone_number_mask:
              description: The external phone number mask (digits and C(*), C(#), C(+), C(X); at most 24).
              type: str
seealso:
  - module: voiceops.cucm.cucm_phone_info
  - module: voiceops.cucm.cucm_line
  - module: voiceops.cucm.cucm_end_user
"""

EXAMPLES = r"""
- name: A Jabber client for Ann with her line
  voiceops.cucm.cucm_phone:
    name: CSFAAGENT
    product: Cisco Unified Client Services Framework
    protocol: SIP
    device_pool: Default
    calling_search_space: Internal_CSS
    owner_user: aagent
    lines:
      - {pattern: "4100", partition: Internal_PT, index: 1, display: Ann Agent, label: "4100"}

- name: A desk phone gets a second line, the first stays
  voiceops.cucm.cucm_phone:
    name: SEP00AABBCCDD01
    lines:
      add:
        - {pattern: "+14085550100", partition: E164_PT, index: 2}

- name: Delete the phone (its lines stay)
  voiceops.cucm.cucm_phone:
    name: CSFAAGENT
    state: absent
"""

RETURN = r"""
phone:
  description:
    - The phone after the task (what it would be, in check mode).
    - The declared options and the identity; C(uuid) is C({00000000-0000-0000-0000-000000000000}) for a device check mode
      would create. Empty when O(state=absent).
  returned: always
  type: dict
  sample:
    name: CSFAAGENT
    uuid: "{2B4D6F80-1A3C-4E5F-8091-A2B3C4D5E6F7}"
    lines:
      - {pattern: "4100", partition: Internal_PT, index: 1, display: Ann Agent, label: "4100", external_phone_number_mask: ""}
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone import Phone
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone import ensure_device


def main():
    resource = Phone()
    module = CucmModule(resource.argument_spec())
    module.run(lambda: ensure_device(module, resource))


if __name__ == "__main__":
    main()
