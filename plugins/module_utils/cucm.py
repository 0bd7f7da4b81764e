# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module wrapper every voiceops.cucm module uses: connection options (with ``CUCM_*``
environment fallbacks), the AXL client of the task, and errors turned into clean failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.parameters import AnsibleFallbackNotFound
from ansible.module_utils.errors import NoLogError

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, identity
from ansible_collections.voiceops.cucm.plugins.module_utils.sql import SqlValueError
from ansible_collections.voiceops.cucm.plugins.module_utils.axl_schema import VERSIONS


def env_fallback(*names):
    """The first of the environment variables that is set and not empty.  AWX injects every
    field of a credential, empty ones as empty strings, which must count as "not set"."""
    for name in names:
        if os.environ.get(name, "") != "":
            return os.environ[name]
    raise AnsibleFallbackNotFound


# Named cucm_* because cucm_end_user's own ``password`` is the end user's password.
# (Numbers that must not be negative are checked in CucmModule: NON_NEGATIVE.)
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


NON_NEGATIVE = ("cucm_port", "timeout", "retry_budget", "retry_delay")


def number_problems(spec, params, prefix=""):
    """Where ``params`` holds a number (or boolean) for a text option of the argument ``spec``: the
    option's path and why, as messages.  Ansible would turn ``pin: 0123`` into the text "83" without a
    word; identities and secrets must be taken exactly or not at all.  Options with ``choices`` are
    left to Ansible (``axl_version: 14.0`` can only become one of them)."""
    out = []
    if not isinstance(params, dict):
        return out
    for name, option in spec.items():
        value = params.get(name)
        if value is None:
            continue
        label = prefix + name
        kind = option.get("type", "str")
        if kind == "str" and not option.get("choices"):
            reason = identity.number_problem(value, shown=not option.get("no_log"))
            if reason:
                out.append("%s: %s" % (label, reason))
        elif kind == "list" and isinstance(value, list):
            for index, item in enumerate(value):
                if option.get("elements") == "str":
                    reason = identity.number_problem(item, shown=not option.get("no_log"))
                    if reason:
                        out.append("%s[%d]: %s" % (label, index, reason))
                elif option.get("options"):
                    out += number_problems(option["options"], item, "%s[%d]." % (label, index))
        elif kind == "dict" and option.get("options"):
            out += number_problems(option["options"], value, label + ".")
    return out


class CucmError(Exception):
    """A failure to report to the user as it is (the message names the option at fault)."""

    def __init__(self, message, **details):
        super(CucmError, self).__init__(message)
        self.details = details


def _leaves(value):
    """The scalar values inside an option's value (nested dicts and lists walked), as text."""
    stack, out = [value], set()
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif item is not None and not isinstance(item, bool) and str(item):
            out.add(str(item))
    return out


def _naming_option(validation, msg):
    """The argument spec failure ``msg``, unless it is ansible-core's no_log scan of a malformed
    sub-option value ("dictionary requested, could not parse JSON or key=value"), which it lists
    first and which names no option: then the errors that do name it."""
    errors = list(getattr(getattr(validation, "errors", None), "errors", None) or [])
    if not errors or not isinstance(errors[0], NoLogError) or msg != validation.errors.msg:
        return msg
    named = [str(e) for e in errors if not isinstance(e, NoLogError)]
    return "; ".join(named) if named else msg


class _AnsibleModule(AnsibleModule):
    """AnsibleModule that keeps every value of the ``deferred_no_log`` options out of what it
    reports (result, failure, invocation, the syslog line) until the module has learnt which of
    them are secrets and called :meth:`CucmModule.hide`.

    Some secrets can only be recognised from CUCM's data: a phone-service subscription parameter is
    a password when the service says so.  Until the service has been read, a failure (bad
    arguments, no connection) must not echo those values in ``invocation``; marking the whole
    option ``no_log`` instead would mask unrelated output for good (Ansible masks substrings).
    """

    def __init__(self, *args, **kwargs):
        self._deferred_no_log = tuple(kwargs.pop("deferred_no_log", ()))
        self._secret_values = kwargs.pop("secret_values", None)
        self._deferred_extra = set()
        self.number_problems = []
        super(_AnsibleModule, self).__init__(*args, **kwargs)

    def _load_params(self):
        # the parameters as the task gave them, before Ansible converts numbers to text
        super(_AnsibleModule, self)._load_params()
        self.number_problems = number_problems(self.argument_spec, self.params)

    def _deferred_values(self):
        params = getattr(self, "params", None) or {}
        values = set(self._deferred_extra)
        for name in self._deferred_no_log:
            values |= set(str(v) for v in name(params) if v) if callable(name) else _leaves(params.get(name))
        if self._secret_values is not None:
            values |= set(v for v in self._secret_values(params) if v)
        return values

    def _log_invocation(self):
        extra = self._deferred_values() - self.no_log_values
        self.no_log_values.update(extra)
        try:
            super(_AnsibleModule, self)._log_invocation()
        finally:
            self.no_log_values.difference_update(extra)

    def exit_json(self, **kwargs):
        self.no_log_values.update(self._deferred_values())
        super(_AnsibleModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self.no_log_values.update(self._deferred_values())
        super(_AnsibleModule, self).fail_json(_naming_option(getattr(self, "validation_result", None), msg), **kwargs)


class CucmModule(object):
    """AnsibleModule plus the task's AXL client (created on first use, closed at exit).

    ``deferred_no_log`` names options whose values may hold secrets that only CUCM's data can tell
    (an entry may also be a function of the parameters returning the values to keep out)
    (see :class:`_AnsibleModule`); the module reveals them with :meth:`hide` once it knows.
    ``secret_values(params)`` returns values that the parameters themselves mark as secrets inside an
    option that is not ``no_log`` (a phone service's password parameter defaults); they are hidden
    from the start, also when argument validation fails.
    """

    def __init__(self, argument_spec, supports_check_mode=True, deferred_no_log=(), secret_values=None, **kwargs):
        spec = dict(CONNECTION_OPTIONS)
        spec.update(argument_spec)
        self.ansible = _AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode,
                                      deferred_no_log=deferred_no_log, secret_values=secret_values, **kwargs)
        if not axl.HAS_LXML:
            self.ansible.fail_json(msg=missing_required_lib("lxml"))
        problems = self.ansible.number_problems + [
            "%s must not be negative (got %s)" % (name, self.params[name])
            for name in NON_NEGATIVE if self.params.get(name) is not None and self.params[name] < 0]
        if problems:
            self.ansible.fail_json(msg="; ".join(problems) + ". Nothing was written.")
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

    def hide(self, secrets):
        """Never show these values (results, diffs, warnings, invocation); from now on only they,
        not every value of the ``deferred_no_log`` options, are hidden."""
        self.ansible.no_log_values.update(v for v in secrets if v)
        self.ansible._deferred_no_log = ()
        self.ansible._deferred_extra = set()

    def defer(self, values):
        """Keep these values (read from a file the module was given, say) out of everything reported,
        as the ``deferred_no_log`` options are, until :meth:`hide` says which of them are secrets."""
        self.ansible._deferred_extra.update(v for v in values if v)

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
        except (axl.AxlError, CucmError, axl.SchemaError, SqlValueError) as exc:
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
