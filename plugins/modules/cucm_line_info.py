#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_line_info
short_description: Read CUCM directory numbers (lines)
version_added: 1.1.0
description:
  - Read one line by its O(pattern) and O(partition), or the lines whose pattern matches a C(%) wildcard pattern.
  - An exact pattern is read with C(getLine) (an E.164 number as C(+1408...) or C(\\+1408...)); a pattern with C(%) is
    searched with C(listLine) and each match read with C(getLine).
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.INFO_ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  pattern:
    description:
      - The directory number, or a C(listLine) search pattern with C(%) wildcards (C(41%)). Quote it in YAML.
    type: str
    required: true
  partition:
    description:
      - The route partition. With an exact O(pattern), empty or left out means no partition. With a C(%) pattern,
        only lines of this partition are returned (left out, every partition).
    type: str
  max_lines:
    description: At most this many lines are returned for a C(%) pattern.
    type: int
    default: 500
seealso:
  - module: voiceops.cucm.cucm_line
"""

EXAMPLES = r"""
- name: Read a line
  voiceops.cucm.cucm_line_info:
    pattern: "4100"
    partition: Internal_PT
  register: found

- name: Every line of the 41xx range in Internal_PT
  voiceops.cucm.cucm_line_info:
    pattern: "41%"
    partition: Internal_PT
  register: range
"""

RETURN = r"""
lines:
  description:
    - The lines found, in the option names of M(voiceops.cucm.cucm_line), sorted by pattern; empty when none. C(pattern)
      is the stored form (an E.164 number with C(\+)); C(uuid) identifies the line.
  returned: always
  type: list
  elements: dict
  sample:
    - pattern: "4100"
      partition: Internal_PT
      uuid: "{2B4D6F80-1A3C-4E5F-8091-A2B3C4D5E6F7}"
      description: Ann Agent desk
      alerting_name: Ann Agent
      ascii_alerting_name: Ann Agent
      calling_search_space: Internal_CSS
      voice_mail_profile: Default
      call_forward_all: {destination: "", calling_search_space: "", forward_to_voicemail: false}
"""

import itertools

from ansible_collections.voiceops.cucm.plugins.module_utils import axl
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.line import RETURNED, line_record, stored_pattern


def main():
    module = CucmModule(dict(pattern=dict(type="str", required=True), partition=dict(type="str"),
                             max_lines=dict(type="int", default=500)))

    def run():
        client, params = module.client, module.params
        pattern, partition = params["pattern"], params["partition"]
        if not pattern:
            raise CucmError("pattern must not be empty")
        if "%" in pattern:
            criteria = {"pattern": pattern}
            if partition:
                criteria["routePartitionName"] = partition
            found = client.list_paged("listLine", {"searchCriteria": criteria, "returnedTags": {"pattern": ""}},
                                      "line", page_size=min(max(params["max_lines"], 1), 1000))
            uuids = [e.get("uuid") for e in itertools.islice(found, max(params["max_lines"], 0))]
            requests = [{"uuid": u} for u in uuids if u]
        else:
            requests = [{"pattern": stored_pattern(pattern), "routePartitionName": partition or ""}]
        lines = []
        for request in requests:
            try:
                answer = client.call("getLine", dict(request, returnedTags=RETURNED))
            except axl.AxlFault as fault:
                if fault.not_found:
                    continue
                raise
            element = answer.find(".//line")
            if element is not None:
                record = line_record(element)
                if "%" in pattern or record["partition"] == (partition or ""):
                    lines.append(record)
        return dict(changed=False, lines=sorted(lines, key=lambda r: (r["pattern"], r["partition"])))

    module.run(run)


if __name__ == "__main__":
    main()
