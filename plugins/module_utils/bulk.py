# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many objects in one task: the bulk side of the engine (cucm_end_users; the input layer of
cucm_phone_service_subscriptions too).

The same option table and the same ``plan``/``write`` as the single-object modules, with reads
done in a few paged requests, every check done for all objects before the first write, writes
sent by a small pool of workers sharing one AXL session, and a result sized for people and
pipelines: counts, and details only for the objects that changed or failed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import json
import os
import threading

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, changes, identity
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, number_problems
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import (
    MASK, NOT_WRITTEN, as_input, lookalike_message, plan, skip_owned, validate_values, without_pending, write)

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover
    HAS_YAML = False

STATES = ("merged", "replaced", "overridden", "deleted", "gathered")
MAX_PROBLEMS_SHOWN = 25


# ---------------------------------------------------------------------------------- input
def load_file(path, resource, what="users", columns=()):
    """Objects from a JSON, YAML or CSV file (read by the module, so neither ansible-core's
    templating nor its logging ever sees 10,000 objects or their secrets).  Numbers stay the text
    written (``userid: 0042`` is the user ID '0042'; see identity.TextLoader).  ``what`` names the
    objects: the option is ``<what>_file``, a mapping holds them under ``<what>``; ``columns`` are the
    CSV columns of text besides the options (the per-object parameters that are not options)."""
    option = "%s_file" % what
    if not os.path.isfile(path):
        raise CucmError("%s: %s does not exist" % (option, path))
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".json", ".yml", ".yaml", ".csv"):
        raise CucmError("%s: %s must end in .json, .yml, .yaml or .csv" % (option, path))
    if ext in (".yml", ".yaml") and not HAS_YAML:
        raise CucmError("%s: reading YAML needs PyYAML; use JSON or CSV" % option)
    # utf-8-sig: spreadsheet programs start their UTF-8 CSV with a byte order mark
    with open(path, encoding="utf-8-sig") as handle:
        try:
            if ext == ".csv":
                reader = csv.DictReader(handle)
                _check_csv_columns(resource, reader.fieldnames or [], columns)
                return [_csv_row(resource, row, number, option, columns) for number, row in enumerate(reader, 2)]
            data = identity.load_text(handle, ext)
        except (ValueError, csv.Error) + ((yaml.YAMLError,) if HAS_YAML else ()) as exc:
            raise CucmError("%s: %s cannot be read: %s" % (option, path, exc))
    if isinstance(data, dict):
        data = data.get(what)
    if not isinstance(data, list):
        raise CucmError("%s: %s must hold a list of %s (or a mapping with a '%s' list)" % (option, path, what, what))
    return data


def _csv_columns(resource):
    columns = []
    for option in (resource.key,) + tuple(resource.options):
        if option.kind == "map":
            continue
        if option.kind == "dict":
            columns += ["%s_%s" % (option.name, f) for f in option.fields]
        else:
            columns.append(option.name)
    return columns


def _map_column(resource, column):
    """``(option, item)`` of a column ``<map option>.<item>`` (e.g. ``parameters.username``), else None."""
    name, dot, item = (column or "").partition(".")
    option = resource.option_index().get(name)
    return (option, item) if dot and item and option is not None and option.kind == "map" else None


def _check_csv_columns(resource, header, columns=()):
    """Refuse a header with unknown or repeated columns (a misspelt column would be silently ignored)."""
    known = _csv_columns(resource) + list(columns)
    unknown = [c for c in header if c not in known and not _map_column(resource, c)]
    repeated = sorted(set(c for c in header if header.count(c) > 1))
    if not header:
        raise ValueError("the CSV file has no header line")
    if unknown or repeated:
        parts = []
        if unknown:
            parts.append("unknown column%s %s" % ("s" if len(unknown) > 1 else "", ", ".join(repr(c) for c in unknown)))
        if repeated:
            parts.append("repeated column%s %s" % ("s" if len(repeated) > 1 else "", ", ".join(repr(c) for c in repeated)))
        maps = ["%s.<name>" % o.name for o in resource.options if o.kind == "map"]
        raise ValueError("%s; the columns are option names: %s" % ("; ".join(parts), ", ".join(known + maps)))


def _csv_row(resource, row, number, source="users_file", columns=()):
    """A CSV row as module options: list options are ';'-separated (a set), primary_extension is
    two columns primary_extension_pattern and primary_extension_partition, a map option one column
    per item (``parameters.username``), empty cells are undeclared."""
    item = {}
    for column, value in row.items():
        found = _map_column(resource, column)
        if found and value not in (None, ""):
            item.setdefault(found[0].name, {})[found[1]] = value
        elif column in columns and value not in (None, ""):
            item[column] = value
    for option in (resource.key,) + tuple(resource.options):
        if option.kind == "dict":
            parts = dict((f, row.get("%s_%s" % (option.name, f))) for f in option.fields)
            if any(v not in (None, "") for v in parts.values()):
                item[option.name] = dict((k, v or None) for k, v in parts.items())
            continue
        value = row.get(option.name)
        if value in (None, ""):
            continue
        if option.kind == "list":
            item[option.name] = {"set": [v.strip() for v in value.split(";") if v.strip()]}
        elif option.kind == "bool":
            word = value.strip().lower()
            if word not in BOOLEANS_TRUE and word not in BOOLEANS_FALSE:
                raise CucmError("%s line %d: %s: %r is not a boolean (use true or false)"
                                % (source, number, option.name, value))
            item[option.name] = word in BOOLEANS_TRUE
        elif option.kind == "int":
            try:
                item[option.name] = int(value)
            except ValueError:
                raise CucmError("%s line %d: %s: %r is not an integer" % (source, number, option.name, value))
        elif option.kind != "map":
            item[option.name] = value
    return item


EXPORT_EXTENSIONS = (".json", ".yml", ".yaml", ".csv")


def check_dest(dest):
    """Refuse, before anything is read, a ``dest`` whose extension says no format the module writes."""
    ext = os.path.splitext(dest)[1].lower()
    if ext not in EXPORT_EXTENSIONS:
        raise CucmError("dest: %s must end in .json, .yml, .yaml (a mapping with a 'users' list) or .csv (the columns "
                        "users_file reads). Nothing was read." % dest)
    if ext in (".yml", ".yaml") and not HAS_YAML:
        raise CucmError("dest: writing YAML needs PyYAML; use .json or .csv")


def write_users(resource, dest, users):
    """Write gathered users (in the input shape) to ``dest``: JSON, YAML, or CSV with the columns
    :func:`load_file` reads back (list options ``;``-separated, the primary extension in two columns)."""
    ext = os.path.splitext(dest)[1].lower()
    with open(dest, "w", encoding="utf-8", newline="" if ext == ".csv" else None) as handle:
        if ext in (".yml", ".yaml"):
            yaml.safe_dump({"users": users}, handle, sort_keys=False, default_flow_style=False)
        elif ext == ".csv":
            _write_csv(resource, handle, users)
        else:
            json.dump({"users": users}, handle, indent=1, sort_keys=True)


def _write_csv(resource, handle, users):
    present = set(name for user in users for name in user)
    columns, cells = [], []
    for option in (resource.key,) + tuple(resource.options):
        if option.name not in present:
            continue
        if option.kind == "dict":
            columns += ["%s_%s" % (option.name, f) for f in option.fields]
        else:
            columns.append(option.name)
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    options = resource.option_index()
    for user in users:
        row = {}
        for name, value in user.items():
            option = options[name]
            if option.kind == "dict":
                for field in option.fields:
                    row["%s_%s" % (name, field)] = (value or {}).get(field) or ""
            elif option.kind == "list":
                items = (value or {}).get("set") or []
                bad = [v for v in items if ";" in v]
                if bad:
                    raise CucmError("dest: %s: %s holds %r, which has a ';' (the CSV list separator); export to YAML or "
                                    "JSON instead" % (user[resource.key.name], name, bad[0]))
                row[name] = ";".join(items)
            elif option.kind == "bool":
                row[name] = "true" if value else "false"
            else:
                row[name] = "" if value is None else str(value)
        writer.writerow([row.get(c, "") for c in columns])


class Naming(object):
    """How a bulk module names its objects: ``what`` (the option, ``users``), the object a raw item
    declares (``owner``: the key its problems are recorded under with on_invalid=skip, or None when it
    cannot be told), how a message shows it (``shown``) and when two declare the same object
    (``twin``: a key compared, and the text shown).  The default is one key option (a user ID),
    look-alikes in letter case being the same object."""

    def __init__(self, resource, what="users"):
        self.key = resource.key.name
        self.what = what

    def owner(self, item):
        value = item.get(self.key)
        return value if isinstance(value, str) and value else None

    def shown(self, item):
        return item.get(self.key)

    def twin(self, params):
        return identity.fold(params[self.key]), params[self.key]


def validate_items(resource, items, version, allow_secrets, invalid=None, naming=None, spec=None):
    """Check every object against the single-object argument spec (or ``spec``); return the normalised
    parameters, or raise one error listing the problems (nothing is written).  With ``invalid`` (a
    dict), an object with problems is left out and its problems recorded there by its owner instead."""
    naming = naming or Naming(resource)
    if spec is None:
        spec = resource.argument_spec()
        for name in ("state", "update_password"):
            spec.pop(name, None)
    validator = ArgumentSpecValidator(spec)
    key = resource.key.name
    problems, out, seen = [], [], {}
    for index, item in enumerate(items):
        label = "%s[%d]" % (naming.what, index)
        if not isinstance(item, dict):
            problems.append("%s: expected a mapping of options" % label)
            continue
        before = len(problems)
        _validate_item(resource, item, label, version, allow_secrets, validator, spec, key, problems, out, seen, naming)
        if invalid is not None and len(problems) > before and naming.owner(item) is not None:
            invalid.setdefault(naming.owner(item), []).extend(problems[before:])
            del problems[before:]
    if problems:
        raise_problems("the %s are not valid" % naming.what, problems)
    return out


def _validate_item(resource, item, label, version, allow_secrets, validator, spec, key, problems, out, seen, naming):
    """Append the checked parameters of one object to ``out``, or its problems to ``problems``."""
    label = "%s (%s)" % (label, naming.shown(item)) if naming.shown(item) else label
    item = plain_list_items(resource, item)
    numbers = number_problems(spec, item)
    if numbers:
        problems.extend("%s: %s" % (label, msg) for msg in numbers)
        return
    secrets = [o.name for o in resource.options if o.kind == "secret" and item.get(o.name) is not None]
    if secrets and not allow_secrets:
        problems.append("%s: %s: per-user secrets are only read from users_file (inline values would be "
                        "logged); use default_password/default_pin or users_file" % (label, ", ".join(secrets)))
        return
    params = plain(resource, item, spec)
    if params is None:
        # not in the plain shape: let Ansible's own validator convert it or say what is wrong
        result = validator.validate(item)
        if result.error_messages:
            problems.extend("%s: %s" % (label, msg) for msg in result.error_messages)
            return
        # keep only what is declared: 10,000 users x 45 options of None would cost tens of MB
        params = dict((k, v) for k, v in result.validated_parameters.items() if v is not None)
    try:
        if not params.get(key):
            raise CucmError("%s must not be empty" % key)
        validate_values(resource, params, version)
    except CucmError as exc:
        problems.append("%s: %s" % (label, exc))
        return
    folded, text = naming.twin(params)
    if folded in seen:
        other = seen[folded]
        problems.append("%s: declared more than once%s" % (
            label, "" if other == text else " (as %r and %r, which differ only in letter case)" % (other, text)))
        return
    seen[folded] = text
    out.append(params)


def validate_defaults(resource, defaults, version):
    """Check values given to every created user (default_password, default_pin) as if declared."""
    declared = dict((k, v) for k, v in defaults.items() if v is not None)
    try:
        validate_values(resource, declared, version)
    except CucmError as exc:
        raise CucmError("default_%s. Nothing was written." % exc)


_TYPES = {"str": str, "secret": str, "bool": bool, "int": int}


def plain_list_items(resource, item):
    """``item`` with a plain list given for a list option taken as its ``set`` (``groups: [A]``)."""
    lists = [o.name for o in resource.options if o.kind in ("list", "keyed") and isinstance(item.get(o.name), list)]
    if not lists:
        return item
    return dict(item, **dict((name, {"set": item[name]}) for name in lists))


def _exactly(value, kind):
    """``value`` is already of the option's type (a bool is not taken for an int)."""
    wanted = _TYPES[kind]
    return isinstance(value, wanted) and (wanted is bool or not isinstance(value, bool))


def plain(resource, item, spec=None):
    """``item`` without its undeclared (None) options when every value already has the exact type
    the argument spec asks for (the common case, and 100 times faster than the full validator);
    None when anything needs converting or is wrong.  Entries of ``spec`` (the argument spec) that
    are not options must be text (within their choices); the spec's defaults are filled in."""
    options = resource.option_index()
    spec = spec or {}
    out = {}
    for name, value in item.items():
        if value is None:
            continue
        option = options.get(name)
        if option is None:
            entry = spec.get(name)
            if entry is None or entry.get("type", "str") != "str" or not isinstance(value, str) or \
                    value not in (entry.get("choices") or [value]):
                return None
            out[name] = value
            continue
        if option.kind in _TYPES:
            if not _exactly(value, option.kind) or (option.choices and value not in option.choices):
                return None
        elif option.kind == "list":
            if not isinstance(value, dict) or not set(value) <= {"add", "remove", "set"} or not all(
                    v is None or (isinstance(v, list) and all(isinstance(x, str) for x in v)) for v in value.values()):
                return None
            value = dict((k, v) for k, v in value.items() if v is not None)
        elif option.kind == "dict":
            if not isinstance(value, dict) or not set(value) <= set(option.fields) or not all(
                    v is None or isinstance(v, str) for v in value.values()):
                return None
            value = dict((k, value.get(k)) for k in option.fields)
        elif option.kind == "map":
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                return None
        else:
            return None
        out[name] = value
    for name, entry in spec.items():
        if name not in out and entry.get("default") is not None:
            out[name] = entry["default"]
        elif name not in out and entry.get("required") and name != resource.key.name:
            return None
    return out


def raise_problems(what, problems):
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = " (and %d more)" % (len(problems) - len(shown)) if len(problems) > len(shown) else ""
    raise CucmError("%s: %s%s. Nothing was written." % (what, "; ".join(shown), more), problems=problems)


# ---------------------------------------------------------------------------------- converge
class Outcome(object):
    """What a bulk run did (or would do, in check mode).  ``entry(key)`` is how a change or a failure
    names its object (``{"userid": key}`` by default), ``name(key)`` its key in the diff."""

    def __init__(self, entry=None, name=None):
        self.lock = threading.Lock()
        self.counts = dict(created=0, updated=0, deleted=0, unchanged=0, failed=0)
        self.changes = []
        self.failures = []
        self.before, self.after = {}, {}
        self.pending = []          # references to objects the run creates first (check mode)
        self.ldap_skipped = []     # declared values of fields a directory owns, not written
        self.entry = entry or (lambda key: {"userid": key})
        self.name = name or (lambda key: key)

    def record(self, key, action, fields=(), before=None, after=None, **extra):
        with self.lock:
            self.counts[action] += 1
            if action != "unchanged":
                self.changes.append(dict(self.entry(key), action=action, fields=sorted(fields), **extra))
                if before is not None:
                    self.before[self.name(key)], self.after[self.name(key)] = before, after

    def fail(self, key, action, message):
        with self.lock:
            self.counts["failed"] += 1
            self.failures.append(dict(self.entry(key), action=action, msg=message))


_ANY, _ONE = object(), object()


def like(pattern):
    """A case-sensitive matcher of an SQL LIKE pattern (``%``, ``_``, backslash escapes), as Informix
    matches, in linear time per character of the pattern (a regular expression would backtrack for
    minutes on ``%%%%%%%%%%%%X``)."""
    tokens, chars = [], iter(pattern)
    for char in chars:
        if char == "%":
            if not tokens or tokens[-1] is not _ANY:
                tokens.append(_ANY)
        else:
            tokens.append(_ONE if char == "_" else next(chars, "\\") if char == "\\" else char)

    def match(text):
        t = p = 0
        star, mark = -1, 0
        while t < len(text):
            if p < len(tokens) and tokens[p] is not _ANY and (tokens[p] is _ONE or tokens[p] == text[t]):
                t, p = t + 1, p + 1
            elif p < len(tokens) and tokens[p] is _ANY:
                star, mark, p = p, t, p + 1
            elif star >= 0:
                mark += 1
                t, p = mark, star + 1
            else:
                return False
        while p < len(tokens) and tokens[p] is _ANY:
            p += 1
        return p == len(tokens)
    return match


def _listed(names, limit=10):
    return "%s%s" % (", ".join(names[:limit]), ", ..." if len(names) > limit else "")


def converge(module, resource, items, state, scope_pattern, concurrency, defaults, policy):
    """Converge ``items`` (validated parameters); ``policy``: ``max_deletions``, ``allow_empty``,
    ``departed`` (user IDs never to create or change), ``invalid`` (None to fail on any problem,
    or a dict that collects the problems of the users left out), ``ldap_owned_fields`` (``skip``: a
    declared value of a field an LDAP directory owns is reported, not written), ``pending`` (check
    mode: option -> names of objects the run creates before this task) and ``full`` (gathered: also
    what only getUser returns)."""
    client = module.client
    key = resource.key.name
    version = client.version
    check_mode = module.check_mode
    invalid = policy.get("invalid")
    departed = set(policy.get("departed") or ())
    # users left out as invalid are still declared: overridden must not delete them
    declared_keys = set(item[key] for item in items) | set(invalid or ())

    if state in ("overridden", "deleted") and not items and not invalid and not policy.get("allow_empty"):
        # say what an empty declaration would delete, and delete nothing (unless allow_empty)
        if state == "overridden":
            _current, in_scope = resource.read_many(client, wanted=set(), pattern=scope_pattern, options=(),
                                                    with_scope=True)
            doomed = sorted(u for u in in_scope if like(scope_pattern)(u))
            raise CucmError("state=overridden with no users declared would delete every user in scope %r (%d: %s). "
                            "Declare the users that stay, or set allow_empty=true if that is really meant. Nothing "
                            "was written." % (scope_pattern, len(doomed), _listed(doomed) or "none"), would_delete=len(doomed))
        raise CucmError("state=deleted with no users declared: nothing to do, and an empty list is more often a "
                        "mistake than a wish; set allow_empty=true to accept it. Nothing was written.")

    declared_options = set(o.name for item in items for o in resource.options if item.get(o.name) is not None)
    resettable = [o for o in resource.options if o.kind == "list" and o.name in resource.bulk_lists]
    if state in ("replaced", "overridden"):
        declared_options |= set(o.name for o in resettable)
    if "primary_extension" in declared_options:
        declared_options.add("associated_devices")     # the line must be one of the user's devices
    slow = set(o.name for o in resource.options if o.kind != "secret") - set(o.name for o in resource.bulk_readable(version))
    slow_users = set(item[key] for item in items if any(item.get(name) is not None for name in slow))

    wanted = None if state == "gathered" and not items else declared_keys
    pattern = scope_pattern or "%"
    in_pattern = like(pattern)
    # the scope bounds what overridden deletes, not which declared users it sees
    scoped = state == "gathered" or (state == "overridden" and all(in_pattern(k) for k in declared_keys))
    current, in_scope = resource.read_many(client, wanted=wanted, pattern=pattern if scoped else "%",
                                           options=declared_options if state != "gathered" else
                                           [o.name for o in resource.bulk_readable(version)],
                                           slow_users=slow_users, with_scope=state == "overridden")
    # listUser's search may ignore case; the scope is a case-sensitive LIKE, as the SQL reads are
    in_scope = set(u for u in in_scope if in_pattern(u))
    if wanted is None:
        current = dict((k, v) for k, v in current.items() if in_pattern(k))
    outcome = Outcome()
    if state == "gathered":
        if policy.get("full"):
            # what no bulk read returns (Extension Mobility profiles, ...): one getUser per user
            quick = set(o.name for o in resource.bulk_readable(version))
            slow = [o.name for o in resource.options if o.kind != "secret" and o.name not in quick]
            for userid in sorted(current):
                full = resource.read(client, userid)
                if full is not None:
                    current[userid].update((name, full[name]) for name in slow)
        # an LDAP user's directory-owned fields belong to the directory, not to a desired state
        ldap = resource.ldap_of(client, sorted(current)) if current else {}
        owned = set(o.name for o in resource.options if o.ldap)
        gathered = []
        for userid in sorted(current):
            obj = current[userid]
            if userid in ldap:
                obj = dict((k, v) for k, v in obj.items() if k not in owned)
            gathered.append(as_input(resource, userid, obj))
        outcome.counters = client.totals()
        outcome.ldap_users = sorted(ldap)
        return outcome, gathered

    jobs, plans, problems = [], [], []

    def refuse(userid, message):
        # a problem of one user: it fails the task, or (invalid mode) leaves that user out
        if invalid is not None:
            invalid.setdefault(userid, []).append(message)
        else:
            problems.append("%s: %s" % (userid, message))

    for userid in sorted(declared_keys & departed):
        refuse(userid, "has left (it is in the leavers' list, departed): it is never created or changed again; "
                       "remove it from the declaration, or from the leavers' list to bring it back")
    items = [item for item in items if item[key] not in departed]
    new = sorted(item[key] for item in items if item[key] not in current and state != "deleted")
    for userid, existing in sorted(resource.lookalikes(client, new).items()):
        refuse(userid, lookalike_message(resource, userid, existing))
    if invalid is not None:
        items = [item for item in items if item[key] not in invalid]
    if state == "deleted":
        ldap = resource.ldap_of(client, [k for k in declared_keys if k in current])
        for item in items:
            obj = current.get(item[key])
            if obj is not None and item[key] in ldap:
                obj["_ldap"] = ldap[item[key]]
            if obj is None:
                outcome.record(item[key], "unchanged")
            elif obj.get("_ldap"):
                refuse(item[key], "synchronised from LDAP directory %r; CUCM refuses to delete it while "
                                  "synchronisation is on" % obj["_ldap"])
            else:
                jobs.append((item[key], "deleted", item, obj, None))
        _bound_deletions(state, [j[0] for j in jobs], None, policy["max_deletions"])
    else:
        for item in items:
            params = dict(item, update_password=defaults["update_password"])
            if state in ("replaced", "overridden"):
                for option in resettable:
                    if params.get(option.name) is None:
                        params[option.name] = {"set": []}
            obj = current.get(item[key])
            if obj is None:
                for option, value in (("password", defaults["password"]), ("pin", defaults["pin"])):
                    if value is not None and params.get(option) is None:
                        params[option] = value
                missing = [n for n in resource.required_on_create if params.get(n) in (None, "")]
                if missing:
                    refuse(item[key], "does not exist; creating it needs %s" % ", ".join(missing))
                    continue
            try:
                desired, changes = plan(resource, params, obj)
            except CucmError as exc:       # e.g. 'set' with 'add': say whose declaration it is
                refuse(item[key], str(exc))
                continue
            if not changes:
                outcome.record(item[key], "unchanged")
                continue
            plans.append((item[key], obj, desired, changes))
            jobs.append((item[key], "created" if obj is None else "updated", params, obj, changes))
        if policy.get("ldap_owned_fields") == "skip":
            jobs = _skip_owned(resource, client, plans, jobs, outcome)
            plans = [p for p in plans if p[3]]
        if state == "overridden":
            doomed = sorted(u for u in in_scope if u not in declared_keys)
            ldap = resource.ldap_of(client, doomed) if doomed else {}
            ldap_doomed = [u for u in doomed if u in ldap]
            if ldap_doomed and module.params["scope"].get("local_only", True):
                doomed = [u for u in doomed if u not in ldap]
            elif ldap_doomed:
                problems.append("the scope holds LDAP-synchronised users that are not declared (%s); CUCM cannot delete "
                                "them: narrow the scope or set scope.local_only" % ", ".join(ldap_doomed[:10]))
            _bound_deletions(state, doomed, pattern, policy["max_deletions"])
            jobs = [(u, "deleted", {key: u}, {"_ldap": ""}, None) for u in doomed] + jobs
    pending = policy.get("pending") if check_mode else None
    checked = []
    for userid, obj, desired, changes in plans:
        changes, unverified = without_pending(pending, changes, obj)
        checked.append((userid, obj, desired, changes))
        outcome.pending.extend(dict(userid=userid, option=name, names=names) for name, names in sorted(unverified.items()))
    for message in resource.check_many(client, checked):
        userid = _owner(message, [p[0] for p in plans])
        if userid is None or invalid is None:
            problems.append(message)
        else:
            refuse(userid, message[len(userid) + 2:])
    if problems:
        raise_problems("nothing can be written", problems)
    if invalid:
        jobs = [job for job in jobs if job[0] not in invalid]

    def run(job, worker):
        userid, action, params, obj, changes = job
        try:
            if not check_mode:
                if action == "deleted":
                    try:
                        resource.delete(worker, userid, obj)
                    except axl.AmbiguousWrite:
                        if resource.read(worker, userid) is not None:
                            resource.delete(worker, userid, obj)
                else:
                    write(resource, worker, userid, params, obj, changes)
        except (axl.AxlError, CucmError) as exc:
            outcome.fail(userid, action, str(exc))
            return
        if action == "deleted":
            outcome.record(userid, action, (), {"state": "present"}, {"state": "absent"})
        else:
            shown = [o for o in resource.options if o.name in changes]
            before = dict((o.name, _show(o, (obj or {}).get(o.name))) for o in shown if o.kind != "secret") if obj else {}
            after = dict((o.name, MASK if o.kind == "secret" else _show(o, changes[o.name])) for o in shown)
            outcome.record(userid, action, [o.name for o in shown], before, after)

    clients, local = [client], threading.local()

    def in_worker(job):
        # one client per worker thread: its own connection, the task's single AXL session
        if not hasattr(local, "client"):
            with outcome.lock:
                local.client = client.fork()
                clients.append(local.client)
        run(job, local.client)

    if concurrency <= 1 or len(jobs) <= 1:
        for job in jobs:
            run(job, client)
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(in_worker, jobs))
    outcome.counters = dict((k, sum(c.counters[k] for c in clients)) for k in client.counters)
    for entry in outcome.ldap_skipped:
        outcome.before.setdefault(entry[key], {})
        outcome.after.setdefault(entry[key], {})[NOT_WRITTEN] = dict(
            (name, field["declared"]) for name, field in sorted(entry["fields"].items()))
    return outcome, None


def _skip_owned(resource, client, plans, jobs, outcome):
    """ldap_owned_fields=skip: take the directory-owned fields out of the changes of LDAP-synchronised users
    (recorded in ``outcome.ldap_skipped``); return the jobs that still have something to write."""
    owned = set(o.name for o in resource.options if o.ldap)
    touching = [userid for userid, current, _d, changes in plans if current and owned & set(changes)]
    ldap = resource.ldap_of(client, touching) if touching else {}
    for userid, current, desired, changes in plans:
        if userid in ldap:
            entry = skip_owned(resource, client, userid, dict(current, _ldap=ldap[userid]), desired, changes)
            if entry:
                outcome.ldap_skipped.append(entry)
                if not changes:
                    outcome.record(userid, "unchanged")
    return [job for job in jobs if job[1] == "deleted" or job[4]]


def _bound_deletions(state, doomed, pattern, max_deletions):
    if len(doomed) > max_deletions:
        raise CucmError("state=%s would delete %d users%s (%s), more than max_deletions=%d. Nothing was written."
                        % (state, len(doomed), " in scope %r" % pattern if pattern else "", _listed(doomed),
                           max_deletions), would_delete=len(doomed))


def _owner(message, userids):
    """The user a ``"<userid>: ..."`` problem message is about (the longest matching user ID), or None."""
    owners = [u for u in userids if message.startswith(u + ": ")]
    return max(owners, key=len) if owners else None


def _show(option, value):
    if option.kind == "list":
        return sorted(value or [])
    return value


# ---------------------------------------------------------------------------------- incremental gathered
def gather_changed(module, resource, found, scope_pattern, full):
    """The users that changed (``found``: changes.changes_since for ``User``), read one getUser each:
    returns ``(gathered, removed, requests)``; ``removed`` lists ``{uuid, userid}`` of the users that no
    longer exist (``userid`` when CUCM's changes named it, else None).  Users outside ``scope_pattern``
    are left out, as a full gathered run leaves them out."""
    client = module.client
    requests = changes.resolve_names(client, found["changes"])
    last = {}
    for change in found["changes"]:
        last[change["uuid"]] = change
    in_scope = like(scope_pattern or "%")
    quick = set(o.name for o in resource.bulk_readable(client.version))
    keep = set(o.name for o in resource.options if o.kind != "secret" and (full or o.name in quick))
    current, removed = {}, []
    for uuid in sorted(last):
        change = last[uuid]
        userid = change["name"] if change["action"] != "remove" else None
        if userid is None:
            removed.append(dict(uuid=uuid, userid=change["values"].get("userid") or None))
            continue
        if not in_scope(userid):
            continue
        obj = resource.read(client, userid)
        requests += 1
        if obj is None:        # removed since the name was looked up
            removed.append(dict(uuid=uuid, userid=userid))
            continue
        current[userid] = dict((k, v) for k, v in obj.items() if k in keep)
    ldap = resource.ldap_of(client, sorted(current)) if current else {}
    requests += (len(current) + 499) // 500
    owned = set(o.name for o in resource.options if o.ldap)
    gathered = []
    for userid in sorted(current):
        obj = current[userid]
        if userid in ldap:
            obj = dict((k, v) for k, v in obj.items() if k not in owned)
        gathered.append(as_input(resource, userid, obj))
    return gathered, removed, requests
