# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Extension Mobility user device profiles: the option table shared by cucm_device_profile and
cucm_device_profile_info (the device behaviour, lines included, is the one of ``phone.Device``).  Users get a
profile through ``cucm_end_user``'s ``em_profiles``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.voiceops.cucm.plugins.module_utils.engine import Option
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone import (
    DEVICE_NAME, DEVICE_NAME_HINT, Device, Lines)

PROFILE_OPTIONS = (
    Option("product", "product", sql=True, ref="product"),
    Option("protocol", "protocol"),
    Option("description", "description", max_len=128),
    Option("phone_template", "phoneTemplateName", ref="phone_template", sql=True),
    Option("softkey_template", "softkeyTemplateName", ref="softkey_template", sql=True),
    Option("user_locale", "userLocale", ref="locale", sql=True),
    Lines(),
)


class DeviceProfile(Device):
    noun = "device profile"
    key = Option("name", max_len=50, pattern=DEVICE_NAME, pattern_hint=DEVICE_NAME_HINT)
    options = PROFILE_OPTIONS
    result_key = "device_profile"
    get_op, add_op, update_op, remove_op = "getDeviceProfile", "addDeviceProfile", "updateDeviceProfile", "removeDeviceProfile"
    element = "deviceProfile"
    device_class = "Device Profile"
