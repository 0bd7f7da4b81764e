#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_phone_info
short_description: Read CUCM phones
version_added: 1.1.0
description:
  - Read one phone by O(name), or the phones whose name matches a C(%) wildcard pattern (C(listPhone), then
    C(getPhone) for each).
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.INFO_ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  name:
    description: The name, or a pattern with C(%) wildcards.
    type: str
    required: true
  max_devices:
    description: At most this many phones are returned for a C(%) pattern.
    type: int
    default: 500
seealso:
  - module: voiceops.cucm.cucm_phone
"""

EXAMPLES = r"""
- name: Read one
  voiceops.cucm.cucm_phone_info:
    name: CSFAAGENT
  register: found
"""

RETURN = r"""
phones:
  description:
    - The phones found, in the option names of M(voiceops.cucm.cucm_phone) plus C(uuid) and C(model), sorted by name;
      empty when none.
  returned: always
  type: list
  elements: dict
  sample:
    - name: CSFAAGENT
      product: Cisco 8865
      model: Cisco 8865
      protocol: SIP
      lines:
        - {pattern: "4100", partition: Internal_PT, index: 1, display: Ann Agent, label: "", external_phone_number_mask: ""}
"""

import itertools

from ansible_collections.voiceops.cucm.plugins.module_utils import axl
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone import Phone


def main():
    resource = Phone()
    module = CucmModule(dict(name=dict(type="str", required=True), max_devices=dict(type="int", default=500)))

    def run():
        client, name = module.client, module.params["name"]
        if not name:
            raise CucmError("name must not be empty")
        if "%" in name:
            found = client.list_paged("listPhone", {"searchCriteria": {"name": name}, "returnedTags": {"name": ""}},
                                      resource.element, page_size=min(max(module.params["max_devices"], 1), 1000))
            names = [e.findtext("name") for e in itertools.islice(found, max(module.params["max_devices"], 0))]
        else:
            names = [name]
        devices = []
        for each in names:
            try:
                answer = client.call(resource.get_op, {"name": each, "returnedTags": dict(resource.returned_tags(), model="")})
            except axl.AxlFault as fault:
                if fault.not_found:
                    continue
                raise
            element = answer.find(".//" + resource.element)
            if element is not None and ("%" in name or element.findtext("name") == name):
                devices.append(resource.record(element))
        return {"changed": False, "phones": sorted(devices, key=lambda d: d["name"])}

    module.run(run)


if __name__ == "__main__":
    main()
