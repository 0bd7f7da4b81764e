# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The ``lines`` option of the device modules (cucm_phone, cucm_device_profile): one text for both.

    DOCUMENTATION = r"""
options:
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
        suboptions: &line_fields
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
        suboptions: *line_fields
      set:
        description: The complete list of lines.
        type: list
        elements: dict
        suboptions: *line_fields
"""
