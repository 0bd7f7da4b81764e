# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module runs through the collection's action plugin (survey answers read back exactly)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os

import pytest

from ansible_collections.voiceops.cucm.plugins.plugin_utils.action import CucmAction

PLUGINS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins")
MODULES = sorted(f[:-3] for f in os.listdir(os.path.join(PLUGINS, "modules")) if f.startswith("cucm_") and f.endswith(".py"))


def test_modules_found():
    assert "cucm_end_user" in MODULES and len(MODULES) >= 12


@pytest.mark.parametrize("module", MODULES)
def test_every_module_has_the_action_plugin(module):
    action = importlib.import_module("ansible_collections.voiceops.cucm.plugins.action.%s" % module)
    assert issubclass(action.ActionModule, CucmAction)
