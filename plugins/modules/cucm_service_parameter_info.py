#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_service_parameter_info
short_description: Read CUCM enterprise parameters and service parameters
version_added: 1.1.0
description:
  - Reads the parameters of one service on one server (by default the enterprise parameters), all of them or those
    named in O(names), in the input shape of M(voiceops.cucm.cucm_service_parameter), so that a result can be fed back
    as input.
  - Values are shown as M(voiceops.cucm.cucm_service_parameter) compares them (booleans, integers, enumeration labels)
    for the parameters the collection documents, and for the others by the type CUCM gives (C(boolean), C(long)) or as
    text. The internal name, CUCM's value type, the value as CUCM returned it and the documented default are in
    RV(read_only).
  - One C(listServiceParameter) (paged) reads them. Available in AXL 11.5, 12.5, 14.0 and 15.0.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.INFO_ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  service:
    description: The service whose parameters to read.
    type: str
    default: Enterprise Wide
  process_node:
    description:
      - The server, as System > Server shows it. Required for services other than V(Enterprise Wide) (whose parameters
        belong to C(EnterpriseWideData)).
    type: str
  names:
    description:
      - Only these parameters (page names or internal names). A name the service does not have fails the task.
      - Omitted, every parameter of the service on that server is read.
    type: list
    elements: str
seealso:
  - module: voiceops.cucm.cucm_service_parameter
  - ref: ansible_collections.voiceops.cucm.docsite.service_parameters
    description: The parameters the collection documents.
"""

EXAMPLES = r"""
- name: Read the Self Care Portal options
  voiceops.cucm.cucm_service_parameter_info:
    names:
      - Self Care Portal Default Server
      - Show Call Forwarding
      - Show Phones Ready To Activate
  register: self_care

- name: Every Extension Mobility service parameter of the publisher
  voiceops.cucm.cucm_service_parameter_info:
    service: Cisco Extension Mobility
    process_node: cucm-pub.example.com

- name: Apply the same options to another cluster
  voiceops.cucm.cucm_service_parameter:
    parameters: "{{ self_care.parameters }}"
"""

RETURN = r"""
parameters:
  description:
    - The parameters in the input shape of M(voiceops.cucm.cucm_service_parameter), sorted by internal name.
      C(process_node) is given for services other than V(Enterprise Wide).
  returned: always
  type: list
  elements: dict
  sample:
    - {name: Show Call Forwarding, value: true, service: Enterprise Wide}
    - {name: CCMUserShowDownload, value: true, service: Enterprise Wide}
read_only:
  description:
    - What else CUCM says of each parameter, keyed by the C(name) of RV(parameters).
    - C(documented) tells whether the collection documents the parameter (it then knows its page name, type and
      default, and C(choices) of an enumeration).
  returned: always
  type: dict
  sample:
    Show Call Forwarding:
      internal_name: CCMUserShowCallForward
      value_type: boolean
      raw_value: "T"
      documented: true
      default: true
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.resources import service_parameter


def main():
    module = CucmModule(dict(service=dict(type="str", default=service_parameter.ENTERPRISE_SERVICE),
                             process_node=dict(type="str"), names=dict(type="list", elements="str")))

    def run():
        parameters, read_only = service_parameter.gather(module.client, module.params["service"],
                                                         module.params["process_node"], module.params["names"])
        return dict(changed=False, parameters=parameters, read_only=read_only)

    module.run(run)


if __name__ == "__main__":
    main()
