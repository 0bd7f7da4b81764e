# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module wrapper every voiceops.cucm module uses: connection options (with ``CUCM_*``
environment fallbacks), the AXL client of the task, and errors turned into clean failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.voiceops.cucm.plugins.module_utils import axl
from ansible_collections.voiceops.cucm.plugins.module_utils.axl_schema import VERSIONS

# Named cucm_* because cucm_end_user's own ``password`` is the end user's password.
CONNECTION_OPTIONS = dict(
    cucm_host=dict(type="str", required=True, fallback=(env_fallback, ["CUCM_HOST"])),
    cucm_port=dict(type="int", default=8443, fallback=(env_fallback, ["CUCM_PORT"])),
    cucm_username=dict(type="str", required=True, fallback=(env_fallback, ["CUCM_USERNAME"])),
    cucm_password=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["CUCM_PASSWORD"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["CUCM_VALIDATE_CERTS"])),
    ca_path=dict(type="path", fallback=(env_fallback, ["CUCM_CA_PATH"])),
    axl_version=dict(type="str", choices=list(VERSIONS), fallback=(env_fallback, ["CUCM_AXL_VERSION"])),
    timeout=dict(type="int", default=30, fallback=(env_fallback, ["CUCM_TIMEOUT"])),
    retry_budget=dict(type="int", default=300, fallback=(env_fallback, ["CUCM_RETRY_BUDGET"])),
    retry_delay=dict(type="float", default=2.0, fallback=(env_fallback, ["CUCM_RETRY_DELAY"])),
)


class CucmError(Exception):
    """A failure to report to the user as it is (the message names the option at fault)."""

    def __init__(self, message, **details):
        super(CucmError, self).__init__(message)
        self.details = details


class CucmModule(object):
    """AnsibleModule plus the task's AXL client (created on first use, closed at exit)."""

    def __init__(self, argument_spec, supports_check_mode=True, **kwargs):
        spec = dict(CONNECTION_OPTIONS)
        spec.update(argument_spec)
        self.ansible = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        if not axl.HAS_LXML:
            self.ansible.fail_json(msg=missing_required_lib("lxml"))
        self._client = None

    @property
    def params(self):
        return self.ansible.params

    @property
    def check_mode(self):
        return self.ansible.check_mode

    @property
    def diff_mode(self):
        return self.ansible._diff

    def warn(self, message):
        self.ansible.warn(message)

    @property
    def client(self):
        if self._client is None:
            p = self.params
            if not p["validate_certs"]:
                self.warn("validate_certs is false: the TLS certificate of %s is not checked, so anyone on the path "
                          "can read the AXL credentials. Use ca_path instead outside a lab." % p["cucm_host"])
            self._client = axl.AxlClient(
                p["cucm_host"], p["cucm_username"], p["cucm_password"], port=p["cucm_port"], validate_certs=p["validate_certs"],
                ca_path=p["ca_path"], axl_version=p["axl_version"], timeout=p["timeout"],
                retry_budget=p["retry_budget"], retry_delay=p["retry_delay"])
        return self._client

    def run(self, main):
        """Call ``main()`` (which returns the result dict) and exit, failing cleanly on errors."""
        try:
            result = main()
        except (axl.AxlError, CucmError) as exc:
            details = getattr(exc, "details", {}) or {}
            self._close()
            self.ansible.fail_json(msg=str(exc), **details)
        except Exception as exc:  # a bug: fail with the traceback, never with parameter values
            self._close()
            self.ansible.fail_json(msg="unexpected error: %s: %s" % (type(exc).__name__, exc),
                                   exception=traceback.format_exc())
        self._close()
        self.ansible.exit_json(**result)

    def _close(self):
        if self._client is not None:
            self._client.close()
