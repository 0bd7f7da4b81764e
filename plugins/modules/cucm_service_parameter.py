#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_service_parameter
short_description: Set CUCM enterprise parameters and service parameters, such as the Self Care Portal options
version_added: 1.1.0
description:
  - Sets enterprise parameters (System > Enterprise Parameters, for example the Self Care Portal Parameters that decide
    what end users may change in the portal) and service parameters (System > Service Parameters, per server and
    service), one or many in one task.
  - A parameter is named as the administration page shows it (V(Show Call Forwarding)) when the collection documents
    it (see R(the service parameter guide,ansible_collections.voiceops.cucm.docsite.service_parameters)), or by its
    internal name (V(CCMUserShowCallForward)) for any parameter; M(voiceops.cucm.cucm_service_parameter_info) lists
    the internal names of a service.
  - Values compare by type, so that a declaration matches what CUCM has however it is spelt. Booleans take V(true) and
    V(false) (also C(yes)/C(no), C(t)/C(f), C(1)/C(0)); integers are checked against the range CUCM allows;
    enumerations take the label the page shows (V(Minimum)); other values compare as text.
  - Every declared parameter is read first (one C(listServiceParameter) per server and service) and every value is
    checked before anything is written; then only the parameters whose value differs are written, one
    C(updateServiceParameter) each. Nothing is written in check mode.
  - Available in AXL 11.5, 12.5, 14.0 and 15.0.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  name:
    description:
      - The parameter's name, as the administration page shows it or its internal name, for a single parameter.
      - Mutually exclusive with O(parameters).
    type: str
  value:
    description:
      - The value O(name) should have. Required with O(name).
    type: raw
  service:
    description:
      - The service of O(name). Enterprise parameters belong to V(Enterprise Wide).
    type: str
    default: Enterprise Wide
  process_node:
    description:
      - The server whose service parameter O(name) is, as System > Server shows it. Required for services other than
        V(Enterprise Wide), whose parameters belong to the cluster-wide node C(EnterpriseWideData).
    type: str
  parameters:
    description:
      - Several parameters in one task, each with C(name), C(value) and, unless it is an enterprise parameter,
        C(service) and C(process_node). Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: The parameter's name (page name or internal name).
        type: str
        required: true
      value:
        description: Its value.
        type: raw
        required: true
      service:
        description: Its service.
        type: str
        default: Enterprise Wide
      process_node:
        description: Its server, for services other than V(Enterprise Wide).
        type: str
notes:
  - A boolean is written as C(T) or C(F), the form CUCM's database keeps (B(UNCONFIRMED) that AXL wants this form on
    every release; the module reads any of C(T), C(true), C(t), C(1)). Internal names and enumeration codes that Cisco
    does not publish are listed as B(UNCONFIRMED) in the guide.
  - A parameter CUCM refuses stops the task; the parameters written before it stay written and are named in the error.
seealso:
  - module: voiceops.cucm.cucm_service_parameter_info
  - ref: ansible_collections.voiceops.cucm.docsite.service_parameters
    description: The parameters the collection documents, with their internal names and values.
"""

EXAMPLES = r"""
- name: Self Care Portal options (the second step of Cisco's Self Care task flow)
  voiceops.cucm.cucm_service_parameter:
    parameters:
      - name: Self Care Portal Default Server
        value: cucm-pub.example.com
      - name: Show Call Forwarding
        value: false
      - name: Show Phones Ready To Activate
        value: true

- name: One enterprise parameter by its internal name
  voiceops.cucm.cucm_service_parameter:
    name: CCMUserShowRingSettings
    value: false

- name: A service parameter of one server
  voiceops.cucm.cucm_service_parameter:
    name: Multiple Login Behavior
    value: Auto Logout
    service: Cisco Extension Mobility
    process_node: cucm-pub.example.com
"""

RETURN = r"""
parameters:
  description:
    - Every declared parameter with the value it has now (in check mode, would have), in the declared order.
    - C(name) is the page name when the collection documents the parameter, else the internal name; C(default) is given
      for documented parameters.
  returned: always
  type: list
  elements: dict
  sample:
    - name: Show Call Forwarding
      internal_name: CCMUserShowCallForward
      service: Enterprise Wide
      process_node: EnterpriseWideData
      value: false
      default: true
      changed: true
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.resources import service_parameter


def main():
    item = dict(name=dict(type="str", required=True), value=dict(type="raw", required=True),
                service=dict(type="str", default=service_parameter.ENTERPRISE_SERVICE), process_node=dict(type="str"))
    module = CucmModule(
        dict(name=dict(type="str"), value=dict(type="raw"),
             service=dict(type="str", default=service_parameter.ENTERPRISE_SERVICE), process_node=dict(type="str"),
             parameters=dict(type="list", elements="dict", options=item)),
        mutually_exclusive=[("name", "parameters")],
        required_one_of=[("name", "parameters")],
        required_by={"name": ("value",)},
    )
    module.run(lambda: service_parameter.converge(module))


if __name__ == "__main__":
    main()
