#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_number_pool_info
short_description: Free directory numbers of number ranges, after a retention period
version_added: 1.1.0
description:
  - Returns up to O(count) free directory numbers of O(ranges), lowest first, without changing anything.
  - A number is free when its range's partition has no line with it, or when its line was released to the pool
    (its description is a release marker, C(released YYYY-MM-DD <userid>), written by the C(voiceops.cucm.leavers)
    role and by M(voiceops.cucm.cucm_number_reservation)), the release is at least O(retention_days) old, no device or
    device profile has the line and it is nobody's primary extension. A line with any other description, with a
    reservation marker, or in use, is never free. See R(the joiners guide,ansible_collections.voiceops.cucm.docsite.joiners)
    for the marker format.
  - The number of AXL requests does not depend on the size of the ranges - one C(executeSQLQuery) checks the
    partitions, then each range's existing lines are read in order, 1,000 at a time, until O(count) free numbers are
    known; the gaps between the lines are computed by the module. E.164 numbers (C(+14085550100)) are matched in
    the form CUCM stores them (C(\+14085550100)) as well as with a plain C(+).
  - To take numbers, use M(voiceops.cucm.cucm_number_reservation) - this module's answer can be out of date a moment
    later.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.INFO_ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  ranges:
    description:
      - The number ranges of the pool, searched in this order. Ranges in the same partition must not overlap.
    type: list
    elements: dict
    required: true
    suboptions:
      start:
        description:
          - The first number, digits optionally after a C(+) (E.164); quote it in YAML. O(ranges[].start) and
            O(ranges[].end) have the same form and the same number of digits.
        type: str
        required: true
      end:
        description: The last number (inclusive).
        type: str
        required: true
      partition:
        description: The route partition of the range's lines; omitted or empty for no partition.
        type: str
        default: ""
  retention_days:
    description: How many days a released number stays out of the pool before it is given to someone else.
    type: int
    default: 90
  count:
    description: How many free numbers to return (1 to 10000).
    type: int
    default: 1
  as_of:
    description:
      - The day (YYYY-MM-DD) the retention period is counted to; default today (UTC). Useful to plan ahead, and in
        tests.
    type: str
"""

EXAMPLES = r"""
- name: Five free numbers of the Berlin range (released numbers come back after 90 days)
  voiceops.cucm.cucm_number_pool_info:
    ranges:
      - {start: "+4930555000", end: "+4930555999", partition: Internal_PT}
    retention_days: 90
    count: 5
  register: pool

- name: Show them
  ansible.builtin.debug:
    msg: "{{ pool.numbers | map(attribute='number') | list }}"
"""

RETURN = r"""
numbers:
  description:
    - Free numbers, lowest first (ranges in the order given), at most O(count). C(line) says whether a released line
      exists for the number (then C(pattern), C(uuid), C(released_on) and C(released_by), the user tag of the
      marker, are given).
  returned: always
  type: list
  elements: dict
  sample: [{number: "1000", partition: Internal_PT, range: 0, line: false},
           {number: "1004", partition: Internal_PT, range: 0, line: true, pattern: "1004", uuid: "{...}",
            released_on: "2026-01-10", released_by: jdoe}]
exhausted:
  description: Whether the ranges hold fewer than O(count) free numbers.
  returned: always
  type: bool
lines_read:
  description: How many existing lines of the ranges were read.
  returned: always
  type: int
requests:
  description: How many AXL requests the module sent.
  returned: always
  type: int
ignored_patterns:
  description: Patterns in a range that are not plain numbers (wildcards); they do not make a number busy.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.voiceops.cucm.plugins.module_utils import number_pool
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, CucmModule


def main():
    module = CucmModule(dict(
        ranges=dict(type="list", elements="dict", required=True, options=dict(
            start=dict(type="str", required=True), end=dict(type="str", required=True),
            partition=dict(type="str", default=""))),
        retention_days=dict(type="int", default=90),
        count=dict(type="int", default=1),
        as_of=dict(type="str"),
    ))

    def run():
        p = module.params
        if not 1 <= p["count"] <= number_pool.MAX_COUNT:
            raise CucmError("count: give 1 to %d" % number_pool.MAX_COUNT)
        ranges = number_pool.parse_ranges(p["ranges"])
        pool = number_pool.Pool(module.client, ranges, p["retention_days"], number_pool.today(p["as_of"]))
        numbers = []
        for candidate in pool.candidates():
            numbers.append(number_pool.describe(*candidate))
            if len(numbers) == p["count"]:
                break
        if pool.ignored:
            module.warn("patterns that are not plain numbers are in the ranges and were ignored: %s"
                        % ", ".join(sorted(set(pool.ignored))[:20]))
        return dict(changed=False, numbers=numbers, exhausted=len(numbers) < p["count"], lines_read=pool.scanned,
                    requests=module.client.totals()["requests"], ignored_patterns=sorted(set(pool.ignored)))

    module.run(run)


if __name__ == "__main__":
    main()
