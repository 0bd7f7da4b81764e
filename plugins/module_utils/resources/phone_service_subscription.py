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

import json
import os
import re
import resource as resource_usage
import threading
import time

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, bulk, engine, identity, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import MASK, Option, Resource, suggest
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone_service import (
    ASCII_NAME, DEVICE_KIND, DEVICE_OPS, DEVICE_TYPES, MAX_SUBSCRIPTIONS, VALUE, VALUE_HINT, device_type_of,
    devices_subscriptions, fix_by_sql, is_stale, read_device, read_service, rebuild, resave_device, service_names,
    subscriptions, subscriptions_like, write_device)

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


def same_subscription(item, service_pkid, service_name, index):
    """Whether an item of read_device is a subscription to the service with this pkid and name at URL button
    ``index`` (compared by the service's uuid when the item carries it, else by its name)."""
    if item["service_uuid"]:
        same = _key(item["service_uuid"]) == _key(service_pkid)
    else:
        same = item["service"] == service_name
    return same and item["index"] == index


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
        self.use(service)
        secrets, problems, resolved = self.resolve(params)
        self.hide(secrets)
        if problems:
            raise CucmError("; ".join(problems) + ". Nothing was written.")
        self.device_type = params["device_type"]
        return resolved

    def secrets_of(self, declared):
        """The values of a declared ``parameters`` to hide (see :meth:`resolve`); all of them when it is not
        a mapping."""
        if not isinstance(declared, dict):
            return leaves(declared)
        known = set(p["name"] for p in self.service["parameters"])
        return [leaf for k, v in declared.items() if k in self._secret or k not in known or isinstance(v, (dict, list))
                for leaf in leaves(v)]

    def use(self, service):
        """Manage subscriptions to ``service`` (a definition read with read_service)."""
        self.service = service
        self._secret = set(p["name"] for p in service["parameters"] if p["password"])
        self.create_defaults = {"name": service["name"]}

    def resolve(self, params):
        """Check a declaration against the service (no request): ``(secrets, problems, parameters)``.
        ``secrets`` are the declared values to hide before any message can show them: those of password
        parameters, of a misspelt name ("pasword") and anything that is not text (a list or dict given by
        mistake).  A password value declared as the mask (VALUE_SPECIFIED_IN_NO_LOG_PARAMETER, as results and
        cucm_phone_service_subscription_info show it) means "keep the current value": it is never written."""
        service = self.service
        declared = params.get("parameters") or {}
        secrets = self.secrets_of(declared)
        if service["enterprise_subscription"]:
            return secrets, ["service: %r is an enterprise subscription service: CUCM gives it to every phone and "
                             "refuses subscriptions to it (rule RI-476)" % service["name"]], None
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
            if key in self._secret and text == MASK:
                continue
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
        return secrets, problems, dict(params, service=service["name"], parameters=values)

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
        return same_subscription(item, self.service["_uuid"], self.service["name"], index)

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
        item = self.matches[0]
        self.current = self.current_of(item["name"], item["label"], index, self.rows.get(self.positions[0]))
        self.hide(self.secret_values(self.current))
        return self.current

    def current_of(self, name, label, index, row):
        """The subscription as the engine compares it: its name and label, its values (the first row of a
        duplicated parameter) from its SQL ``row`` (None when it has none), whether its URL is stale."""
        pairs = row["pairs"] if row else []
        pkid = _key(row["pkid"]) if row else None
        return {"service": self.service["name"], "url_button_index": index, "name": name, "url_label": label or "",
                "parameters": first_values(pairs), "_uuid": "{%s}" % pkid.upper() if pkid else "", "_pkid": pkid,
                "_stale": bool(row) and is_stale(row, self.service, pairs)}

    def secret_values(self, current):
        """The values of password parameters a subscription has (to hide)."""
        return [v for k, v in (current or {}).get("parameters", {}).items() if k in self._secret and v]

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
        problems = self.rule_problems(key, self.device["services"], self.matches, desired, current)
        if problems:
            raise CucmError("; ".join(problems) + ". Nothing was written.")

    def rule_problems(self, key, services, mine, desired, current):
        """CUCM's rules for a change of this subscription on device ``key``, whose subscriptions are ``services``
        (each with ``index``, ``name`` and ``service``; ``mine`` are this one's): the most subscriptions a device
        may have (alone, when it is broken), the required parameters of a new one, a URL button used once."""
        problems = []
        if current is None:
            if len(services) >= MAX_SUBSCRIPTIONS:
                return ["device: %r already has %d IP phone service subscriptions, the most CUCM allows (rule RI-189); "
                        "remove one first" % (key, len(services))]
            have = desired.get("parameters") or {}
            missing = [p["name"] for p in self.service["parameters"] if p["required"] and not have.get(p["name"])]
            if missing:
                problems.append("parameters: service %r requires %s and has no default for %s; declare a value"
                                % (self.service["name"], ", ".join(repr(n) for n in missing),
                                   "it" if len(missing) == 1 else "them"))
        index = desired["url_button_index"]
        if index:
            others = [s for s in services if s["index"] == index and not any(s is m for m in mine)]
            if others:
                problems.append("url_button_index: button %d of %r is already used by subscription %r (service %r); "
                                "CUCM wants a URL button index to be unique on a device"
                                % (index, key, others[0]["name"], others[0]["service"]))
        return problems

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

    def load_parameters(self, client):
        """Read the pkids of the service's parameters (once), which value rows refer to."""
        if self._parameter_pkids is None:
            rows = client.sql_query(sql.render(PARAMETER_PKIDS, service=self.service["_pkid"]))
            self._parameter_pkids = dict((r["name"], sql.Guid(r["pkid"])) for r in rows)

    def _parameter_pkid(self, client, name):
        self.load_parameters(client)
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


# ====================================================================== many subscriptions in one task
# cucm_phone_service_subscriptions: the declaration checked as a whole, the devices read in a few paged
# requests, every rule checked before the first write, then the writes in phases, each device's list written
# by one worker (a list write replaces the whole list), reads never parallel:
#   1. the devices whose list changes (new, renamed or removed subscriptions): read again, written once;
#   2. (read) the rows of new and renamed subscriptions;
#   3. the parameter values that differ (SQL, one statement per value);
#   4. (read) the subscriptions written or stale as read: which URLs are stale now;
#   5. those devices saved again (CUCM rebuilds their URLs); 6. (read) an URL still stale is set by SQL.

def label_of(device, service, index):
    """How a subscription is named in messages and diffs: ``SEP001122334455: IPPA (button 2)``."""
    return "%s: %s%s" % (device, service, " (button %d)" % index if index else "")


def _index_of(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return 0 if value is None else None


class Naming(bulk.Naming):
    """A subscription is the device, the service and the URL button index it declares."""

    def __init__(self):
        self.key = "device"
        self.what = "subscriptions"

    def owner(self, item):
        device, service, index = item.get("device"), item.get("service"), _index_of(item.get("url_button_index"))
        if isinstance(device, str) and device and isinstance(service, str) and service and index is not None:
            return (device, service, index)
        return None

    def shown(self, item):
        owner = self.owner(item)
        return label_of(*owner) if owner else item.get("device")

    def twin(self, params):
        key = (identity.fold(params["device"]), params["service"], params["url_button_index"])
        return key, label_of(params["device"], params["service"], params["url_button_index"])


def declared_values(params):
    """Every value inside the declared subscriptions' ``parameters`` (all of an item that is not a mapping): kept
    out of what the module reports until the services say which of them are passwords."""
    items = params.get("subscriptions")
    items = items if isinstance(items, list) else [items]
    return [leaf for item in items for leaf in (leaves(item.get("parameters")) if isinstance(item, dict) else leaves(item))]


def item_spec():
    """The argument spec of one item of ``subscriptions``: cucm_phone_service_subscription's options, except
    ``state``; ``update_secrets`` has no default there (the module's applies)."""
    spec = Subscription().argument_spec()
    spec.pop("state")
    spec["update_secrets"] = dict(spec["update_secrets"])
    spec["update_secrets"].pop("default")
    return spec


def _export(dest, subscriptions):
    ext = os.path.splitext(dest)[1].lower()
    with open(dest, "w", encoding="utf-8") as handle:
        if ext in (".yml", ".yaml"):
            import yaml
            yaml.safe_dump({"subscriptions": subscriptions}, handle, sort_keys=False, default_flow_style=False)
        else:
            json.dump({"subscriptions": subscriptions}, handle, indent=1, sort_keys=True)


class Plan(object):
    """One declared subscription (or one to remove) and what the run does with it."""

    def __init__(self, key, res, action, params=None, current=None, desired=None, changes=None, rows=(), declared=()):
        self.key = key                      # (device, device_type, service, url_button_index)
        self.res = res                      # the Subscription of its service (None: a service nobody declared)
        self.action = action                # created, updated, deleted, healed (a stale URL only), unchanged
        self.params = params or {}
        self.current = current
        self.desired = desired or {}
        self.changes = changes or {}
        self.rows = list(rows)              # its SQL rows as read (a removal removes them all)
        self.declared = list(declared)      # the options it declares (for the diff)
        self.pkid, self.have, self.target = (current or {}).get("_pkid"), dict((current or {}).get("parameters") or {}), None
        self.failed = False
        self.lost = False                   # removed by another job while this run wrote its values
        self.error = None
        self.url_rebuilt = False
        self.service_pkid = rows[0]["servicepkid"] if rows else (res.service["_pkid"] if res else None)

    @property
    def device(self):
        return self.key[0]

    @property
    def index(self):
        return self.key[3]

    def lists(self):
        """Whether the device's subscription list changes."""
        return self.action in ("created", "deleted") or bool(set(self.changes) & set(("name", "url_label")))

    def values(self):
        """Whether parameter values are written (after the list, for a new or renamed subscription)."""
        if self.action == "created":
            return bool(self.changes.get("parameters"))
        return self.action == "updated" and ("parameters" in self.changes or bool(set(self.changes) & set(("name", "url_label"))))


def _entry(key):
    return dict(device=key[0], device_type=key[1], service=key[2], url_button_index=key[3])


class SubscriptionSet(object):
    """The bulk run of cucm_phone_service_subscriptions (see the module's documentation)."""

    def __init__(self, module):
        self.module = module
        self.client = module.client
        self.p = module.params
        self.resources = {}          # service name -> Subscription that uses it; None when CUCM has no such service
        self.outcome = bulk.Outcome(entry=_entry, name=lambda key: label_of(key[0], key[2], key[3]))
        self.clients = [self.client]
        self.problems = []
        self.invalid = {} if self.p["on_invalid"] == "skip" else None

    # ------------------------------------------------------------------ the run
    def run(self):
        started = time.monotonic()
        p, state = self.p, self.p["state"]
        scope = self._scope()
        raw = p["subscriptions"] or []
        if p["subscriptions_file"] is not None:
            raw = bulk.load_file(p["subscriptions_file"], Subscription(), what="subscriptions",
                                 columns=("device_type", "update_secrets"))
            # until the services say which values are passwords, every value of the file is kept out of output
            self.module.defer(leaf for item in raw if isinstance(item, dict) for leaf in leaves(item.get("parameters")))
        items = bulk.validate_items(Subscription(), raw, self.client.version, allow_secrets=True, invalid=self.invalid,
                                    naming=Naming(), spec=item_spec())
        self._read_services(set(i["service"] for i in items) | set([scope.get("service")] if scope.get("service") else []))
        self._hide_declared(raw)
        scope_service = self._scope_service(scope)
        resolved = self._resolve(items)
        if state == "gathered":
            if self.problems:
                bulk.raise_problems("nothing can be read", self.problems)
            return self._gather(items, scope, scope_service, started)
        declared = set(key for key, _r, _p, _d in resolved) | set(self.invalid or ())
        if state in ("overridden", "deleted") and not items and not self.invalid and not p["allow_empty"]:
            self._refuse_empty(state, scope, scope_service)
        plans = self._plan(resolved, declared, scope, scope_service)
        if self.problems:
            bulk.raise_problems("nothing can be written", self.problems)
        skipped = [dict(device=k[0], service=k[1], url_button_index=k[2], reasons=r) for k, r in sorted((self.invalid or {}).items())]
        if skipped:
            self.module.warn("%d subscriptions were left untouched because their declaration cannot be applied "
                             "(on_invalid=skip): %s; see 'skipped_subscriptions'"
                             % (len(skipped), ", ".join(label_of(s["device"], s["service"], s["url_button_index"])
                                                        for s in skipped[:10])))
        # a diff may show the current values of what changes: hide its password values too
        self.module.hide(v for plan in plans if plan.res and plan.action != "unchanged"
                         for v in plan.res.secret_values(plan.current))
        if not self.module.check_mode:
            self._write(plans)
        else:
            for plan in plans:
                plan.url_rebuilt = bool(plan.current and plan.current["_stale"] and plan.action in ("updated", "healed"))
        self._record(plans)
        outcome = self.outcome
        result = dict(changed=bool(outcome.changes), counts=outcome.counts, changes=outcome.changes,
                      failures=outcome.failures, skipped_subscriptions=skipped, axl=self._counters(),
                      performance=self._performance(started))
        if self.module.diff_mode and outcome.changes:
            result["diff"] = dict(before=outcome.before, after=outcome.after)
        if outcome.failures:
            raise CucmError("%d of %d subscriptions failed (the others were converged): %s" % (
                len(outcome.failures), len(plans), "; ".join(
                    "%s: %s" % (label_of(f["device"], f["service"], f["url_button_index"]), f["msg"])
                    for f in outcome.failures[:10])), **result)
        return result

    def _scope(self):
        p = self.p
        if not 1 <= p["concurrency"] <= 8:
            raise CucmError("concurrency must be between 1 and 8")
        if p["max_deletions"] < 0:
            raise CucmError("max_deletions must not be negative")
        if p["state"] != "gathered" and p["subscriptions"] is None and p["subscriptions_file"] is None:
            raise CucmError("state=%s needs subscriptions or subscriptions_file" % p["state"])
        scope = dict((k, v) for k, v in (p["scope"] or {}).items() if v is not None)
        if p["scope"] is not None and not scope:
            raise CucmError("scope: give service, device or both. Nothing was written.")
        if scope.get("device") is not None and not scope["device"].strip():
            raise CucmError("scope.device is empty; give the pattern of the device names in scope (write %% for every "
                            "device of the cluster). Nothing was written.")
        if scope.get("device") is not None and engine.SQL_UNSAFE.search(scope["device"]):
            raise CucmError("scope.device: %r contains a backslash or a control character. Nothing was written."
                            % scope["device"])
        if p["state"] == "gathered" and not scope and p["subscriptions"] is None and p["subscriptions_file"] is None:
            raise CucmError("state=gathered needs scope (what to read) or the subscriptions to read")
        if p["dest"] is not None:
            if p["state"] != "gathered":
                raise CucmError("dest is only used with state=gathered")
            if os.path.splitext(p["dest"])[1].lower() not in (".json", ".yml", ".yaml"):
                raise CucmError("dest: %s must end in .json, .yml or .yaml" % p["dest"])
        return scope

    # ------------------------------------------------------------------ the declaration
    def refuse(self, key, message):
        """A problem of one subscription (``key``: device, service, index): it fails the task, or (on_invalid=skip)
        leaves that subscription out."""
        if self.invalid is not None:
            self.invalid.setdefault(key, []).append(message)
        else:
            self.problems.append("%s: %s" % (label_of(*key), message))

    def _read_services(self, names):
        for name in sorted(names):
            definition = read_service(self.client, name)
            res = None
            if definition is not None:
                res = Subscription()
                res.use(definition)
            self.resources[name] = res

    def _unknown_service(self, name):
        if not hasattr(self, "_catalogue"):
            self._catalogue = service_names(self.client)
        return "unknown IP phone service %r%s" % (name, suggest(name, self._catalogue))

    def _hide_declared(self, raw):
        """Hide the declared values that are secrets (password parameters of the services read; every value of
        an item whose service is unknown or whose parameters are not a mapping), then show the others again.
        A value of an unknown service's item that is part of a declared device name (an agent's user ID in
        UDP_<userid>) is not hidden: the result names the devices, and Ansible would mask it inside them."""
        secrets, unsure = [], []
        names = [item["device"] for item in raw if isinstance(item, dict) and isinstance(item.get("device"), str)]
        for item in raw:
            if not isinstance(item, dict) or item.get("parameters") is None:
                continue
            res = self.resources.get(item.get("service")) if isinstance(item.get("service"), str) else None
            if res is not None:
                secrets.extend(res.secrets_of(item["parameters"]))
            else:
                unsure.extend(leaves(item["parameters"]))
        self.module.hide(secrets + [v for v in set(unsure) if not any(v in name for name in names)])

    def _scope_service(self, scope):
        name = scope.get("service")
        if name is None:
            return None
        if self.resources.get(name) is None:
            raise CucmError("scope.service: %s. Nothing was written." % self._unknown_service(name))
        return self.resources[name]

    def _resolve(self, items):
        """``[(key, resource, parameters, declared options)]`` of the items whose service exists and whose values
        are valid for it (the others are refused)."""
        out = []
        for params in items:
            key = (params["device"], params["service"], params["url_button_index"])
            res = self.resources.get(params["service"])
            if res is None:
                self.refuse(key, "service: %s" % self._unknown_service(params["service"]))
                continue
            declared = [o.name for o in res.options if params.get(o.name) is not None]
            _secrets, problems, resolved = res.resolve(params)
            if problems and self.p["state"] not in ("deleted", "gathered"):
                for message in problems:
                    self.refuse(key, message)
                continue
            out.append((key, res, resolved or params, declared))
        return out

    # ------------------------------------------------------------------ reading
    def _read_devices(self, names, resources):
        return devices_subscriptions(self.client, names, [r.service["_pkid"] for r in resources])

    def _in_scope(self, scope):
        match = bulk.like(scope["device"]) if scope.get("device") else None
        service = scope.get("service")

        def in_scope(device, row):
            return (service is None or row["service"] == service) and (match is None or match(device))
        return in_scope

    def _scope_rows(self, scope, scope_service, values=False):
        """The subscriptions in scope (of its devices, of its service), in pages."""
        pattern = scope.get("device") or "%"
        match = bulk.like(pattern)
        rows = subscriptions_like(self.client, pattern, scope_service.service["_pkid"] if scope_service else None, values)
        return [r for r in rows if match(r["device"])]

    def _refuse_empty(self, state, scope, scope_service):
        if state == "overridden":
            doomed = sorted(set(label_of(r["device"], r["service"], r["index"]) for r in self._scope_rows(scope, scope_service)))
            raise CucmError("state=overridden with no subscriptions declared would remove every subscription in scope "
                            "(%d: %s). Declare the subscriptions that stay, or set allow_empty=true if that is really "
                            "meant. Nothing was written." % (len(doomed), bulk._listed(doomed) or "none"),
                            would_delete=len(doomed))
        raise CucmError("state=deleted with no subscriptions declared: nothing to do, and an empty list is more often "
                        "a mistake than a wish; set allow_empty=true to accept it. Nothing was written.")

    # ------------------------------------------------------------------ planning
    def _plan(self, resolved, declared, scope, scope_service):
        state = self.p["state"]
        used = dict((id(r), r) for _k, r, _p, _d in resolved)
        found = self._read_devices(set(k[0] for k in declared), list(used.values()))
        plans, creating = [], {}
        for key, res, params, options in resolved:
            device = found.get(key[0])
            if device is None or device["device_type"] != params["device_type"]:
                self.refuse(key, self._device_problem(key[0], params["device_type"], device))
                continue
            full_key = (key[0], params["device_type"], key[1], key[2])
            mine = [r for r in device["rows"] if _key(r["servicepkid"]) == _key(res.service["_pkid"]) and r["index"] == key[2]]
            if state == "deleted":
                plans.append(Plan(full_key, res, "deleted" if mine else "unchanged", params, rows=mine))
                continue
            if len(mine) > 1:
                self.refuse(key, "the device has %d subscriptions to %r at url_button_index %d (%s); which one is meant "
                                 "cannot be told. Remove them (state: deleted removes them all) and declare one"
                            % (len(mine), res.service["name"], key[2], ", ".join(repr(r["servicename"]) for r in mine)))
                continue
            plan = self._plan_one(full_key, res, params, options, device, mine, creating.setdefault(key[0], []))
            if plan is not None:
                plans.append(plan)
        doomed = self._doomed(found, declared, scope, scope_service) if state in ("replaced", "overridden") else []
        removing = [plan for plan in plans if plan.action == "deleted"] + doomed
        # what on_invalid=skip left out is not touched (nor, being declared, removed)
        if self.invalid:
            plans = [plan for plan in plans if (plan.key[0], plan.key[2], plan.key[3]) not in self.invalid]
            removing = [plan for plan in removing if (plan.key[0], plan.key[2], plan.key[3]) not in self.invalid]
        if len(removing) > self.p["max_deletions"]:
            names = sorted(label_of(pl.key[0], pl.key[2], pl.key[3]) for pl in removing)
            self.problems.append("state=%s would remove %d subscriptions%s (%s), more than max_deletions=%d" % (
                state, len(removing), " in scope" if state == "overridden" else "", bulk._listed(names),
                self.p["max_deletions"]))
        return plans + doomed

    @staticmethod
    def _device_problem(name, device_type, device):
        noun = DEVICE_OPS[device_type][3]
        if device is None:
            return "device: unknown %s %r" % (noun, name)
        actual = device["device_type"]
        return "device: %r is a %s, not a %s; set device_type: %s" % (name, DEVICE_OPS[actual][3], noun, actual)

    def _plan_one(self, key, res, params, options, device, mine, creating):
        item_params = dict(params, update_secrets=params.get("update_secrets") or self.p["update_secrets"])
        current = res.current_of(mine[0]["servicename"], mine[0]["urllabel"], key[3], mine[0]) if mine else None
        initial = res.initial(self.client, key[0], item_params) if current is None else None
        try:
            desired, changes = engine.plan(res, item_params, current, initial)
        except CucmError as exc:
            self.refuse((key[0], key[2], key[3]), str(exc))
            return None
        if current is None or changes:
            views = [dict(index=r["index"], name=r["servicename"], service=r["service"], _row=r) for r in device["rows"]]
            own = [v for v in views if any(v["_row"] is r for r in mine)]
            problems = res.rule_problems(key[0], views + creating, own, desired, current)
            if problems:
                for message in problems:
                    self.refuse((key[0], key[2], key[3]), message)
                return None
        if current is None:
            creating.append(dict(index=key[3], name=desired.get("name"), service=key[2]))
            action = "created"
        elif changes:
            action = "updated"
        else:
            action = "healed" if current["_stale"] else "unchanged"
        return Plan(key, res, action, item_params, current, desired, changes, mine, options)

    def _doomed(self, found, declared, scope, scope_service):
        """Removals of replaced (on each declared device, what is in scope and not declared; without a scope, the
        subscriptions to the services declared for that device) and of overridden (every device in scope)."""
        state = self.p["state"]
        in_scope = self._in_scope(scope) if scope else None
        services_of = {}
        for device, service, _index in declared:
            services_of.setdefault(device, set()).add(service)
        groups = {}

        def consider(device, device_type, row):
            if (device, row["service"], row["index"]) in declared:
                return
            if in_scope is not None and not in_scope(device, row):
                return
            if in_scope is None and row["service"] not in services_of.get(device, ()):
                return
            groups.setdefault((device, device_type, row["service"], row["index"]), []).append(row)

        for device, info in found.items():
            if device in services_of:
                for row in info["rows"]:
                    consider(device, info["device_type"], row)
        if state == "overridden":
            for row in self._scope_rows(scope, scope_service):
                if row["device"] not in services_of:
                    consider(row["device"], row["device_type"], row)
        return [Plan(key, self.resources.get(key[2]), "deleted", rows=rows) for key, rows in sorted(groups.items())]

    # ------------------------------------------------------------------ writing
    def _pool(self, jobs, work):
        """Run ``work(client, job)`` for each job with the workers (one client each, the task's one AXL session)."""
        if self.p["concurrency"] <= 1 or len(jobs) <= 1:
            for job in jobs:
                work(self.client, job)
            return
        local, lock = threading.local(), threading.Lock()

        def in_worker(job):
            if not hasattr(local, "client"):
                with lock:
                    local.client = self.client.fork()
                    self.clients.append(local.client)
            work(local.client, job)

        with ThreadPoolExecutor(max_workers=self.p["concurrency"]) as pool:
            list(pool.map(in_worker, jobs))

    def _fail(self, plans, exc):
        for plan in plans:
            if not plan.failed:
                plan.failed = True
                plan.error = str(exc)

    def _write(self, plans):
        live = [plan for plan in plans if plan.action != "unchanged"]
        self._lists_and_values(live)
        # read back what was written (or is stale as read): a subscription this run created or renamed that
        # another job's list write removed since (its values then went nowhere) is made again, once; then the
        # stale URLs are rebuilt
        touched = [pl for pl in live if not pl.failed and pl.action != "deleted" and (pl.pkid or pl.lost)]
        found = self._read_rows(touched)
        lost = [pl for pl in touched if pl.lists() and (pl.lost or not pl.pkid or str(sql.Guid(pl.pkid)) not in found)]
        if lost:
            for pl in lost:
                pl.pkid, pl.lost = (None if pl.action == "created" else pl.pkid), False
            self._lists_and_values(lost)
            touched = [pl for pl in touched if not pl.failed and pl.pkid]
            found = self._read_rows(touched)
            for pl in lost:
                if not pl.failed and (pl.lost or not pl.pkid or str(sql.Guid(pl.pkid)) not in found):
                    self._fail([pl], CucmError("another client's write of the device's list removed it again after "
                                               "it was made again; run the task again"))
        touched = [pl for pl in touched if not pl.failed and pl.pkid]
        if touched:
            self._rebuild(touched, found)

    def _lists_and_values(self, live):
        """1. the lists of the devices (one worker a device); 2. read back; 3. the values that differ."""
        by_device = {}
        for plan in live:
            by_device.setdefault((plan.device, plan.key[1]), []).append(plan)
        listed = sorted((d, [pl for pl in group if pl.lists()]) for d, group in by_device.items()
                        if any(pl.lists() for pl in group))

        def write_list(client, job):
            (name, device_type), group = job
            try:
                self._write_list(client, name, device_type, group)
            except (axl.AxlError, CucmError) as exc:
                self._fail(by_device[(name, device_type)], exc)

        self._pool(listed, write_list)
        # the lists read back: each change in effect (the write of another job that read a list before this one
        # wrote it undoes a change: made again, once), and the rows of new and renamed subscriptions
        undone = self._read_back([pl for pl in live if not pl.failed and pl.lists()])
        if undone:
            again = {}
            for pl in undone:
                again.setdefault((pl.device, pl.key[1]), []).append(pl)
            self._pool(sorted(again.items()), write_list)
            for pl in self._read_back([pl for pl in undone if not pl.failed]):
                self._fail([pl], CucmError("another client's write of the device's list undid this change twice; run "
                                           "the task again"))
        valued = [pl for pl in live if not pl.failed and pl.values()]
        for pl in valued:
            if pl.target is None:
                pl.target = pl.changes.get("parameters") or {}
            pl.res.load_parameters(self.client)

        def write_values(client, plan):
            try:
                self._write_values(client, plan)
            except axl.AxlFault as exc:
                # the subscription is gone (another job's list write): made again by the caller, not failed
                if plan.lists() and not subscriptions(client, pkid=plan.pkid):
                    plan.lost = True
                else:
                    self._fail([plan], exc)
            except (axl.AxlError, CucmError) as exc:
                self._fail([plan], exc)

        self._pool([pl for pl in valued if not pl.failed], write_values)

    def _read_rows(self, plans):
        """``{pkid: subscription}`` of the devices of ``plans``, read again (with the values of their services)."""
        if not plans:
            return {}
        found = self._read_devices(set(pl.device for pl in plans), set(pl.res for pl in plans))
        return dict((r["pkid"], r) for info in found.values() for r in info["rows"])

    def _write_list(self, client, name, device_type, group):
        for attempt in range(2):
            device = read_device(client, name, device_type)
            if device is None:
                raise CucmError("device: %r no longer exists" % name)
            target = self._target_list(device["services"], group)
            if [_shape(s) for s in target] == [_shape(s) for s in device["services"]]:
                return
            try:
                write_device(client, name, device_type, target)
                return
            except axl.AmbiguousWrite:
                if attempt:
                    raise

    @staticmethod
    def _target_list(services, group):
        """The device's list with this run's changes, from the list as read just now (another job's subscription
        added meanwhile stays; a change already made, by a write whose answer was lost, is not made twice)."""
        out = [s for s in services if not any(
            pl.action == "deleted" and same_subscription(s, pl.service_pkid, pl.key[2], pl.index) for pl in group)]
        for pl in group:
            if pl.action == "updated":
                places = [i for i, s in enumerate(out) if pl.res._is_mine(s, pl.index)]
                if len(places) != 1:
                    raise CucmError("%s: the device now has %d such subscriptions (another client changed it after "
                                    "this task read it); run the task again"
                                    % (label_of(pl.device, pl.key[2], pl.index), len(places)))
                out[places[0]] = pl.res._item(pl.changes, out[places[0]])
        for pl in group:
            if pl.action == "created" and not any(pl.res._is_mine(s, pl.index) for s in out):
                out.append(pl.res._item(pl.changes))
        return out

    def _read_back(self, plans):
        """After the list writes: which changes are not in effect (returned), and each new or renamed
        subscription's row and the values it has."""
        if not plans:
            return []
        found = self._read_devices(set(pl.device for pl in plans), set(pl.res for pl in plans if pl.res))
        undone = []
        for pl in plans:
            rows = [r for r in found.get(pl.device, {}).get("rows", ())
                    if _key(r["servicepkid"]) == _key(pl.service_pkid) and r["index"] == pl.index]
            if pl.action == "deleted":
                if rows:
                    undone.append(pl)
                continue
            name = pl.changes.get("name", (pl.current or {}).get("name"))
            label = pl.changes.get("url_label")
            rows = [r for r in rows if r["servicename"] == name and (label is None or (r["urllabel"] or "") == label)]
            same = [r for r in rows if pl.pkid and _key(r["pkid"]) == pl.pkid]
            row = same[0] if same else (rows[0] if rows else None)
            if row is None:
                undone.append(pl)
                continue
            # CUCM may have replaced a renamed subscription's row (and dropped its values): write back what is missing
            pl.pkid, pl.have = _key(row["pkid"]), first_values(row["pairs"])
            pl.target = pl.changes.get("parameters") if pl.action == "created" else \
                pl.changes.get("parameters", pl.current["parameters"])
            pl.target = pl.target or {}
        return undone

    @staticmethod
    def _write_values(client, plan):
        try:
            plan.res._write_values(client, plan.pkid, plan.target, plan.have)
        except axl.AmbiguousWrite:
            # written or not: read the values again, and write what is still missing (never a second row)
            found = subscriptions(client, pkid=plan.pkid)
            plan.have = first_values(found[0]["pairs"]) if found else {}
            plan.res._write_values(client, plan.pkid, plan.target, plan.have)

    def _rebuild(self, plans, found):
        """Stale URLs of what this run wrote (or found stale; ``found``: their rows as read last): each device saved
        again once, as an administrator would; a URL still stale after that is set by SQL."""
        stale = self._stale(plans, found)
        if not stale:
            return
        devices = sorted(set((pl.device, pl.key[1]) for pl in stale))

        def resave(client, device):
            for attempt in range(2):
                try:
                    resave_device(client, device[0], device[1])
                    return
                except axl.AmbiguousWrite:
                    if attempt:
                        self._fail([pl for pl in stale if (pl.device, pl.key[1]) == device], axl.AmbiguousWrite(
                            "the device's re-save (which rebuilds its URLs) got no answer twice"))
                except (axl.AxlError, CucmError) as exc:
                    self._fail([pl for pl in stale if (pl.device, pl.key[1]) == device], exc)
                    return

        self._pool(devices, resave)
        for pl in stale:
            pl.url_rebuilt = not pl.failed
        again = [pl for pl in stale if not pl.failed]
        still = self._stale(again, self._read_rows(again))
        for pl in still:
            try:
                fix_by_sql(self.client, pl.res.service, pl.row)
            except (axl.AxlError, CucmError) as exc:
                self._fail([pl], exc)

    @staticmethod
    def _stale(plans, rows):
        out = []
        for pl in plans:
            row = rows.get(str(sql.Guid(pl.pkid)))
            if row is not None and is_stale(row, pl.res.service, row["pairs"]):
                pl.row = row
                out.append(pl)
        return out

    # ------------------------------------------------------------------ the result
    def _record(self, plans):
        outcome = self.outcome
        for plan in plans:
            key = plan.key
            if plan.failed:
                outcome.fail(key, "updated" if plan.action == "healed" else plan.action, plan.error)
                continue
            if plan.action == "unchanged":
                outcome.record(key, "unchanged")
            elif plan.action == "healed":
                outcome.record(key, "updated", (), url_rebuilt=plan.url_rebuilt)
            elif plan.action == "deleted":
                shown = dict(device=key[0], service=key[2], url_button_index=key[3])
                outcome.record(key, "deleted", (), dict(shown, state="present"), dict(shown, state="absent"),
                               url_rebuilt=False)
            else:
                fields = sorted(n for n in plan.changes if n != "parameters")
                had = (plan.current or {}).get("parameters") or {}
                fields += ["parameters.%s" % n for n, v in sorted((plan.changes.get("parameters") or {}).items())
                           if plan.current is None or had.get(n) != v]
                diff = engine.diff_of(plan.res, key[0], plan.declared, plan.current, plan.desired, plan.changes, "present")
                for side in ("before", "after"):
                    if diff[side]:
                        diff[side].update(service=key[2], url_button_index=key[3])
                outcome.record(key, "created" if plan.action == "created" else "updated", fields,
                               diff["before"], diff["after"], url_rebuilt=plan.url_rebuilt)

    def _counters(self):
        return dict((k, sum(c.counters[k] for c in self.clients)) for k in self.client.counters)

    @staticmethod
    def _performance(started):
        return dict(seconds=round(time.monotonic() - started, 2),
                    peak_rss_mb=resource_usage.getrusage(resource_usage.RUSAGE_SELF).ru_maxrss // 1024)

    # ------------------------------------------------------------------ gathered
    def _gather(self, items, scope, scope_service, started):
        if scope:
            rows = self._scope_rows(scope, scope_service, values=True)
        else:
            wanted = set((i["device"], i["service"], i["url_button_index"]) for i in items)
            found = self._read_devices(set(w[0] for w in wanted), [r for r in self.resources.values() if r is not None])
            rows = [r for info in found.values() for r in info["rows"] if (r["device"], r["service"], r["index"]) in wanted]
        definitions = {}
        for row in rows:
            name = row["service"]
            if name not in definitions:
                known = self.resources.get(name)
                definitions[name] = known.service if known is not None else read_service(self.client, name)
        out = []
        for row in rows:
            definition = definitions.get(row["service"]) or {"parameters": []}
            secret = set(p["name"] for p in definition["parameters"] if p["password"])
            out.append(dict(device=row["device"], device_type=row["device_type"], service=row["service"],
                            url_button_index=row["index"], name=row["servicename"], url_label=row["urllabel"] or "",
                            parameters=dict((k, MASK if k in secret and v else v)
                                            for k, v in first_values(row["pairs"]).items())))
        out.sort(key=lambda s: (s["device"], s["service"], s["url_button_index"], s["name"]))
        result = dict(changed=False, counts=dict(self.outcome.counts, gathered=len(out)), changes=[], failures=[],
                      skipped_subscriptions=[], axl=self._counters(), performance=self._performance(started))
        if self.p["dest"]:
            _export(self.p["dest"], out)
            result["exported"] = self.p["dest"]
        else:
            result["subscriptions"] = out
        return result


def _shape(item):
    return (item.get("service"), item.get("name"), item.get("index"), item.get("label") or "")
