#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_phone_service
short_description: Manage a CUCM IP phone service and rebuild its subscribers' stale URLs
version_added: 1.0.0
description:
  - Create, update or delete an IP phone service definition (Device > Device Settings > Phone Services), such
    as the UCCX IP Phone Agent login service, with its subscription parameters, through AXL
    (C(addIpPhoneServices), C(updateIpPhoneServices), C(removeIpPhoneServices)).
  - Idempotent. Only the declared options are compared and only what differs is written.
  - O(update_subscriptions=true) does what the administration page's B(Update Subscriptions) button does. It
    rebuilds the URL of every subscription of the service whose stored URL no longer carries the subscription's
    current parameter values (for example after an agent changed the IP Phone Agent password in the Self Care
    Portal, or after the service URL changed). It reports how many subscriptions were stale and on which
    devices, never a parameter value. C(docs/phone-services.md) explains how stale URLs are detected and fixed.
  - Subscriptions of phones and device profiles are managed with M(voiceops.cucm.cucm_phone_service_subscription).
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  name:
    description:
      - Service name as the phones show it (1 to 32 characters, 128 for an Android APK; no double quote). It
        identifies the service and is never renamed.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the service, V(absent) deletes it.
      - Deleting a service deletes every subscription to it (CUCM cascades the delete).
    type: str
    choices: [present, absent]
    default: present
  url:
    description:
      - Service URL (the URL template subscriptions are built from), at most 512 characters. It may contain
        C(#DEVICENAME#), which the phone replaces with its own name.
      - A new service needs O(url) or O(secure_url) (a C(Java MIDlet) service needs O(url)).
    type: str
  secure_url:
    description: Secure service URL (HTTPS), at most 512 characters.
    type: str
  description:
    description: Description, at most 100 characters (no double quote or back quote).
    type: str
  category:
    description: Service category. A new service defaults to V(XML Service).
    type: str
    choices: [XML Service, Java MIDlet, Web Widget, Web Link, Android APK]
  type:
    description: Which phone button offers the service. A new service defaults to V(Standard IP Phone Service).
    type: str
    choices: [Standard IP Phone Service, Directories, Messages]
  vendor:
    description: Vendor (Java MIDlet services), at most 64 characters.
    type: str
  version:
    description: Version (Java MIDlet services), at most 16 digits and periods.
    type: str
  enabled:
    description: Whether the service is enabled. CUCM enables a new service unless told otherwise.
    type: bool
  enterprise_subscription:
    description:
      - Give the service to every device of the cluster (no per-device subscription, no parameters).
      - CUCM sets it only when the service is created; AXL has no element to change it afterwards, so declaring a
        different value for an existing service fails without writing anything.
    type: bool
  parameters:
    description:
      - The service's subscription parameters. When declared, the service has exactly these parameters (an empty
        list removes them all); when not declared, they are left alone.
      - Parameters are compared by name, in any order. CUCM keeps no order for them (its database has no order
        column, and C(getIpPhoneServices) does not return them in the declared order), so declaring the same
        parameters in another order is no change.
      - Removing a parameter deletes every subscription's value for it.
      - New and removed parameters are sent as such (C(addParameters), C(removeParameters)); a changed parameter
        sends the whole list, which CUCM matches by name.
      - A parameter that is a password stays one only when declared with O(parameters[].password=true); declaring
        it without fails (nothing is written) unless O(unmark_passwords=true).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Query-string name of the parameter in the subscription URL (1 to 50 letters, digits and C(_./:;,-)).
        type: str
        required: true
      display_name:
        description: Name shown to administrators and users (1 to 50 characters). Defaults to O(parameters[].name).
        type: str
      default:
        description:
          - Default value for new subscriptions (at most 100 printable ASCII characters, no double quote).
          - The default of a password parameter is a secret, never shown (results and diffs show
            C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER)); M(voiceops.cucm.cucm_phone_service_info) returns it masked, and
            that masked value declared back keeps the current default.
        type: str
      description:
        description: Description (at most 255 characters, none of C(" % < >)).
        type: str
      required:
        description: A subscription must have a value for this parameter.
        type: bool
        default: false
      password:
        description:
          - The value is a password (CUCM's "Parameter is a Password (mask contents)"). Values of such parameters
            are never shown by this collection's modules.
        type: bool
        default: false
  unmark_passwords:
    description:
      - Allow O(parameters) to turn a password parameter into an ordinary one. Its subscribers' values are then
        no longer secrets for this collection (M(voiceops.cucm.cucm_phone_service_subscription_info) shows them),
        so the task warns when it does so.
      - Without it, a declaration that would unmark a password parameter fails without writing anything.
    type: bool
    default: false
    version_added: 1.1.0
  update_subscriptions:
    description:
      - After the service is in its declared state, rebuild the URL of every subscription of the service that is
        stale, like the administration page's B(Update Subscriptions). The task reports changed only when a
        subscription was stale.
      - Each device with a stale subscription is saved again through AXL once (C(updatePhone) or
        C(updateDeviceProfile) with its subscription list as read, without the stale URLs), which makes CUCM rebuild
        the URLs from the parameter values; a URL still stale after that is set by SQL to the service URL followed
        by the parameter values (percent-encoded). A stored URL is never sent back, so the repair cannot overwrite a
        value an agent set in Self Care, however CUCM treats a re-sent URL.
      - In check mode, reports how many subscriptions are stale and on which devices, and writes nothing.
      - Subscriptions are read in pages, so services with thousands of subscribers stay within AXL's limits.
    type: bool
    default: false
  update_subscriptions_devices:
    description:
      - With O(update_subscriptions=true), repair only the subscriptions of these phones and device profiles (names),
        read device by device; other devices are neither read nor saved. For event-driven repair of the one device
        whose subscriptions just changed (see R(the change feed guide,ansible_collections.voiceops.cucm.docsite.eda)).
      - A name that is not a device, or a device without a subscription to the service, is simply not repaired.
    type: list
    elements: str
    version_added: 1.1.0
notes:
  - Subscription parameter values live only in CUCM's database (AXL has no element for them); see
    M(voiceops.cucm.cucm_phone_service_subscription).
seealso:
  - module: voiceops.cucm.cucm_phone_service_info
  - module: voiceops.cucm.cucm_phone_service_subscription
  - module: voiceops.cucm.cucm_phone_service_subscription_info
"""

EXAMPLES = r"""
- name: The UCCX IP Phone Agent login service
  voiceops.cucm.cucm_phone_service:
    name: IPPA
    description: UCCX IP Phone Agent
    url: "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
    parameters:
      - name: username
        display_name: Agent ID
        required: true
      - name: password
        display_name: Agent password
        required: true
        password: true
      - name: extension
        display_name: Agent extension
        required: true

- name: Agents changed their password in Self Care; make their phones send it (like "Update Subscriptions")
  voiceops.cucm.cucm_phone_service:
    name: IPPA
    update_subscriptions: true
  register: ippa

- name: How many subscriptions are stale, without changing anything
  voiceops.cucm.cucm_phone_service:
    name: IPPA
    update_subscriptions: true
  check_mode: true
  register: stale

- name: Retire a service (and every subscription to it)
  voiceops.cucm.cucm_phone_service:
    name: Old Directory
    state: absent
"""

RETURN = r"""
service:
  description: The service after the task (what it would be, in check mode). Empty when O(state=absent).
  returned: always
  type: dict
  sample:
    name: IPPA
    uuid: "{42A823C7-C432-4D04-B57B-8C5B90F762B0}"
    url: "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
    description: UCCX IP Phone Agent
    category: XML Service
    type: Standard IP Phone Service
    parameters:
      - {name: username, display_name: Agent ID, default: "", description: "", required: true, password: false}
      - {name: password, display_name: Agent password, default: "", description: "", required: true, password: true}
      - {name: extension, display_name: Agent extension, default: "", description: "", required: true, password: false}
subscriptions:
  description:
    - What O(update_subscriptions) found and did. Never contains a parameter value.
  returned: when O(update_subscriptions=true) and O(state=present)
  type: dict
  contains:
    stale:
      description: How many subscriptions of the service had (or, in check mode, have) a stale URL.
      type: int
      sample: 1
    devices:
      description: Names of the phones and device profiles with a stale subscription, sorted.
      type: list
      elements: str
      sample: [SEP0A0000000001]
    rebuilt_by_save:
      description: Stale subscriptions fixed by saving their device again through AXL.
      type: int
      returned: when something was stale and not in check mode
      sample: 1
    rebuilt_by_sql:
      description: Stale subscriptions the re-save did not fix, whose URLs were then set by SQL.
      type: int
      returned: when something was stale and not in check mode
      sample: 0
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import ensure
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone_service import (
    PhoneService, password_defaults, update_subscriptions)


def main():
    resource = PhoneService()
    module = CucmModule(resource.argument_spec(), secret_values=password_defaults)
    resource.hide = module.hide
    resource.warn = module.warn

    def run():
        params = module.params
        if params["update_subscriptions_devices"] is not None and not params["update_subscriptions"]:
            raise CucmError("update_subscriptions_devices: only with update_subscriptions=true. Nothing was written.")
        if any(not (d or "").strip() for d in params["update_subscriptions_devices"] or ()):
            raise CucmError("update_subscriptions_devices: a device name is empty. Nothing was written.")
        result = ensure(module, resource)
        if params["update_subscriptions"] and params["state"] == "present":
            report = update_subscriptions(module.client, params["name"], module.check_mode,
                                          planned=params if module.check_mode else None,
                                          devices=params["update_subscriptions_devices"])
            result["subscriptions"] = report
            result["changed"] = result["changed"] or report["stale"] > 0
        return result

    module.run(run)


if __name__ == "__main__":
    main()
