#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_phone_service_info
short_description: Read CUCM IP phone service definitions
version_added: 1.0.0
description:
  - Read the IP phone services whose name matches O(name) (SQL C(%) wildcards) with their parameters, in the input
    shape of M(voiceops.cucm.cucm_phone_service).
  - The default of a password parameter is returned as C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER) (a secret);
    M(voiceops.cucm.cucm_phone_service) keeps the current default when given that value back.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.INFO_ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  name:
    description: Service name, or a pattern with C(%) wildcards. C(%) reads every service.
    type: str
    default: "%"
seealso:
  - module: voiceops.cucm.cucm_phone_service
  - module: voiceops.cucm.cucm_phone_service_subscription_info
"""

EXAMPLES = r"""
- name: Export every phone service definition
  voiceops.cucm.cucm_phone_service_info:
  register: services
"""

RETURN = r"""
services:
  description: The matching services in the input shape of M(voiceops.cucm.cucm_phone_service), sorted by name.
  returned: always
  type: list
  elements: dict
  sample:
    - name: IPPA
      url: "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
      secure_url: ""
      description: UCCX IP Phone Agent
      category: XML Service
      type: Standard IP Phone Service
      vendor: ""
      version: ""
      enabled: true
      enterprise_subscription: false
      parameters:
        - {name: username, display_name: Agent ID, default: "", description: "", required: true, password: false}
read_only:
  description: What CUCM keeps about each service that is not an option, keyed by service name.
  returned: always
  type: dict
  sample:
    IPPA:
      uuid: "{42A823C7-C432-4D04-B57B-8C5B90F762B0}"
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import MASK, as_input
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone_service import (
    PhoneService, read_service, service_names)


def main():
    resource = PhoneService()
    module = CucmModule(dict(name=dict(type="str", default="%")))

    def run():
        services, read_only = [], {}
        for name in sorted(set(service_names(module.client, module.params["name"]))):
            found = read_service(module.client, name)
            if found is None:
                continue
            for parameter in found["parameters"]:       # a password parameter's default is a secret too
                if parameter["password"] and parameter["default"]:
                    parameter["default"] = MASK
            services.append(as_input(resource, name, found))
            read_only[name] = dict(uuid=found["_uuid"])
        return dict(changed=False, services=services, read_only=read_only)

    module.run(run)


if __name__ == "__main__":
    main()
