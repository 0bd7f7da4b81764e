#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_phone_service_subscription
short_description: Subscribe a CUCM phone or device profile to an IP phone service, with parameter values
version_added: 1.0.0
description:
  - Create, update or delete one subscription of a phone or an extension mobility device profile to an IP phone
    service, such as the UCCX IP Phone Agent login service with the agent's user ID, password and extension.
  - The subscription is identified by O(device), O(service) and O(url_button_index).
  - The subscription is written with C(updatePhone)/C(updateDeviceProfile), whose C(services) element replaces
    the device's whole list; the module reads the list first and sends every other subscription back exactly as
    CUCM returned it.
  - AXL has no element for parameter values. They are written to CUCM's database table
    C(telecastersubscribedparameter) with C(executeSQLUpdate) (every value a quoted, checked SQL literal; the
    parameter looked up by service and name), and the subscription URL the phone requests is rebuilt in the same
    task, so the phone uses the new values at once. An unchanged subscription whose URL is stale (for example after
    a Self Care edit) is rebuilt too, and the task reports changed.
  - B(Password parameters.) Values of parameters the service marks as password are never shown, in results, diffs,
    warnings, errors or C(-vvvv) output, although O(parameters) is not a C(no_log) option. The module reads the
    service first and hides those values from then on. Results and diffs show C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER)
    instead.
  - B(update_secrets.) With the default O(update_secrets=on_create), a password parameter that already has a value is
    never rewritten, because its owner may have changed it. Agents change their IP Phone Agent password in the Self
    Care Portal, and the next run of the playbook must not undo that. Use O(update_secrets=always) for a deliberate
    reset.
  - Every problem (unknown device, service or parameter, a missing required parameter, a value that is too long,
    an enterprise subscription service, a device that already has 100 subscriptions) fails before anything is
    written, also in check mode.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  device:
    description: Name of the phone (for example C(SEP001122334455)) or device profile.
    type: str
    required: true
  device_type:
    description:
      - Whether O(device) is a phone or a device profile. Subscribe an agent's extension mobility profile to give
        them the service on whichever phone they log in to.
    type: str
    choices: [phone, device_profile]
    default: phone
  service:
    description: Name of the IP phone service (see M(voiceops.cucm.cucm_phone_service)).
    type: str
    required: true
  url_button_index:
    description:
      - V(0) for the phone's Services menu; a positive number puts the service on that service URL button. CUCM wants
        a button number to be used once per device.
    type: int
    default: 0
  name:
    description:
      - The subscription's name as the phone shows it (at most 32 characters, 128 for an Android APK service; no
        double quote). A new subscription defaults to the service's name; an existing one keeps its name unless
        this is declared.
    type: str
  url_label:
    description: Label of the service URL button (at most 50 characters, none of C(" % & < >)).
    type: str
  parameters:
    description:
      - Parameter values, as a dictionary of parameter name to value (at most 100 printable ASCII characters each, no
        double quote). Only the declared parameters are compared and written; the others keep their values.
      - A new subscription gets the service's default value for each parameter not declared; a required parameter
        without a default must be declared.
      - Values of password parameters are hidden in every output and governed by O(update_secrets).
    type: dict
  update_secrets:
    description:
      - V(on_create) writes the value of a password parameter only when the subscription is created or the parameter
        has no value yet, so a password its owner changed (in the Self Care Portal) is never undone.
      - V(always) rewrites a password parameter whose value differs from the declared one.
    type: str
    choices: [always, on_create]
    default: on_create
  state:
    description:
      - V(present) creates or updates the subscription, V(absent) removes it (every subscription of the device to the
        service at O(url_button_index), if there are duplicates).
    type: str
    choices: [present, absent]
    default: present
notes:
  - The module does not restart or apply the device; CUCM serves the rebuilt URL the next time the phone opens the
    service.
seealso:
  - module: voiceops.cucm.cucm_phone_service
  - module: voiceops.cucm.cucm_phone_service_subscription_info
"""

EXAMPLES = r"""
- name: Give an agent the IP Phone Agent service on their extension mobility profile
  voiceops.cucm.cucm_phone_service_subscription:
    device: UDP_agent0042
    device_type: device_profile
    service: IPPA
    name: Agent Login
    parameters:
      username: agent0042
      password: "{{ initial_ippa_password }}"   # written once; the agent owns it afterwards
      extension: "4242"

- name: Reset an agent's IP Phone Agent password on purpose
  voiceops.cucm.cucm_phone_service_subscription:
    device: UDP_agent0042
    device_type: device_profile
    service: IPPA
    parameters:
      password: "{{ new_ippa_password }}"
    update_secrets: always

- name: A directory on the second service URL button of a phone
  voiceops.cucm.cucm_phone_service_subscription:
    device: SEP001122334455
    service: Corporate Directory
    url_button_index: 2
    url_label: Directory

- name: Take the service away
  voiceops.cucm.cucm_phone_service_subscription:
    device: SEP001122334455
    service: Corporate Directory
    url_button_index: 2
    state: absent
"""

RETURN = r"""
subscription:
  description:
    - The subscription after the task (what it would be, in check mode), in the input shape of this module. Password
      parameter values are C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER). Empty when O(state=absent).
  returned: always
  type: dict
  sample:
    device: UDP_agent0042
    device_type: device_profile
    service: IPPA
    url_button_index: 0
    name: Agent Login
    url_label: ""
    parameters:
      username: agent0042
      password: VALUE_SPECIFIED_IN_NO_LOG_PARAMETER
      extension: "4242"
    uuid: "{559D229C-B66D-4DB7-992F-CCF252263801}"
url_rebuilt:
  description:
    - The subscription's URL was rebuilt (or, in check mode, is stale and would be) because it did not carry the
      subscription's parameter values.
  returned: when O(state=present)
  type: bool
  sample: true
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import ensure
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone_service_subscription import Subscription


def main():
    resource = Subscription()
    module = CucmModule(resource.argument_spec(), deferred_no_log=("parameters",))
    resource.hide = module.hide

    def run():
        result = ensure(module, resource)
        if module.params["state"] == "present":
            # a stale URL as last read: after a Self Care edit, or after a write whose answer was lost (the engine
            # read again and found the values written, but not the URL rebuilt): rebuild it, never report ok
            if resource.heal(module.client, module.check_mode):
                result["changed"] = True
                resource.rebuilt = True
            result["url_rebuilt"] = resource.rebuilt
        return result

    module.run(run)


if __name__ == "__main__":
    main()
