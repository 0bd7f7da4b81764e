# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Phones (desk phones and Jabber clients): the option table shared by cucm_phone and cucm_phone_info, and the
device base that device profiles (``device_profile.py``) share.

A device is read with ``getPhone``/``getDeviceProfile`` and written with ``add``/``update``/``remove``; the request
elements come from the generated schema (``axl_schema_devices``).  Its ``lines`` are ``{pattern, partition, index,
display, label, external_phone_number_mask}`` items identified by pattern + partition (an E.164 pattern in either
form); AXL replaces a device's lines as a whole, so the module sends the complete list it computed from what it
read.  IP phone service subscriptions are never sent: CUCM keeps them (``cucm_phone_service_subscription`` manages
them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, axl_schema, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import (
    Option, Resource, identity_problem, sql_text, suggest)
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.line import stored_pattern

DEVICE_NAME = r"^[A-Za-z0-9._-]{1,50}\Z"
DEVICE_NAME_HINT = "CUCM device names hold letters, digits, . _ and - only"
PHONE_NAME = r"^(?:SEP[0-9A-F]{12}|[A-Za-z0-9._-]{1,15})\Z"
PHONE_NAME_HINT = ("a phone is SEP and 12 upper-case hexadecimal digits (its MAC address), a Jabber client CSF/BOT/TCT/TAB "
                   "and the user (at most 15 letters, digits, . _ -)")
MASK = r"^[0-9*#+X]{0,24}\Z"      # devicenumplanmap.e164mask validation (data dictionary)
LINE_FIELDS = ("pattern", "partition", "index", "display", "label", "external_phone_number_mask")
LINE_ITEM = dict(pattern=dict(type="str", required=True), partition=dict(type="str"), index=dict(type="int"),
                 display=dict(type="str"), label=dict(type="str"), external_phone_number_mask=dict(type="str"))


def line_key(pattern, partition):
    return (stored_pattern(pattern or ""), partition or "")


class Lines(Option):
    """``lines``: ``{add, remove, set}`` of line appearances (a plain list means ``set``)."""

    def __init__(self):
        super(Lines, self).__init__("lines", "lines", kind="lines")

    def argspec(self):
        item = dict(type="list", elements="dict", options=LINE_ITEM)
        return dict(type="dict", options=dict(add=item, remove=item, set=item))

    @staticmethod
    def read_lines(element):
        out = []
        for node in element.findall("lines/line"):
            index = node.findtext("index") or ""
            out.append({"pattern": node.findtext("dirn/pattern") or "", "partition": node.findtext("dirn/routePartitionName") or "",
                        "index": int(index) if index.lstrip("-").isdigit() else None, "display": node.findtext("display") or "",
                        "label": node.findtext("label") or "", "external_phone_number_mask": node.findtext("e164Mask") or ""})
        return sorted(out, key=lambda i: (i["index"] is None, i["index"]))

    def read(self, element):
        return self.read_lines(element)

    def norm(self, value):
        return sorted(tuple(item.get(f) if f != "pattern" else stored_pattern(item.get(f) or "") for f in LINE_FIELDS)
                      for item in value or [])

    def resolve(self, spec, current):
        """The complete list of lines a declaration asks for, from the current list."""
        spec = spec or {}
        if spec.get("set") is not None and (spec.get("add") or spec.get("remove")):
            raise CucmError("lines: 'set' cannot be combined with 'add' or 'remove'")
        removed = set(line_key(i["pattern"], i.get("partition")) for i in spec.get("remove") or [])
        declared = spec["set"] if spec.get("set") is not None else (spec.get("add") or [])
        both = removed & set(line_key(i["pattern"], i.get("partition")) for i in declared)
        if both:
            raise CucmError("lines: %s is in both 'add' and 'remove'" % ", ".join("%s/%s" % k for k in sorted(both)))
        had = dict((line_key(i["pattern"], i["partition"]), i) for i in current or [])
        kept = [dict(i) for i in current or [] if line_key(i["pattern"], i["partition"]) not in removed]
        target = [] if spec.get("set") is not None else kept
        seen = set()
        for item in declared:
            key = line_key(item["pattern"], item.get("partition"))
            if key in seen:
                raise CucmError("lines: %s (partition %r) is declared twice" % (item["pattern"], key[1]))
            seen.add(key)
            base = had.get(key) or {"display": "", "label": "", "external_phone_number_mask": "", "index": None}
            new = {"pattern": key[0], "partition": key[1]}
            for field in ("index", "display", "label", "external_phone_number_mask"):
                new[field] = item.get(field) if item.get(field) is not None else base.get(field)
            target = [t for t in target if line_key(t["pattern"], t["partition"]) != key] + [new]
        used = set(t["index"] for t in target if t["index"] is not None)
        for item in target:            # a new line without an index takes the first free one
            if item["index"] is None:
                item["index"] = next(i for i in range(1, len(target) + len(used) + 2) if i not in used)
                used.add(item["index"])
        indexes = [t["index"] for t in target]
        duplicates = sorted(set(i for i in indexes if indexes.count(i) > 1))
        if duplicates:
            raise CucmError("lines: index %s is used by more than one line (CUCM: \"Duplicate phone line.\"). Nothing was "
                            "written." % ", ".join(str(i) for i in duplicates))
        if any(i < 1 for i in indexes):
            raise CucmError("lines: an index starts at 1. Nothing was written.")
        return sorted(target, key=lambda t: t["index"])

    @staticmethod
    def axl_value(lines):
        return {"line": [{"index": t["index"], "label": t["label"] or "", "display": t["display"] or "",
                          "dirn": {"pattern": t["pattern"], "routePartitionName": t["partition"] or ""},
                          "e164Mask": t["external_phone_number_mask"] or None} for t in lines]}


REFERENCES = {
    "device_pool": ("device pool", "select {kind} kind, name from devicepool where name in {names}", "select name from devicepool"),
    "phone_template": ("phone button template", "select {kind} kind, name from phonetemplate where name in {names}",
                       "select name from phonetemplate"),
    "softkey_template": ("softkey template", "select {kind} kind, name from softkeytemplate where name in {names}",
                         "select name from softkeytemplate"),
    "css": ("calling search space", "select {kind} kind, name from callingsearchspace where name in {names}",
            "select name from callingsearchspace"),
    "user": ("end user", "select {kind} kind, userid name from enduser where userid in {names}", None),
    "locale": ("user locale", "select {kind} kind, name from typeuserlocale where name in {names}",
               "select name from typeuserlocale"),
    "product": ("product", "select {kind} kind, name from typeproduct where name in {names}", None),
    "partition": ("route partition", "select {kind} kind, name from routepartition where name in {names}",
                  "select name from routepartition"),
}


class Device(Resource):
    """A phone or a device profile; subclasses set the AXL names and the option table."""

    noun = "device"
    get_op = add_op = update_op = remove_op = element = None
    device_class = None
    remove_lines = False     # whether the update request has removeLines
    lookalike_sql = "select name from device where lower(name) in {names}"
    required_on_create = ("product", "protocol")
    create_only = ("product", "protocol")

    def prepare(self, client, params):
        for option in self.options:
            if option.sql and params.get(option.name):
                sql_text(option.name, params[option.name])
        lines = params.get("lines") if isinstance(params.get("lines"), dict) else {}   # a list: resolved already
        for sub in ("add", "remove", "set"):
            for item in lines.get(sub) or []:
                for field in ("pattern", "partition"):
                    value = item.get(field)
                    problem = identity_problem("lines.%s" % field, value) if value else None
                    if problem:
                        raise CucmError(problem + ". Nothing was written.")
                if item.get("partition"):
                    sql_text("lines.partition", item["partition"])
                if not re.match(r"^(?:\\?\+)?[0-9*#]{1,48}\Z", item["pattern"] or ""):
                    raise CucmError("lines.pattern: %r is not a directory number (digits, * and #; an E.164 number as "
                                    "+14085550100). Nothing was written." % item["pattern"])
                mask = item.get("external_phone_number_mask")
                if mask and not re.match(MASK, mask):
                    raise CucmError("lines.external_phone_number_mask: %r is not valid: CUCM allows digits, * # + X, at "
                                    "most 24. Nothing was written." % mask)
        return params

    def returned_tags(self):
        tags = dict((o.axl, "") for o in self.options)
        tags["name"] = ""
        return tags

    def read(self, client, key, params=None):
        try:
            answer = client.call(self.get_op, {"name": key, "returnedTags": self.returned_tags()})
        except axl.AxlFault as fault:
            if fault.not_found:
                return None
            raise
        element = answer.find(".//" + self.element)
        if element is None:
            return None
        if element.findtext("name") != key:
            return None          # CUCM matched another letter case: not this device (the look-alike check says so)
        obj = dict((o.name, o.read(element)) for o in self.options)
        obj["_uuid"] = element.get("uuid")
        return obj

    def record(self, element):
        """A get answer's device in the option names (for the _info modules)."""
        out = dict((o.name, o.read(element)) for o in self.options)
        out["name"] = element.findtext("name") or ""
        out["uuid"] = element.get("uuid") or ""
        out["model"] = element.findtext("model") or ""
        return out

    def check(self, client, key, desired, changes, current):
        if current is not None:
            fixed = [n for n in self.create_only if n in changes]
            if fixed:
                raise CucmError("%s %r: %s cannot change on an existing device (CUCM sets it when the device is added; "
                                "it has %s). Nothing was written." % (self.noun, key, ", ".join(fixed), ", ".join(
                                    "%s %r" % (n, current.get(n)) for n in fixed)))
        if current is not None and "lines" in changes and not changes["lines"] and not self.remove_lines:
            raise CucmError("%s %r: AXL cannot take every line off a %s (updateDeviceProfile has no removeLines); keep "
                            "one line or delete the %s. Nothing was written." % (self.noun, key, self.noun, self.noun))
        wanted = {}
        for option in self.options:
            if option.ref and changes.get(option.name):
                wanted.setdefault(option.ref, set()).add(changes[option.name])
        new_lines = []
        if "lines" in changes:
            had = set(line_key(i["pattern"], i["partition"]) for i in (current or {}).get("lines") or [])
            new_lines = [i for i in changes["lines"] if line_key(i["pattern"], i["partition"]) not in had]
            for item in new_lines:
                if item["partition"]:
                    wanted.setdefault("partition", set()).add(item["partition"])
        problems = []
        for kind, names in sorted(wanted.items()):
            what, query, catalogue = REFERENCES[kind]
            found = set(r["name"] for r in client.sql_query(sql.render(query, kind=kind, names=sorted(names))))
            for name in sorted(names - found):
                hint = suggest(name, [r["name"] for r in client.sql_query(catalogue)]) if catalogue else ""
                problems.append("unknown %s %r%s" % (what, name, hint))
        if not problems:
            for item in new_lines:
                try:
                    client.call("getLine", {"pattern": item["pattern"], "routePartitionName": item["partition"],
                                            "returnedTags": {"pattern": ""}})
                except axl.AxlFault as fault:
                    if not fault.not_found:
                        raise
                    problems.append("lines: there is no line %s in partition %r (create it with cucm_line first)"
                                    % (item["pattern"], item["partition"]))
        if problems:
            raise CucmError("%s %r: %s. Nothing was written." % (self.noun, key, "; ".join(problems)))

    def plan_lines(self, params, current):
        """``lines`` resolved against what CUCM has (the engine compares the result)."""
        if params.get("lines") is None:
            return params
        params = dict(params)
        params["lines"] = self.options_by_name()["lines"].resolve(params["lines"], (current or {}).get("lines") or [])
        return params

    def options_by_name(self):
        return dict((o.name, o) for o in self.options)

    def body(self, changes):
        body = {}
        for option in self.options:
            if option.name not in changes or option.name in self.create_only:
                continue
            value = changes[option.name]
            body[option.axl] = Lines.axl_value(value) if isinstance(option, Lines) else value
        return body

    def create(self, client, key, values):
        device = {"name": key, "product": values["product"], "class": self.device_class, "protocol": values["protocol"]}
        device.update(self.create_extras())
        device.update(self.body(values))
        return client.call(self.add_op, {self.element: device}).text

    def create_extras(self):
        return {}

    def update(self, client, key, changes, current):
        body = {"name": key} if len(key) <= 100 else {"uuid": current["_uuid"]}
        body.update(self.body(changes))
        if "lines" in changes and not changes["lines"]:
            # AXL's lines element needs one line at least: the last lines come off with removeLines
            del body["lines"]
            body["removeLines"] = Lines.axl_value(current.get("lines") or [])
        if len(body) > 1:
            client.call(self.update_op, body)

    def delete(self, client, key, current):
        client.call(self.remove_op, {"name": key} if len(key) <= 100 else {"uuid": current["_uuid"]})

    def argument_spec(self):
        spec = super(Device, self).argument_spec()
        spec["protocol"]["choices"] = list(axl_schema.ENUMS["XDeviceProtocol"])
        spec["softkey_template"]["no_log"] = False     # a template's name, not a secret
        return spec


PHONE_OPTIONS = (
    Option("product", "product", sql=True, ref="product"),
    Option("protocol", "protocol"),
    Option("description", "description", max_len=128),
    Option("device_pool", "devicePoolName", ref="device_pool", sql=True),
    Option("calling_search_space", "callingSearchSpaceName", ref="css", sql=True),
    Option("phone_template", "phoneTemplateName", ref="phone_template", sql=True),
    Option("softkey_template", "softkeyTemplateName", ref="softkey_template", sql=True),
    Option("user_locale", "userLocale", ref="locale", sql=True),
    Option("owner_user", "ownerUserName", ref="user", sql=True),
    Lines(),
)


class Phone(Device):
    noun = "phone"
    key = Option("name", max_len=50, pattern=PHONE_NAME, pattern_hint=PHONE_NAME_HINT)
    options = PHONE_OPTIONS
    result_key = "phone"
    get_op, add_op, update_op, remove_op, element = "getPhone", "addPhone", "updatePhone", "removePhone", "phone"
    device_class = "Phone"
    remove_lines = True
    required_on_create = ("product", "protocol", "device_pool")

    def create_extras(self):
        # the standard location every cluster has (XPhone requires a location element)
        return {"locationName": "Hub_None"}


def ensure_device(module, resource):
    """The engine's ensure, with ``lines`` resolved against the device as read (add/remove/set of items)."""
    from ansible_collections.voiceops.cucm.plugins.module_utils.engine import ensure

    params = module.params
    if params.get("lines") is not None and params["state"] == "present" and params.get(resource.key.name):
        resource.prepare(module.client, params)      # refuse bad items before anything is read
        current = resource.read(module.client, params[resource.key.name], params)
        module.ansible.params = resource.plan_lines(params, current)
    return ensure(module, resource)
