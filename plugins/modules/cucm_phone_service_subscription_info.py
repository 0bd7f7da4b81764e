#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_phone_service_subscription_info
short_description: Read the IP phone service subscriptions of a CUCM device or of a service
version_added: 1.0.0
description:
  - Read the subscriptions of one phone or device profile (O(device)), or every subscription to one IP phone service
    (O(service)), or one device's subscriptions to one service (both), with their parameter values, in the input
    shape of M(voiceops.cucm.cucm_phone_service_subscription) plus C(stale).
  - Values of parameters the service marks as password are returned as C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER).
  - Subscriptions and values are read with SQL in pages, so a service with thousands of subscribers stays within
    AXL's limits.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.INFO_ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  device:
    description: Name of a phone or device profile.
    type: str
  service:
    description: Name of an IP phone service.
    type: str
seealso:
  - module: voiceops.cucm.cucm_phone_service_subscription
  - module: voiceops.cucm.cucm_phone_service
"""

EXAMPLES = r"""
- name: Which agents' IP Phone Agent URLs are stale?
  voiceops.cucm.cucm_phone_service_subscription_info:
    service: IPPA
  register: ippa

- name: Show them
  ansible.builtin.debug:
    msg: "{{ ippa.subscriptions | selectattr('stale') | map(attribute='device') | list }}"

- name: Everything a phone is subscribed to
  voiceops.cucm.cucm_phone_service_subscription_info:
    device: SEP001122334455
"""

RETURN = r"""
subscriptions:
  description:
    - The subscriptions, sorted by device, service, URL button index and name; empty when the device or service does
      not exist or has none.
    - Each item has the options of M(voiceops.cucm.cucm_phone_service_subscription), plus C(stale) (read-only; drop it
      before feeding an item back to that module).
  returned: always
  type: list
  elements: dict
  contains:
    device:
      description: Phone or device profile name.
      type: str
    device_type:
      description: V(phone) or V(device_profile).
      type: str
    service:
      description: Service name.
      type: str
    name:
      description: The subscription's name on the phone.
      type: str
    url_button_index:
      description: V(0) for the Services menu, else the service URL button.
      type: int
    url_label:
      description: Label of the service URL button.
      type: str
    parameters:
      description: Parameter values by name; password parameters masked.
      type: dict
    stale:
      description: The URL CUCM stored for the phone does not carry the subscription's current parameter values.
      type: bool
  sample:
    - device: SEP0A0000000001
      device_type: phone
      service: IPPA
      name: Agent Login
      url_button_index: 0
      url_label: ""
      parameters: {username: agent0001, password: VALUE_SPECIFIED_IN_NO_LOG_PARAMETER, extension: "2001"}
      stale: false
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone_service_subscription import read_many


def main():
    module = CucmModule(dict(device=dict(type="str"), service=dict(type="str")), required_one_of=[("device", "service")])

    def run():
        found = read_many(module.client, device=module.params["device"], service=module.params["service"])
        return dict(changed=False, subscriptions=found)

    module.run(run)


if __name__ == "__main__":
    main()
