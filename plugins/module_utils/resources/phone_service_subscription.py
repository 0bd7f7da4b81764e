# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A phone or device profile's subscription to an IP phone service, with its parameter values.

- The subscription itself (service, name, URL button index, label) is written with
  ``updatePhone``/``updateDeviceProfile`` ``services``, which replaces the device's whole list:
  every other subscription is sent back exactly as ``getPhone``/``getDeviceProfile`` returned it.
- AXL has no element for parameter values, so they are rows of ``telecastersubscribedparameter``
  written with ``executeSQLUpdate`` (parameters looked up by service and name), and the URL the
  phone requests is rebuilt in the same task (see :mod:`.phone_service`).
- The subscription is identified by device, service and URL button index; its row is the
  ``telecastersubscribedservice`` row (SQL) of that device, service, index and name.  Nothing depends on a
  ``uuid`` of the ``<service>`` items of ``getPhone``: a real CUCM 10.5 answer has none (the XSD allows
  one), so items are told apart by their place in the list.
- The list is written back without any subscription's ``url`` (see :mod:`.phone_service`).
- A write whose answer never came back is checked by reading again; the URL is then rebuilt if it does
  not carry the values yet, so the task never reports ok while the phone would use a stale URL.
- Values of parameters the service marks as password are secrets: hidden from every output as
  soon as the service has been read, and (``update_secrets: on_create``) not rewritten once they
  have a value, because their owner (an agent, in Self Care) may have changed them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import MASK, Option, Resource, suggest
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone_service import (
    ASCII_NAME, DEVICE_KIND, DEVICE_OPS, DEVICE_TYPES, MAX_SUBSCRIPTIONS, VALUE, VALUE_HINT, device_type_of, is_stale,
    read_device, read_service, rebuild, service_names, subscriptions, write_device)

INSERT_VALUE = ("insert into telecastersubscribedparameter (fktelecastersubscribedservice, fktelecasterserviceparameter, "
                "value) values ({subscription}, {parameter}, {value})")
UPDATE_VALUE = ("update telecastersubscribedparameter set value = {value} "
                "where fktelecastersubscribedservice = {subscription} and fktelecasterserviceparameter = {parameter}")
PARAMETER_PKIDS = "select pkid, name from telecasterserviceparameter where fktelecasterservice = {service}"

OPTIONS = (
    Option("service", max_len=128),
    Option("url_button_index", kind="int"),
    Option("name", pattern=r'^[^\x00-\x1f"]{1,128}\Z',
           pattern_hint="1 to 32 characters (128 for an Android APK service), no double quote"),
    Option("url_label", pattern=r'^[^\x00-\x1f"%&<>]{0,50}\Z', pattern_hint="at most 50 characters, none of \" % & < >"),
    Option("parameters", kind="map"),
)


def _key(pkid):
    return str(sql.Guid(pkid))


def first_values(pairs):
    """``{name: value}`` of a subscription's value rows (the first row of a duplicated parameter)."""
    values = {}
    for name, value in pairs:
        values.setdefault(name, value)
    return values


def leaves(value):
    """The texts inside a declared value (a list or dict walked), for hiding."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in leaves(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in leaves(v)]
    return [as_text(value)] if as_text(value) else []


def as_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class Subscription(Resource):
    noun = "phone service subscription"
    key = Option("device", max_len=100, sql=True)
    options = OPTIONS
    result_key = "subscription"
    secret_policy = "update_secrets"

    def __init__(self, hide=None):
        self.hide = hide or (lambda values: None)
        self.service = None        # the declared service's definition (read first)
        self.device = None         # {uuid, services} of the declared device
        self.device_type = "phone"
        self.matches = []          # the device's subscriptions this task is about (items of self.device)
        self.positions = []        # their places in the device's list
        self.rows = {}             # place in the list -> the subscription's SQL row (pkid, pairs)
        self.current = None
        self.rebuilt = False       # a URL was rebuilt (re-save or SQL) in this task
        self.create_defaults = {}
        self._secret = set()
        self._parameter_pkids = None

    def argument_spec(self):
        spec = super(Subscription, self).argument_spec()
        spec["service"]["required"] = True
        spec["url_button_index"]["default"] = 0
        spec["device_type"] = dict(type="str", choices=list(DEVICE_TYPES), default="phone")
        spec["update_secrets"] = dict(type="str", choices=["always", "on_create"], default="on_create", no_log=False)
        return spec

    def secret_items(self, option):
        return self._secret if option == "parameters" else ()

    # ------------------------------------------------------------------ resolving the declaration
    def prepare(self, client, params):
        """Read the service first (so its password parameters are hidden before anything else can
        show them), then check the declared parameters against it."""
        name = params["service"]
        service = read_service(client, name)
        if service is None:
            raise CucmError("service: unknown IP phone service %r%s. Nothing was written."
                            % (name, suggest(name, service_names(client))))
        self.service = service
        self._secret = set(p["name"] for p in service["parameters"] if p["password"])
        declared = params.get("parameters") or {}
        known = set(p["name"] for p in service["parameters"])
        # the values of password parameters are secrets; so may be those of a misspelt name ("pasword") and
        # anything that is not text (a list or dict given by mistake): hidden before any message can show them
        self.hide([leaf for k, v in declared.items() if k in self._secret or k not in known or isinstance(v, (dict, list))
                   for leaf in leaves(v)])
        if service["enterprise_subscription"]:
            raise CucmError("service: %r is an enterprise subscription service: CUCM gives it to every phone and refuses "
                            "subscriptions to it (rule RI-476). Nothing was written." % service["name"])
        known = [p["name"] for p in service["parameters"]]
        problems, values = [], {}
        for key in sorted(declared):
            value = declared[key]
            if key not in known:
                problems.append("parameters: service %r has no parameter %r%s" % (
                    service["name"], key, suggest(key, known) or " (its parameters: %s)" % (", ".join(known) or "none")))
                continue
            if isinstance(value, (dict, list)):
                problems.append("parameters: the value of %r must be text" % key)
                continue
            text = as_text(value)
            if len(text) > 100:
                problems.append("parameters: the value of %r is %d characters long; CUCM allows at most 100"
                                % (key, len(text)))
            elif not re.match(VALUE, text):
                problems.append("parameters: the value of %r is not valid: %s" % (key, VALUE_HINT))
            elif "\\" in text:
                problems.append("parameters: the value of %r contains a backslash, which this collection never puts "
                                "in SQL (CUCM stores values with SQL)" % key)
            values[key] = text
        limit = 128 if service["category"] == "Android APK" else 32
        if params.get("name") is not None and len(params["name"]) > limit:
            problems.append("name: %r is %d characters long; CUCM allows at most %d for a subscription to a %s service "
                            "(rule RI-948)" % (params["name"], len(params["name"]), limit, service["category"]))
        if params["url_button_index"] < 0:
            problems.append("url_button_index: must be 0 (the Services menu) or a positive button number")
        if problems:
            raise CucmError("; ".join(problems) + ". Nothing was written.")
        self.device_type = params["device_type"]
        self.create_defaults = {"name": service["name"]}
        return dict(params, service=service["name"], parameters=values)

    def initial(self, client, key, params):
        """A new subscription starts from the service's default values (as the administration page does)."""
        return {"parameters": dict((p["name"], p["default"]) for p in self.service["parameters"] if p["default"])}

    # ------------------------------------------------------------------ reading
    def _read_device(self, client, key):
        device = read_device(client, key, self.device_type)
        if device is not None:
            return device
        rows = client.sql_query(sql.render(DEVICE_KIND, name=key))
        noun = DEVICE_OPS[self.device_type][3]
        if rows and device_type_of(rows[0]["tkclass"]) != self.device_type:
            actual = device_type_of(rows[0]["tkclass"])
            raise CucmError("device: %r is a %s, not a %s; set device_type: %s. Nothing was written."
                            % (key, DEVICE_OPS[actual][3], noun, actual))
        raise CucmError("device: unknown %s %r. Nothing was written." % (noun, key))

    def _is_mine(self, item, index):
        if item["service_uuid"]:
            same = _key(item["service_uuid"]) == _key(self.service["_uuid"])
        else:
            same = item["service"] == self.service["name"]
        return same and item["index"] == index

    def read(self, client, key, params=None):
        self.device = self._read_device(client, key)
        index = params["url_button_index"]
        self.positions = [i for i, s in enumerate(self.device["services"]) if self._is_mine(s, index)]
        self.matches = [self.device["services"][i] for i in self.positions]
        self.rows = self._match_rows(client, key, index)
        self.current = None
        if not self.matches:
            return None
        if len(self.matches) > 1 and params.get("state") != "absent":
            raise CucmError("device: %r has %d subscriptions to %r at url_button_index %d (%s); the module cannot tell "
                            "which one it manages. Remove them (state: absent removes them all) and declare one. "
                            "Nothing was written." % (key, len(self.matches), self.service["name"], index,
                                                      ", ".join(repr(m["name"]) for m in self.matches)))
        item, row = self.matches[0], self.rows.get(self.positions[0])
        pairs = row["pairs"] if row else []
        values = first_values(pairs)
        self.hide([v for k, v in values.items() if k in self._secret])
        pkid = _key(row["pkid"]) if row else None
        self.current = {"service": self.service["name"], "url_button_index": index, "name": item["name"],
                        "url_label": item["label"] or "", "parameters": values, "_uuid": "{%s}" % pkid.upper() if pkid else "",
                        "_pkid": pkid, "_stale": bool(row) and is_stale(row, self.service, pairs)}
        return self.current

    def _match_rows(self, client, key, index):
        """``{place in the device's list: SQL row}`` for this service's subscriptions at ``index``: each item
        is paired with a row of the same name, one to one, in order (CUCM's SQL rows are certain; a
        ``<service>`` uuid is not)."""
        rows, out = self._rows(client, key, index), {}
        for position in self.positions:
            name = self.device["services"][position]["name"]
            row = next((r for r in rows if r["servicename"] == name and r not in out.values()), None)
            if row is not None:
                out[position] = row
        return out

    # ------------------------------------------------------------------ checks
    def check(self, client, key, desired, changes, current):
        problems = []
        if current is None:
            if len(self.device["services"]) >= MAX_SUBSCRIPTIONS:
                raise CucmError("device: %r already has %d IP phone service subscriptions, the most CUCM allows (rule "
                                "RI-189); remove one first. Nothing was written." % (key, len(self.device["services"])))
            have = desired.get("parameters") or {}
            missing = [p["name"] for p in self.service["parameters"] if p["required"] and not have.get(p["name"])]
            if missing:
                problems.append("parameters: service %r requires %s and has no default for %s; declare a value"
                                % (self.service["name"], ", ".join(repr(n) for n in missing),
                                   "it" if len(missing) == 1 else "them"))
        index = desired["url_button_index"]
        if index:
            others = [s for s in self.device["services"] if s["index"] == index and s not in self.matches]
            if others:
                problems.append("url_button_index: button %d of %r is already used by subscription %r (service %r); "
                                "CUCM wants a URL button index to be unique on a device"
                                % (index, key, others[0]["name"], others[0]["service"]))
        if problems:
            raise CucmError("; ".join(problems) + ". Nothing was written.")

    # ------------------------------------------------------------------ writing
    def _item(self, values, item=None):
        """The XSubscribedService item for this subscription (no url: CUCM builds it)."""
        name = values.get("name", (item or {}).get("name"))
        if "url_label" in values:
            label = values["url_label"]
        else:
            label = (item or {}).get("label")
        if item is not None and "name" not in values:
            ascii_name = item.get("ascii")
        else:
            ascii_name = name if re.match(ASCII_NAME, name) else None
        return dict(uuid=(item or {}).get("uuid", ""), service=self.service["name"], service_uuid=self.service["_uuid"],
                    name=name, url=None, index=values.get("url_button_index", (item or {}).get("index", 0)),
                    label=label, ascii=ascii_name)

    def _parameter_pkid(self, client, name):
        if self._parameter_pkids is None:
            rows = client.sql_query(sql.render(PARAMETER_PKIDS, service=self.service["_pkid"]))
            self._parameter_pkids = dict((r["name"], sql.Guid(r["pkid"])) for r in rows)
        if name not in self._parameter_pkids:
            raise CucmError("parameters: service %r has no parameter %r any more. Nothing more was written."
                            % (self.service["name"], name))
        return self._parameter_pkids[name]

    def _write_values(self, client, pkid, target, have):
        order = [p["name"] for p in self.service["parameters"]]
        for name in sorted(target, key=lambda n: order.index(n) if n in order else len(order)):
            value = target[name]
            if name in have and have[name] == value:
                continue
            template = UPDATE_VALUE if name in have else INSERT_VALUE
            client.sql_update(sql.render(template, value=value, subscription=sql.Guid(pkid),
                                         parameter=self._parameter_pkid(client, name)))

    def _rows(self, client, key, index):
        """This service's subscriptions at ``index`` on the device, as rows with their value pairs."""
        return [s for s in subscriptions(client, device=key)
                if _key(s["servicepkid"]) == _key(self.service["_uuid"]) and int(s["urlbuttonindex"] or 0) == index]

    def refresh(self, client, pkid):
        """Rebuild the subscription's URL if it does not carry its values (re-save, then SQL)."""
        found = subscriptions(client, pkid=pkid)
        if not found or not is_stale(found[0], self.service, found[0]["pairs"]):
            return False
        rebuild(client, self.service, found, lambda: dict((s["pkid"], s) for s in subscriptions(client, pkid=pkid)))
        self.rebuilt = True
        return True

    def create(self, client, key, values):
        before = set(_key(r["pkid"]) for r in subscriptions(client, device=key))
        write_device(client, key, self.device_type, self.device["services"] + [self._item(values)])
        rows = [r for r in self._rows(client, key, values["url_button_index"])
                if _key(r["pkid"]) not in before and r["servicename"] == values["name"]]
        if not rows:
            raise CucmError("CUCM accepted the subscription of %r to %r but it cannot be found afterwards; its "
                            "parameters were not written" % (key, self.service["name"]))
        pkid = _key(rows[0]["pkid"])
        self._write_values(client, pkid, values.get("parameters") or {}, first_values(rows[0]["pairs"]))
        self.refresh(client, pkid)
        return "{%s}" % pkid.upper()

    def update(self, client, key, changes, current):
        pkid, have = current["_pkid"], dict(current["parameters"])
        if "name" in changes or "url_label" in changes:
            mine = self.positions[0]
            services = [self._item(changes, s) if i == mine else s for i, s in enumerate(self.device["services"])]
            write_device(client, key, self.device_type, services)
            others = set(_key(self.rows[i]["pkid"]) for i in self.positions[1:] if i in self.rows)
            rows = [r for r in self._rows(client, key, current["url_button_index"]) if _key(r["pkid"]) not in others]
            same = [r for r in rows if pkid and _key(r["pkid"]) == pkid]
            row = same[0] if same else next((r for r in rows if r["servicename"] == changes.get("name", current["name"])),
                                            None)
            if row is None:
                raise CucmError("CUCM accepted the change of %r's subscription to %r but it cannot be found afterwards"
                                % (key, self.service["name"]))
            # CUCM may have replaced the row (and dropped its values): write back whatever is missing
            pkid, have = _key(row["pkid"]), first_values(row["pairs"])
        if pkid is None:
            raise CucmError("device: %r's subscription to %r has no row in telecastersubscribedservice; nothing can "
                            "be written to it" % (key, self.service["name"]))
        self._write_values(client, pkid, changes.get("parameters", current["parameters"]), have)
        self.refresh(client, pkid)

    def delete(self, client, key, current):
        mine = set(self.positions)
        write_device(client, key, self.device_type, [s for i, s in enumerate(self.device["services"]) if i not in mine])

    def heal(self, client, check_mode):
        """A subscription whose URL is stale as last read (say, after a Self Care edit, or after a write whose
        answer was lost) is rebuilt: True when it was (or, in check mode, would be).  A rebuild whose own
        answer is lost is checked by reading again, and done again once if it did not happen."""
        if self.rebuilt or not self.current or not self.current["_stale"] or not self.current["_pkid"]:
            return False
        if check_mode:
            return True
        for attempt in range(2):
            try:
                self.refresh(client, self.current["_pkid"])
                return True
            except axl.AmbiguousWrite:
                if attempt:
                    raise
        return True

    def public(self, obj):
        out = super(Subscription, self).public(obj)
        out["device_type"] = self.device_type
        return out


def read_many(client, device=None, service=None):
    """Subscriptions of a device or of a service (read in pages), in the input shape of
    cucm_phone_service_subscription plus ``stale``; password parameter values masked."""
    definitions = {}
    if service is not None:
        found = read_service(client, service)
        if found is None:
            return []
        definitions[_key(found["_uuid"])] = found
        rows = subscriptions(client, service_pkid=found["_uuid"])
        if device is not None:
            rows = [r for r in rows if r["device"] == device]
    else:
        rows = subscriptions(client, device=device)
    out = []
    for row in rows:
        pkid = _key(row["servicepkid"])
        if pkid not in definitions:
            definitions[pkid] = read_service(client, uuid="{%s}" % pkid.upper())
        definition = definitions[pkid]
        secret = set(p["name"] for p in definition["parameters"] if p["password"]) if definition else set()
        values = first_values(row["pairs"])
        out.append(dict(device=row["device"], device_type=row["device_type"], service=row["service"],
                        name=row["servicename"], url_button_index=int(row["urlbuttonindex"] or 0),
                        url_label=row["urllabel"], parameters=dict((k, MASK if k in secret and v else v)
                                                                   for k, v in values.items()),
                        stale=bool(definition) and is_stale(row, definition, row["pairs"])))
    return sorted(out, key=lambda s: (s["device"], s["service"], s["url_button_index"], s["name"]))
