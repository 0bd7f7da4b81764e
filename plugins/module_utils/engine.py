# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The declarative engine every module uses: read, compare, diff, check, write.

A module declares its object as a :class:`Resource`: the options, each mapped to an AXL field
(:class:`Option`), and how the object is read and written.  The engine builds the argument
spec, reads the current object, works out what differs (case rules, order-insensitive lists
with ``add``/``remove``/``set``, secrets with ``update_password``), validates before any write,
writes only the changed fields (nothing in check mode), and returns ``changed``, a ``diff``
limited to the declared options and the resulting object.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, axl_schema, identity, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError

MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
SQL_UNSAFE = re.compile(u"[\\\\\x00-\x1f\x7f]")   # what sql.literal refuses


def sql_text(option, value):
    """Refuse, naming the option, a text that cannot be an SQL literal (see sql.literal)."""
    if value is not None and SQL_UNSAFE.search(value):
        raise CucmError("%s: %r contains a backslash or a control character, which CUCM's names cannot hold. "
                        "Nothing was written." % (option, value))


PLACEHOLDER_UUID = "{00000000-0000-0000-0000-000000000000}"


class Option(object):
    """A module option and the AXL field behind it.

    ``axl`` is a path in the AXL object; a ``*`` marks the element that repeats, e.g.
    ``associatedGroups/userGroup*/name``.  ``kind`` is ``str``, ``bool``, ``int``, ``list``
    (declared as ``{add, remove, set}``), ``keyed`` (the same, but items are ``{name: .., <value>: ..}``
    and a name maps to one value, e.g. a role's resources and their permission), ``dict``
    (``fields`` maps sub-options to AXL children), ``secret`` (write-only, ``no_log``, governed by
    ``update_password``), ``map`` (free names to text values, e.g. a phone-service subscription's
    parameters: only the declared names are compared and written, the others keep their values;
    the items :meth:`Resource.secret_items` names are secrets) or ``records`` (an ordered list of
    dicts compared as a whole; ``spec`` gives its argument spec).
    """

    def __init__(self, name, axl=None, kind="str", choices=None, ref=None, max_len=None, ldap=False,
                 ignore_case=False, fields=None, since=None, create_only=False, description=None, pattern=None,
                 pattern_hint=None, value_key=None, value_choices=None, spec=None, sql=False):
        self.name = name
        self.axl = axl
        self.kind = kind
        self.choices = choices
        self.ref = ref                  # reference kind checked to exist before any write
        self.max_len = max_len          # CUCM's database limit (the XSD's, if any, is checked too)
        self.ldap = ldap                # owned by the directory for LDAP-synchronised objects
        self.ignore_case = ignore_case
        self.fields = fields or {}
        self.since = since              # first AXL schema version that has the field
        self.create_only = create_only
        self.description = description
        self.pattern = re.compile(pattern) if pattern else None   # format the value must match
        self.pattern_hint = pattern_hint                          # says what the pattern means
        self.sql = sql                                            # the value reaches SQL (see sql.literal)
        self.value_key = value_key                                # keyed lists: the item's value field
        self.value_choices = value_choices
        self.spec = spec                                          # explicit argument spec

    # ------------------------------------------------------------------ argument spec
    def argspec(self):
        if self.spec is not None:
            return dict(self.spec)
        if self.kind == "map":
            # values may be secrets the module learns about only from CUCM (it hides them then)
            return dict(type="dict", no_log=False)
        if self.kind == "keyed":
            item = dict(name=dict(type="str", required=True),
                        **{self.value_key: dict(type="str", choices=list(self.value_choices))})
            return dict(type="dict", options=dict(
                add=dict(type="list", elements="dict", options=item),
                remove=dict(type="list", elements="dict", options=item),
                set=dict(type="list", elements="dict", options=item)))
        if self.kind == "list":
            return dict(type="dict", options=dict(
                add=dict(type="list", elements="str"),
                remove=dict(type="list", elements="str"),
                set=dict(type="list", elements="str")))
        if self.kind == "dict":
            return dict(type="dict", options=dict((k, dict(type="str")) for k in self.fields))
        if self.kind == "secret":
            return dict(type="str", no_log=True)
        spec = dict(type=self.kind)
        if self.choices:
            spec["choices"] = list(self.choices)
        return spec

    # ------------------------------------------------------------------ AXL <-> option values
    def read(self, element):
        """The option's value from an AXL object element (as returned by get/list)."""
        if self.kind == "list":
            return read_path(element, self.axl)
        if self.kind == "dict":
            node = find(element, self.axl)
            return dict((k, (find(node, v).text or "") if find(node, v) is not None else "")
                        for k, v in self.fields.items()) if node is not None else dict.fromkeys(self.fields, "")
        values = read_path(element, self.axl)
        text = values[0] if values else ""
        if self.kind == "bool":
            return text.lower() in ("true", "t", "1")
        if self.kind == "int":
            return int(text) if text.lstrip("-").isdigit() else None
        return text

    def to_axl(self, value, body):
        """Put the option's value into a request body (nested dicts in AXL shape)."""
        if self.kind == "dict":
            if not any(value.get(k) for k in self.fields):
                set_path(body, self.axl, "")     # an empty element clears the field
            else:
                set_path(body, self.axl, dict((v, value.get(k) or None) for k, v in self.fields.items()
                                              if value.get(k) is not None))
        else:
            set_path(body, self.axl, value)

    # ------------------------------------------------------------------ comparison
    def norm(self, value):
        if self.kind == "map":
            return dict((k, "" if v is None else v) for k, v in (value or {}).items())
        if self.kind == "records":
            return list(value or [])
        if self.kind == "keyed":
            return sorted((value or {}).items())
        if self.kind == "list":
            return sorted(set((v.lower() if self.ignore_case else v) for v in value or []))
        if self.kind == "dict":
            return dict((k, (value or {}).get(k) or "") for k in self.fields)
        if self.kind in ("str",) and value is not None and self.ignore_case:
            return value.lower()
        if self.kind == "str" and value is None:
            return ""
        return value

    def differs(self, desired, current):
        return self.norm(desired) != self.norm(current)


def find(element, path):
    node = element
    for part in path.replace("*", "").split("/"):
        if node is None:
            return None
        node = node.find(part)
    return node


def read_path(element, path):
    """Texts at a path; every element of a ``*`` segment contributes."""
    nodes = [element]
    for part in path.split("/"):
        name = part.rstrip("*")
        nodes = [c for n in nodes for c in (n.findall(name) if part.endswith("*") else [n.find(name)]) if c is not None]
    return [n.text or "" for n in nodes]


def set_path(body, path, value):
    """Write a value at an AXL path into nested dicts; a list at a ``*`` path becomes repeated
    elements, an empty list an empty wrapper (which clears the list in AXL)."""
    parts = path.split("/")
    star = next((i for i, p in enumerate(parts) if p.endswith("*")), None)
    if star is None:
        node = body
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
        return
    node = body
    for part in parts[:star - 1] if star > 0 else []:
        node = node.setdefault(part, {})
    wrapper = parts[star - 1] if star > 0 else None
    repeated, rest = parts[star].rstrip("*"), parts[star + 1:]
    items = []
    for item in value:
        for part in reversed(rest):
            item = {part: item}
        items.append(item)
    if wrapper is None:
        node[repeated] = items
    else:
        node[wrapper] = {repeated: items} if items else ""


def resolve_list(option, spec, current):
    """The list an ``{add, remove, set}`` declaration asks for, given the current list."""
    spec = spec or {}
    if spec.get("set") is not None and (spec.get("add") or spec.get("remove")):
        raise CucmError("%s: 'set' cannot be combined with 'add' or 'remove'" % option.name)
    key = (lambda v: v.lower()) if option.ignore_case else (lambda v: v)
    removing = set(key(v) for v in spec.get("remove") or [])
    both = set(v for v in spec.get("add") or [] if key(v) in removing)
    if both:
        raise CucmError("%s: %s is in both 'add' and 'remove'" % (option.name, ", ".join(repr(v) for v in sorted(both))))
    if spec.get("set") is not None:
        target = []
        for v in spec["set"]:
            if key(v) not in [key(t) for t in target]:
                target.append(v)
        return target
    target = list(current or [])
    for v in spec.get("add") or []:
        if key(v) not in [key(t) for t in target]:
            target.append(v)
    removed = set(key(v) for v in spec.get("remove") or [])
    return [v for v in target if key(v) not in removed]


def resolve_keyed(option, spec, current):
    """The ``{name: value}`` a keyed ``{add, remove, set}`` declaration asks for."""
    spec = spec or {}
    if spec.get("set") is not None and (spec.get("add") or spec.get("remove")):
        raise CucmError("%s: 'set' cannot be combined with 'add' or 'remove'" % option.name)
    items = {}
    for sub in ("add", "set"):
        for item in spec.get(sub) or []:
            if item["name"] in items and items[item["name"]] != item.get(option.value_key):
                raise CucmError("%s: %r is declared twice with different %s" % (option.name, item["name"], option.value_key))
            if not item.get(option.value_key):
                raise CucmError("%s: %r needs a %s" % (option.name, item["name"], option.value_key))
            items[item["name"]] = item[option.value_key]
    removed = set(item["name"] for item in spec.get("remove") or [])
    both = removed & set(items)
    if both:
        raise CucmError("%s: %s is in both 'add' and 'remove'" % (option.name, ", ".join(repr(v) for v in sorted(both))))
    if spec.get("set") is not None:
        return items
    target = dict(current or {})
    target.update(items)
    for name in removed:
        target.pop(name, None)
    return target


def resolve_map(resource, option, declared, base, creating, always):
    """The whole map a declaration of some of its items asks for.  A secret item that already
    has a value is rewritten only when ``always`` (its owner may have changed it on purpose)."""
    target = dict(base or {})
    secret = set(resource.secret_items(option.name))
    for name, value in (declared or {}).items():
        if name in secret and not creating and not always and target.get(name):
            continue
        target[name] = value
    return target


def masked_map(resource, option, value):
    """A ``map`` value as shown to the user: secret items that have a value are masked."""
    secret = set(resource.secret_items(option.name))
    return dict((k, MASK if k in secret and v else v) for k, v in (value or {}).items())


class Resource(object):
    """One kind of CUCM object.  Subclasses set the attributes and may override the hooks."""

    noun = "object"              # for messages: "end user"
    key = None                   # the identity Option (e.g. userid)
    options = ()                 # the managed Options
    result_key = "object"        # where the module returns the object
    secret_options = ()          # names of secret options governed by update_password
    secret_policy = "update_password"   # the parameter that says when secrets are written
    required_on_create = ()      # option names a create needs
    create_defaults = {}         # option values used on create when not declared

    # hooks ------------------------------------------------------------
    def read(self, client, key, params=None):
        """Current object as ``{option: value}`` plus ``_uuid`` (and any ``_`` facts), or None.
        ``params`` (the module's parameters, when known) lets a resource read only what is
        declared, e.g. the membership of the named users rather than of the whole group."""
        raise NotImplementedError

    def create(self, client, key, values):
        raise NotImplementedError

    def update(self, client, key, changes, current):
        raise NotImplementedError

    def delete(self, client, key, current):
        raise NotImplementedError

    def prepare(self, client, params):
        """Resolve and canonicalise declared values before anything is compared (e.g. names to
        catalogue entries); return the parameters to use.  Raise CucmError for bad input."""
        return params

    def initial(self, client, key, params):
        """Values a new object starts from, as the base of its list options (e.g. ``copy_from``)."""
        return {}

    def check(self, client, key, desired, changes, current):
        """Validate before any write (references exist, rules allow the change); raise CucmError."""

    lookalike_sql = None         # SQL template: ``name`` of the objects whose lower-cased name is in {names}
    replaced_lists = ()          # list options AXL writes only as a whole list (read back after an add/remove)

    def lookalikes(self, client, names):
        """``{name: [existing look-alike names]}`` for ``names`` that do not exist: existing objects whose
        name differs from one of them only in letter case (see identity.fold)."""
        if not self.lookalike_sql or not names:
            return {}
        wanted = dict((identity.fold(n), n) for n in names)
        lowered = sorted(set(n.lower() for n in names))
        found = {}
        for i in range(0, len(lowered), 500):
            for row in client.sql_query(sql.render(self.lookalike_sql, names=lowered[i:i + 500])):
                name = wanted.get(identity.fold(row["name"]))
                if name is not None and row["name"] != name:
                    found.setdefault(name, []).append(row["name"])
        return found

    def refuse_lookalikes(self, client, names):
        """Refuse to create objects named like existing ones (a shadow object); ``names`` do not exist."""
        found = self.lookalikes(client, names)
        if found:
            raise CucmError("; ".join(lookalike_message(self, name, found[name]) for name in sorted(found)) +
                            ". Nothing was written.", lookalikes=found)

    def directory(self, client, key, obj):
        """The LDAP directory the object ``obj`` (as read) is synchronised from, '' when none."""
        return obj.get("_ldap") or ""

    def as_input_value(self, option, value):
        """``option``'s value as the input shape takes it back (see :func:`as_input`)."""
        return value

    def secret_items(self, option):
        """Names of the items of a ``map`` option that are secrets (masked in diffs and results,
        written only on create, when they have no value yet, or when the secret policy says always)."""
        return ()

    def public(self, obj):
        """The object as returned to the user (options only, no secrets, lists sorted; whether it
        is a standard, built-in object when the resource knows)."""
        out = dict((o.name, sorted(obj[o.name] or []) if o.kind == "list" else
                    masked_map(self, o, obj[o.name]) if o.kind == "map" else obj[o.name])
                   for o in self.options if o.kind != "secret" and o.name in obj)
        if "_standard" in obj:
            out["standard"] = bool(obj["_standard"])
        return out

    # argument spec ---------------------------------------------------------
    def argument_spec(self):
        spec = {self.key.name: dict(type="str", required=True)}
        spec["state"] = dict(type="str", choices=["present", "absent"], default="present")
        for option in self.options:
            spec[option.name] = option.argspec()
        if self.secret_options:
            spec["update_password"] = dict(type="str", choices=["always", "on_create"], default="on_create", no_log=False)
        return spec

    def option(self, name):
        return self.option_index()[name]

    def option_index(self):
        """``{name: Option}`` of the key and the options."""
        if "_index" not in self.__dict__:
            self._index = dict((o.name, o) for o in (self.key,) + tuple(self.options) if o is not None)
        return self._index


def lookalike_message(resource, name, existing):
    others = " and ".join(repr(e) for e in sorted(existing))
    return ("%s %r does not exist, but %s does: the names differ only in letter case, and CUCM would keep both. "
            "Use the existing name (or rename it first)" % (resource.noun, name, others))


def identity_problem(option, text):
    """A message naming ``option`` when ``text`` cannot identify an object (see module_utils/identity.py)."""
    reason = identity.problem(text)
    return "%s: %r %s" % (option, text, reason) if reason else None


def validate_values(resource, params, version):
    """Lengths, choices of AXL versions and formats, before anything is sent."""
    for option in ((resource.key,) if resource.key else ()) + tuple(resource.options):
        value = params.get(option.name)
        if value is None:
            continue
        if option.since and axl_schema._key(version) < axl_schema._key(option.since):
            raise CucmError("%s needs AXL %s or later; the cluster speaks %s" % (option.name, option.since, version))
        texts = []
        if option.kind == "list":
            for sub in ("add", "remove", "set"):
                texts.extend(value.get(sub) or [])
        elif option.kind == "keyed":
            for sub in ("add", "remove", "set"):
                texts.extend(item["name"] for item in value.get(sub) or [])
        elif option.kind == "dict":
            texts.extend(v for v in value.values() if v)
        elif isinstance(value, str):
            texts.append(value)
        for text in texts:
            size = len(text.encode("utf-8"))
            if option.max_len and size > option.max_len:
                shown = "the value" if option.kind == "secret" else repr(text[:40] + ("..." if len(text) > 40 else ""))
                raise CucmError("%s: %s is %d bytes long; CUCM allows at most %d" % (option.name, shown, size, option.max_len))
            if option.kind in ("list", "keyed") and not text:
                raise CucmError("%s: empty names are not allowed" % option.name)
            if option.kind in ("list", "keyed") or option is resource.key:
                problem = identity_problem(option.name, text)
                if problem:
                    raise CucmError(problem)
            if option.sql and SQL_UNSAFE.search(text):
                shown = "the value" if option.kind == "secret" else repr(text[:40])
                raise CucmError("%s: %s contains a backslash or a control character, which CUCM's names cannot hold"
                                % (option.name, shown))
            if option.pattern and text and not option.pattern.match(text):
                shown = "the value" if option.kind == "secret" else repr(text)
                raise CucmError("%s: %s is not valid: %s" % (option.name, shown, option.pattern_hint))


def plan(resource, params, current, initial=None):
    """What to change: ``(desired, changes)`` for the declared options (secrets included when
    they must be written).  ``current`` is None when the object does not exist; ``initial`` is
    then what a new object starts from (the base of its list options)."""
    desired, changes = {}, {}
    base = current if current is not None else (initial or {})
    for option in resource.options:
        value = params.get(option.name)
        if value is None:
            continue
        if option.kind == "list":
            value = resolve_list(option, value, base.get(option.name) or [])
        elif option.kind == "keyed":
            value = resolve_keyed(option, value, base.get(option.name) or {})
        elif option.kind == "map":
            value = resolve_map(resource, option, value, base.get(option.name) or {}, current is None,
                                params.get(resource.secret_policy) == "always")
        if option.kind == "secret":
            if current is None or params.get(resource.secret_policy) == "always":
                changes[option.name] = value
            continue
        desired[option.name] = value
        if current is None or option.differs(value, current.get(option.name)):
            changes[option.name] = value
    if current is None:
        for name, value in resource.create_defaults.items():
            if params.get(name) is None:
                desired[name] = value
                changes[name] = value
    return desired, changes


def diff_of(resource, key, declared, current, desired, changes, state):
    """``before``/``after`` limited to the declared options; secrets masked, lists sorted."""
    name = resource.key.name

    def show(option, value):
        if option.kind == "list":
            return sorted(value or [])
        if option.kind == "keyed":
            return [{"name": k, option.value_key: v} for k, v in sorted((value or {}).items())]
        return value

    def show_map(option, value, written):
        # secrets appear only in "after", masked, when they are written (as secret options do)
        secret = set(resource.secret_items(option.name))
        return dict((k, MASK if k in secret else v) for k, v in sorted((value or {}).items())
                    if k not in secret or k in written)

    if state == "absent":
        return dict(before={name: key, "state": "present"} if current else {},
                    after={name: key, "state": "absent"} if current else {})
    before, after = {name: key}, {name: key}
    for option in resource.options:
        if option.name not in declared:
            continue
        if option.kind == "secret":
            if option.name in changes:
                after[option.name] = MASK
            continue
        if option.kind == "map":
            had = (current or {}).get(option.name) or {}
            new = desired.get(option.name) or {}
            written = set(k for k in new if current is None or new[k] != had.get(k))
            if current is not None:
                before[option.name] = show_map(option, had, ())
            after[option.name] = show_map(option, new, written)
            continue
        if current is not None:
            before[option.name] = show(option, current.get(option.name))
        # an option that needs no write keeps what CUCM has (which may differ in case or order)
        unchanged = current is not None and option.name not in changes
        after[option.name] = before[option.name] if unchanged else show(option, desired.get(option.name))
    if current is None:
        before = {}
    return dict(before=before, after=after)


LDAP_OWNED_POLICIES = ("fail", "skip")
NOT_WRITTEN = "ldap_owned_not_written"    # the diff's key for declared values a directory owns


def pending_spec(names):
    """The argument spec of ``pending_references`` for the list options ``names``."""
    return dict(type="dict", options=dict((n, dict(type="list", elements="str")) for n in names))


def without_pending(pending, changes, current):
    """``(changes to check, {option: names})``: in check mode, the new items of a list option that name
    an object this run creates before this task (``pending``: option -> names) cannot be checked yet;
    they are left out of the check (never out of the plan or the diff) and reported as pending."""
    if not pending:
        return changes, {}
    checked, found = dict(changes), {}
    for name, names in sorted(pending.items()):
        if name not in changes or not names or not isinstance(changes[name], list):
            continue
        had = set((current or {}).get(name) or [])
        new = sorted(set(v for v in changes[name] if v in set(names) and v not in had))
        if new:
            checked[name] = [v for v in changes[name] if v not in new]
            found[name] = new
    return checked, found


def owned_fields(resource, client, key, current, changes):
    """The declared changes of ``current`` to fields its directory owns, when it is LDAP-synchronised (the
    directory is looked up only when such a field changes)."""
    names = [o.name for o in resource.options if o.ldap and o.name in changes]
    if not current or not names or not resource.directory(client, key, current):
        return []
    return names


def skip_owned(resource, client, key, current, desired, changes):
    """With ``ldap_owned_fields: skip``: take the directory-owned fields out of ``changes`` (``desired``
    keeps the directory's values) and return what was declared, for the result; None when nothing was."""
    names = owned_fields(resource, client, key, current, changes)
    if not names:
        return None
    entry = {resource.key.name: key, "ldap_directory": resource.directory(client, key, current),
             "fields": dict((n, {"declared": changes[n], "directory": current.get(n)}) for n in names)}
    for name in names:
        del changes[name]
        desired[name] = current.get(name)
    return entry


def ldap_skipped_warning(noun, entries, key):
    shown = ", ".join("%s (%s)" % (e[key], ", ".join(sorted(e["fields"]))) for e in entries[:10])
    return ("%d %s%s synchronised from LDAP declare%s values that differ from the directory in fields it owns: %s%s. They "
            "were not written (ldap_owned_fields=skip: the directory owns them); see 'ldap_skipped'." % (
                len(entries), noun, "" if len(entries) == 1 else "s", "s" if len(entries) == 1 else "", shown,
                ", ..." if len(entries) > 10 else ""))


def ensure(module, resource):
    """Converge one object to the module's parameters; return the module result."""
    params = module.params
    client = module.client
    key = params[resource.key.name]
    state = params["state"]
    if not key:
        raise CucmError("%s must not be empty" % resource.key.name)
    declared = [o.name for o in resource.options if params.get(o.name) is not None]
    validate_values(resource, params, client.version)
    params = resource.prepare(client, params)
    # only a check run may leave a reference to an object the run creates first unverified
    pending = params.get("pending_references") if module.check_mode else None

    current = resource.read(client, key, params)
    if state == "absent":
        result = dict(changed=current is not None, diff=diff_of(resource, key, declared, current, {}, {}, "absent"))
        if current is not None and not module.check_mode:
            _write_absent(resource, client, key, current, params)
        result[resource.result_key] = {}
        return _finish(module, result)

    if current is None:
        resource.refuse_lookalikes(client, [key])
    initial = resource.initial(client, key, params) if current is None else None
    desired, changes = plan(resource, params, current, initial)
    if current is None:
        missing = [n for n in resource.required_on_create if params.get(n) in (None, "")]
        if missing:
            raise CucmError("%s %r does not exist; creating it needs %s" % (resource.noun, key, ", ".join(missing)))
    skipped = skip_owned(resource, client, key, current, desired, changes) \
        if params.get("ldap_owned_fields") == "skip" else None
    checked, unverified = without_pending(pending, changes, current)
    if changes:
        resource.check(client, key, desired, checked, current)
    new_uuid = None if module.check_mode else write(resource, client, key, params, current, changes, initial)
    obj = dict(current or {})
    obj.update((k, v) for k, v in desired.items() if current is None or k in changes)
    obj["_uuid"] = obj.get("_uuid") or new_uuid or PLACEHOLDER_UUID
    result = dict(changed=bool(changes), diff=diff_of(resource, key, declared, current, desired, changes, "present"))
    out = resource.public(obj)
    out[resource.key.name] = key
    out["uuid"] = obj.get("_uuid")
    result[resource.result_key] = out
    if "pending_references" in params:
        result["pending"] = [dict(option=name, names=names) for name, names in sorted(unverified.items())]
    if "ldap_owned_fields" in params:
        result["ldap_skipped"] = [skipped] if skipped else []
        if skipped:
            result["diff"]["after"][NOT_WRITTEN] = dict((n, f["declared"]) for n, f in sorted(skipped["fields"].items()))
            module.warn(ldap_skipped_warning(resource.noun, [skipped], resource.key.name))
    return _finish(module, result)


def write(resource, client, key, params, current, changes, initial=None):
    """Apply ``changes`` (create when ``current`` is None, from ``initial``); return the new object's uuid.

    A write whose answer never came back may or may not have been applied: read again and plan
    from what is there, so a retry writes only what is still missing and never creates twice.
    """
    pending, new_uuid = changes, None
    # lists that AXL can only replace as a whole: a job adding to one while this task writes it can lose
    # an item; read back once and add (or remove) what this task declared and no longer finds
    verify = current is not None and any(
        name in changes and not (params.get(name) or {}).get("set") for name in resource.replaced_lists)
    for attempt in range(2):
        if not pending:
            break
        try:
            if current is None:
                new_uuid = resource.create(client, key, pending)
            else:
                resource.update(client, key, pending, current)
            break
        except axl.AxlFault as fault:
            _raced(resource, client, key, params, current, fault)
            raise
        except axl.AmbiguousWrite:
            if attempt:
                raise
            created = current is None
            current = resource.read(client, key, params)
            new_uuid = (current or {}).get("_uuid")
            retry_params = dict(params, **{resource.secret_policy: "on_create"}) if created and current is not None else params
            pending = plan(resource, retry_params, current, initial)[1]
    if verify:
        again = resource.read(client, key, params)
        if again is not None:
            missing = plan(resource, params, again)[1]
            missing = dict((k, v) for k, v in missing.items() if k in resource.replaced_lists)
            if missing:
                resource.update(client, key, missing, again)
    return new_uuid


def _raced(resource, client, key, params, current, fault):
    """Say so, when CUCM refused a write because another client created (a duplicate on create) or
    deleted (not found on update) the object after this task read it: read it again to be sure."""
    created = current is None and fault.duplicate
    deleted = current is not None and fault.not_found
    if (not created and not deleted) or (resource.read(client, key, params) is None) != deleted:
        return
    raise CucmError("%s %r was %s by another client after this task read it, so CUCM refused this task's write (%s). "
                    "Run the task again to converge." % (resource.noun, key, "deleted" if deleted else "created", fault))


def _write_absent(resource, client, key, current, params=None):
    try:
        resource.delete(client, key, current)
    except axl.AmbiguousWrite:
        if resource.read(client, key, params) is not None:
            resource.delete(client, key, current)


def _finish(module, result):
    if not module.diff_mode:
        result.pop("diff", None)
    return result


def missing_references(client, wanted, query):
    """Names that do not exist: ``wanted`` maps a reference kind to names, ``query(kinds)``
    returns ``{kind: set(existing names)}`` for them (one round trip)."""
    wanted = dict((k, set(v)) for k, v in wanted.items() if v)
    if not wanted:
        return {}
    found = query(wanted)
    return dict((k, sorted(names - found.get(k, set()))) for k, names in wanted.items() if names - found.get(k, set()))


def suggest(name, candidates):
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    return " (did you mean %s?)" % " or ".join(repr(c) for c in close) if close else ""


def as_input(resource, key, obj):
    """An object in the input shape of its module: option names, lists as ``{set: [...]}``,
    no secrets, no read-only facts."""
    out = {resource.key.name: key}
    for option in resource.options:
        if option.kind == "secret" or option.name not in obj:
            continue
        value = resource.as_input_value(option, obj[option.name])
        if option.kind == "list":
            value = {"set": sorted(value or [])}
        elif option.kind == "keyed":
            value = {"set": [{"name": k, option.value_key: v} for k, v in sorted((value or {}).items())]}
        elif option.kind == "map":
            value = masked_map(resource, option, value)
        out[option.name] = value
    return out
