# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of every voiceops.cucm module (plugins/action/<module>.py subclass it).

It runs the module as ansible-core's ``normal`` action does, after putting back as text the values
that ansible-core 2.19 and later turned into numbers although they were quoted: AWX and AAP pass
survey answers as ``!unsafe '0042'``, which those versions read as 34 (see
plugin_utils/exact_text.py).  A number that was never quoted reaches the module unchanged, and the
module refuses it where it expects text.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.voiceops.cucm.plugins.plugin_utils.exact_text import restore


class CucmAction(ActionBase):

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(CucmAction, self).run(tmp, task_vars)
        del tmp
        wrap_async = self._task.async_val and not getattr(self._connection, "has_native_async", False)
        result = merge_hash(result, self._execute_module(module_args=restore(self._task.args), task_vars=task_vars,
                                                         wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
