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


# One naming rule: every connection option is cucm_<name>, the name of its inventory variable and,
# in capitals, of its environment variable (cucm_ca_path, CUCM_CA_PATH).  The prefix is needed
# because cucm_end_user's own ``password`` is the end user's password.  The names the options had
# before 1.1.0 (validate_certs, ca_path, axl_version, timeout, retry_budget, retry_delay) stay as
# aliases.  (Numbers that must not be negative are checked in CucmModule: NON_NEGATIVE.)
CONNECTION_OPTIONS = dict(
    cucm_host=dict(type="str", required=True, fallback=(env_fallback, ["CUCM_HOST"])),
    cucm_port=dict(type="int", default=8443, fallback=(env_fallback, ["CUCM_PORT"])),
    cucm_username=dict(type="str", required=True, fallback=(env_fallback, ["CUCM_USERNAME"])),
    cucm_password=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["CUCM_PASSWORD"])),
    cucm_validate_certs=dict(type="bool", default=True, aliases=["validate_certs"],
                             fallback=(env_fallback, ["CUCM_VALIDATE_CERTS"])),
    cucm_ca_path=dict(type="path", aliases=["ca_path"], fallback=(env_fallback, ["CUCM_CA_PATH"])),
    cucm_axl_version=dict(type="str", choices=list(VERSIONS), aliases=["axl_version"],
                          fallback=(env_fallback, ["CUCM_AXL_VERSION"])),
    cucm_timeout=dict(type="int", default=30, aliases=["timeout"], fallback=(env_fallback, ["CUCM_TIMEOUT"])),
    cucm_retry_budget=dict(type="int", default=300, aliases=["retry_budget"], fallback=(env_fallback, ["CUCM_RETRY_BUDGET"])),
    cucm_retry_delay=dict(type="float", default=2.0, aliases=["retry_delay"], fallback=(env_fallback, ["CUCM_RETRY_DELAY"])),
    cucm_proxy=dict(type="str", fallback=(env_fallback, ["CUCM_PROXY"])),
)


NON_NEGATIVE = ("cucm_port", "cucm_timeout", "cucm_retry_budget", "cucm_retry_delay")
LIST_SUBOPTIONS = frozenset(("add", "remove", "set"))


def is_list_spec(option):
    """Whether an argument spec entry is an ``{add, remove, set}`` list option (see engine.Option)."""
    return option.get("type") == "dict" and set(option.get("options") or ()) == LIST_SUBOPTIONS


def plain_lists(spec, params, refused=()):
    """Take a plain list given for an ``{add, remove, set}`` list option as its ``set`` (``groups: [A]`` is
    ``groups: {set: [A]}``), in ``params`` (changed in place); return messages for the options of
    ``refused``, where a plain list is ambiguous and is taken out of ``params`` instead."""
    problems = []
    if not isinstance(params, dict):
        return problems
    for name, option in spec.items():
        value = params.get(name)
        if not isinstance(value, list) or not is_list_spec(option):
            continue
        if name in refused:
            del params[name]
            problems.append("%s: a plain list is not accepted here; write %s: {add: [...]} to add these, {remove: [...]} "
                            "to take them out, or {set: [...]} to make the list exactly these (removing every other one)"
                            % (name, name))
        else:
            params[name] = {"set": value}
    return problems


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
        self._plain_list_refused = tuple(kwargs.pop("plain_list_refused", ()))
        self._deferred_extra = set()
        self.number_problems = []
        super(_AnsibleModule, self).__init__(*args, **kwargs)

    def _load_params(self):
        # the parameters as the task gave them, before Ansible converts numbers to text
        super(_AnsibleModule, self)._load_params()
        # groups: [A] means groups: {set: [A]} (before Ansible's validation, which wants a dict, and before the
        # search for numbers, which then finds groups: [0123] too)
        shorthand = plain_lists(self.argument_spec, self.params, self._plain_list_refused)
        self.number_problems = number_problems(self.argument_spec, self.params) + shorthand

    def _deferred_values(self):
        params = getattr(self, "params", None) or {}
        values = set(self._deferred_extra)
        for name in self._deferred_no_log:
            values |= set(str(v) for v in name(params) if v) if callable(name) else _leaves(params.get(name))
        if self._secret_values is not None:
            values |= set(v for v in self._secret_values(params) if v)
        # a proxy URL's password (cucm_proxy, CUCM_PROXY or HTTPS_PROXY), from the start
        for url in (params.get("cucm_proxy"), os.environ.get("CUCM_PROXY")) + axl.environment_proxies():
            secret = axl.proxy_password(url)
            if secret:
                values.add(secret)
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

    def __init__(self, argument_spec, supports_check_mode=True, deferred_no_log=(), secret_values=None,
                 plain_list_refused=(), **kwargs):
        spec = dict(CONNECTION_OPTIONS)
        spec.update(argument_spec)
        self.ansible = _AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode,
                                      deferred_no_log=deferred_no_log, secret_values=secret_values,
                                      plain_list_refused=plain_list_refused, **kwargs)
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
            if not p["cucm_validate_certs"]:
                self.warn("cucm_validate_certs is false: the TLS certificate of %s is not checked, so anyone on the path "
                          "can read the AXL credentials. Use cucm_ca_path instead outside a lab." % p["cucm_host"])
            proxy = p["cucm_proxy"] if p["cucm_proxy"] is not None else axl.environment_proxy(p["cucm_host"])
            self._client = axl.AxlClient(
                p["cucm_host"], p["cucm_username"], p["cucm_password"], port=p["cucm_port"],
                validate_certs=p["cucm_validate_certs"], ca_path=p["cucm_ca_path"], axl_version=p["cucm_axl_version"],
                timeout=p["cucm_timeout"], retry_budget=p["cucm_retry_budget"], retry_delay=p["cucm_retry_delay"],
                proxy=proxy or None)
        return self._client

    def _warn_retries(self):
        """Say how often CUCM throttled the task (the requests were retried and went through)."""
        if self._client is None:
            return
        totals = self._client.totals()
        throttled, retries = totals["throttled"], totals["retries"]
        if throttled:
            self.warn("CUCM at %s throttled %d AXL request%s of this task (HTTP 503: its change queue was busy); the task "
                      "retried %d time%s and went on. Large changes run faster off-hours, or with a lower concurrency."
                      % (self.params["cucm_host"], throttled, "" if throttled == 1 else "s", retries,
                         "" if retries == 1 else "s"))
        elif retries:
            self.warn("AXL requests to %s were retried %d time%s (connection failures, or CUCM busy) and went through."
                      % (self.params["cucm_host"], retries, "" if retries == 1 else "s"))

    def run(self, main):
        """Call ``main()`` (which returns the result dict) and exit, failing cleanly on errors."""
        try:
            result = main()
            self._warn_retries()
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
