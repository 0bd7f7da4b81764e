# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of cucm_number_pool_info: survey answers taken exactly (see plugin_utils/action.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.voiceops.cucm.plugins.plugin_utils.action import CucmAction


class ActionModule(CucmAction):
    pass
