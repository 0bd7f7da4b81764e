# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Directory numbers (lines): the option table shared by cucm_line and cucm_line_info.

A line is identified by its pattern and route partition (no partition: CUCM's ``<None>``).  E.164
patterns are stored by CUCM with an escaped plus (``\\+14085550100``); the module takes ``+1408...``
or ``\\+1408...`` (the same line) and always sends and returns the stored form.  Read with
``getLine`` (the pattern never reaches SQL, which cannot carry a backslash), written with
``addLine``/``updateLine``/``removeLine``; the request elements come from the generated schema
(``axl_schema_devices``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import (
    Option, Resource, find, identity_problem, sql_text, suggest)

DN_PATTERN = r"^(?:\\?\+)?[0-9*#]{1,48}\Z"
DN_HINT = "a directory number holds digits, * and # (an E.164 number as +14085550100 or \\\\+14085550100)"
# numplan.description validation (data dictionary): at most 50 characters, none of " % & < > or control characters
DESCRIPTION = u"^[^\x00-\x1f\"%&<>]{0,50}\\Z"
DESCRIPTION_HINT = "CUCM allows at most 50 characters and none of \" % & < >"
ASCII_NAME = r"^[] a-zA-Z0-9!#$'()*+,./:;=?@[^_`{|}~\\-]{0,30}\Z"     # numplan.alertingnameascii validation
ASCII_HINT = "ASCII letters, digits, spaces and punctuation other than \" % & < > only, at most 30 characters"


def stored_pattern(pattern):
    """A DN as CUCM stores it: an E.164 number's leading plus escaped (``+1408...`` -> ``\\+1408...``)."""
    if pattern.startswith("+"):
        return "\\" + pattern
    return pattern


class Forward(Option):
    """A call forward: ``{destination, calling_search_space, forward_to_voicemail}``.  Only the declared
    sub-options are compared; the others keep what CUCM has (the request carries them back, because
    the XSD makes the CSS element mandatory and an empty one clears it)."""

    FIELDS = (("destination", "destination"), ("calling_search_space", "callingSearchSpaceName"),
              ("forward_to_voicemail", "forwardToVoiceMail"))
    EMPTY = {"destination": "", "calling_search_space": "", "forward_to_voicemail": False}

    def __init__(self, name, axl_path):
        super(Forward, self).__init__(name, axl_path, kind="forward")

    def argspec(self):
        return dict(type="dict", options=dict(destination=dict(type="str"), calling_search_space=dict(type="str"),
                                              forward_to_voicemail=dict(type="bool")))

    def read(self, element):
        node = find(element, self.axl)
        if node is None:
            return dict(self.EMPTY)
        return {"destination": node.findtext("destination") or "",
                "calling_search_space": node.findtext("callingSearchSpaceName") or "",
                "forward_to_voicemail": (node.findtext("forwardToVoiceMail") or "").lower() in ("true", "t", "1")}

    def norm(self, value):
        return dict((k, v) for k, v in (value or {}).items() if v is not None)

    def differs(self, desired, current):
        current = current or self.EMPTY
        return any(current.get(k, self.EMPTY[k]) != v for k, v in self.norm(desired).items())

    def merged(self, declared, current):
        """The whole forward to send: the declared sub-options over what CUCM has."""
        value = dict(current or self.EMPTY)
        value.update(self.norm(declared))
        return value

    def axl_value(self, value):
        return {"forwardToVoiceMail": bool(value["forward_to_voicemail"]),
                "callingSearchSpaceName": value["calling_search_space"] or "",
                "destination": value["destination"] or ""}


OPTIONS = (
    Option("description", "description", pattern=DESCRIPTION, pattern_hint=DESCRIPTION_HINT),
    Option("alerting_name", "alertingName", max_len=50),
    Option("ascii_alerting_name", "asciiAlertingName", pattern=ASCII_NAME, pattern_hint=ASCII_HINT),
    Option("calling_search_space", "shareLineAppearanceCssName", ref="css", sql=True),
    Option("voice_mail_profile", "voiceMailProfileName", ref="voice_mail_profile", sql=True),
    Forward("call_forward_all", "callForwardAll"),
    Forward("call_forward_busy", "callForwardBusy"),
    Forward("call_forward_busy_internal", "callForwardBusyInt"),
    Forward("call_forward_no_answer", "callForwardNoAnswer"),
    Forward("call_forward_no_answer_internal", "callForwardNoAnswerInt"),
    Forward("call_forward_unregistered", "callForwardNotRegistered"),
    Forward("call_forward_unregistered_internal", "callForwardNotRegisteredInt"),
)
FORWARDS = tuple(o for o in OPTIONS if isinstance(o, Forward))

REFERENCES = {
    "css": ("calling search space", "callingsearchspace"),
    "voice_mail_profile": ("voice mail profile", "voicemessagingprofile"),
    "partition": ("route partition", "routepartition"),
}
EXISTING_SQL = "select {kind} kind, name from {table} where name in {names}"
NAMES_SQL = "select name from {table}"
DEVICES_OF_LINE_SQL = (
    "select d.name from devicenumplanmap m join device d on d.pkid = m.fkdevice where m.fknumplan = {pkid} order by d.name")
RETURNED = dict((o.axl, "") for o in OPTIONS)
RETURNED.update(pattern="", routePartitionName="")


def line_record(element):
    """A getLine/listLine ``<line>`` as the modules return it (option names; ``pattern`` as stored)."""
    out = dict((o.name, o.read(element)) for o in OPTIONS if element.find(o.axl) is not None or isinstance(o, Forward))
    out["pattern"] = element.findtext("pattern") or ""
    out["partition"] = element.findtext("routePartitionName") or ""
    out["uuid"] = element.get("uuid") or ""
    return out


class Line(Resource):
    noun = "line"
    key = Option("pattern", max_len=50, pattern=DN_PATTERN, pattern_hint=DN_HINT)
    options = OPTIONS
    result_key = "line"
    create_defaults = {"description": ""}     # a line declared with no field is still created

    def argument_spec(self):
        spec = super(Line, self).argument_spec()
        spec["partition"] = dict(type="str")
        return spec

    partition = ""     # the declared partition (set by prepare)

    def prepare(self, client, params):
        partition = params.get("partition")
        self.partition = partition or ""
        if partition is not None:
            problem = identity_problem("partition", partition) if partition else None
            if problem:
                raise CucmError(problem + ". Nothing was written.")
            sql_text("partition", partition)
        for option in FORWARDS:
            value = params.get(option.name) or {}
            css = value.get("calling_search_space")
            if css:
                sql_text("%s.calling_search_space" % option.name, css)
            destination = value.get("destination")
            if destination and len(destination) > 50:
                raise CucmError("%s.destination: %r is longer than 50 characters. Nothing was written."
                                % (option.name, destination))
        return params

    @staticmethod
    def _partition(params):
        return (params or {}).get("partition") or ""

    def read(self, client, key, params=None):
        partition = self._partition(params)
        try:
            answer = client.call("getLine", {"pattern": stored_pattern(key), "routePartitionName": partition,
                                             "returnedTags": RETURNED})
        except axl.AxlFault as fault:
            if fault.not_found:
                return None
            raise
        element = answer.find(".//line")
        if element is None:
            return None
        record = line_record(element)
        if record["partition"] != partition:
            raise CucmError("line %s: partition %r does not exist, but %r does and holds this line: the names differ only "
                            "in letter case. Use the existing name. Nothing was written." % (key, partition, record["partition"]))
        obj = dict((o.name, record[o.name]) for o in OPTIONS if o.name in record)
        obj["_uuid"] = record["uuid"]
        obj["_pattern"] = record["pattern"]
        obj["_partition"] = record["partition"]
        node = element.find("callForwardAll/secondaryCallingSearchSpaceName")
        obj["_cfa_secondary"] = (node.text or "") if node is not None else ""
        return obj

    def check(self, client, key, desired, changes, current):
        wanted = {}
        for option in OPTIONS:
            if option.ref and changes.get(option.name):
                wanted.setdefault(option.ref, set()).add(changes[option.name])
        for option in FORWARDS:
            css = (changes.get(option.name) or {}).get("calling_search_space")
            if css:
                wanted.setdefault("css", set()).add(css)
        if current is None and self.partition:
            wanted.setdefault("partition", set()).add(self.partition)
        problems = []
        for kind, names in sorted(wanted.items()):
            what, table = REFERENCES[kind]
            found = set(r["name"] for r in client.sql_query(sql.render(
                EXISTING_SQL.replace("{table}", table), kind=kind, names=sorted(names))))
            for name in sorted(names - found):
                known = [r["name"] for r in client.sql_query(NAMES_SQL.replace("{table}", table))]
                problems.append("%s: unknown %s %r%s" % ("partition" if kind == "partition" else what.replace(" ", "_"),
                                                         what, name, suggest(name, known)))
        if problems:
            raise CucmError("; ".join(problems) + ". Nothing was written.")

    def body(self, changes, current):
        body = {}
        for option in OPTIONS:
            if option.name not in changes:
                continue
            if isinstance(option, Forward):
                value = option.axl_value(option.merged(changes[option.name], (current or {}).get(option.name)))
                if option.name == "call_forward_all":
                    value["secondaryCallingSearchSpaceName"] = (current or {}).get("_cfa_secondary") or ""
                body[option.axl] = value
            else:
                body[option.axl] = changes[option.name]
        return body

    def create(self, client, key, values):
        line = {"pattern": stored_pattern(key), "usage": "Device", "routePartitionName": self.partition or None}
        line.update(self.body(values, None))
        return client.call("addLine", {"line": line}).text

    def update(self, client, key, changes, current):
        body = {"uuid": current["_uuid"]}
        body.update(self.body(changes, current))
        client.call("updateLine", body)

    def delete(self, client, key, current):
        client.call("removeLine", {"uuid": current["_uuid"]})

    def devices(self, client, current):
        """Names of the phones and device profiles that have this line."""
        pkid = current["_uuid"].strip("{}").lower()
        return [r["name"] for r in client.sql_query(sql.render(DEVICES_OF_LINE_SQL, pkid=sql.Guid(pkid)))]

    def public(self, obj):
        out = super(Line, self).public(obj)
        out["partition"] = obj.get("_partition", "")
        out["pattern_stored"] = obj.get("_pattern", "")
        return out


def ensure_line(module, resource):
    """cucm_line: the engine's ensure, plus the partition (identity, not a field) and the pattern as
    CUCM stores it in the result; ``state=absent`` refuses a line that devices still use."""
    from ansible_collections.voiceops.cucm.plugins.module_utils.engine import ensure

    params = module.params
    key = params["pattern"]
    if params["state"] == "absent" and key and re.match(DN_PATTERN, key):
        current = resource.read(module.client, key, params)
        if current is not None:
            used = resource.devices(module.client, current)
            if used:
                raise CucmError("line %s (partition %r) is on %s; remove it from %s first (cucm_phone / "
                                "cucm_device_profile lines.remove). Nothing was written."
                                % (current["_pattern"], current["_partition"], ", ".join(used),
                                   "that device" if len(used) == 1 else "those devices"))
    result = ensure(module, resource)
    line = result.get("line")
    if line:
        line["pattern"] = line.pop("pattern_stored", "") or stored_pattern(key)
        line["partition"] = line.get("partition") or params.get("partition") or ""
    return result
