# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side: texts exactly as the user wrote them, and lists of user IDs.

AWX and AAP write every survey answer as ``key: !unsafe 'answer'``.  ansible-core 2.19 and later
build such a value as if it had not been quoted, so the answer ``80447215`` arrives as an int and
``0042`` as 34 (YAML 1.1 reads a leading zero as octal).  Those versions tag each value with its
origin (file, line, column): :func:`recover` reads the scalar there again and returns the text when
it was quoted.  A number that was never quoted (``pin: 0123``) is not recovered: the user has to
quote it (see ``module_utils/identity.py``).  ansible-core 2.16 to 2.18 keep ``!unsafe`` values as
text, and have no origin tags; nothing needs recovering there.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import os

import yaml

from ansible_collections.voiceops.cucm.plugins.module_utils import identity

try:  # ansible-core 2.19+: origin tags (file, line, column) on values read from YAML
    from ansible._internal._datatag._tags import Origin
except ImportError:  # pragma: no cover - older ansible-core
    Origin = None

_SOURCES = {}


def _source(path):
    if path not in _SOURCES:
        try:
            with open(path, encoding="utf-8") as handle:
                _SOURCES[path] = handle.read().splitlines(True)
        except (OSError, UnicodeDecodeError):
            _SOURCES[path] = None
    return _SOURCES[path]


def recover(value):
    """The text a number was written as, when it was a quoted YAML scalar that ansible-core turned
    into a number (``!unsafe '0042'`` -> 34 -> ``'0042'``); None otherwise."""
    if Origin is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    origin = Origin.get_tag(value)
    if origin is None or not origin.path or not origin.line_num or not origin.col_num:
        return None
    lines = _source(origin.path)
    if not lines or origin.line_num > len(lines):
        return None
    rest = lines[origin.line_num - 1][origin.col_num - 1:] + "".join(lines[origin.line_num:])
    try:
        for token in yaml.scan(rest):
            if isinstance(token, (yaml.StreamStartToken, yaml.TagToken, yaml.AnchorToken)):
                continue
            if isinstance(token, yaml.ScalarToken) and token.style in ("'", '"'):
                # only if that text is what ansible-core turned into this number
                if yaml.safe_load(token.value) == value and not isinstance(yaml.safe_load(token.value), bool):
                    return token.value
            return None
    except yaml.YAMLError:
        return None
    return None


def exact(value, field, secret=False):
    """``value`` as text, exactly as written, or ValueError naming ``field`` ("quote it"); ``secret``
    keeps the value out of the message."""
    if isinstance(value, str):
        return str(value)
    text = recover(value)
    if text is not None:
        return text
    reason = identity.number_problem(value, shown=not secret) or "expected text, got %s" % type(value).__name__
    raise ValueError("%s: %s" % (field, reason))


def restore(value):
    """``value`` (task arguments: nested dicts and lists) with every number that was a quoted scalar
    put back as the text it was written as; everything else unchanged."""
    if isinstance(value, dict):
        return dict((k, restore(v)) for k, v in value.items())
    if isinstance(value, list):
        return [restore(v) for v in value]
    text = recover(value)
    return value if text is None else text


# ------------------------------------------------------------------------ lists of user IDs
FORMAT = ("one user ID per line, or user IDs separated by commas; blanks around each ID are removed, "
          "blanks inside an ID are kept")


def _checked(ids, field):
    out, problems, seen = [], [], {}
    for position, text in ids:
        reason = identity.problem(text)
        if reason:
            problems.append("%s %s: %r %s" % (field, position, text, reason))
            continue
        if text in seen:
            continue
        seen[text] = position
        out.append(text)
    if problems:
        raise ValueError("; ".join(problems))
    return out


def userids(value, field, allow_empty=True):
    """User IDs from a list, or from text (an AWX survey answer): ``FORMAT``.  A number is taken only
    if it can be read back exactly (see :func:`recover`); anything else is a ValueError naming ``field``."""
    if value is None or value == "":
        items = []
    elif isinstance(value, str):
        items = [(("line %d" % (n + 1)) if "\n" in value else "item %d" % (i + 1), part.strip(" \t\r"))
                 for n, line in enumerate(value.split("\n")) for i, part in enumerate(line.split(","))]
        items = [(where, text) for where, text in items if text]
    elif isinstance(value, (list, tuple)):
        items = [("item %d" % (i + 1), exact(v, "%s item %d" % (field, i + 1))) for i, v in enumerate(value)]
        empty = [where for where, text in items if not text]
        if empty:
            raise ValueError("%s: %s is empty" % (field, ", ".join(empty)))
    else:
        items = [("value", exact(value, field))]
    ids = _checked(items, field)
    if not ids and not allow_empty:
        raise ValueError("%s: names nobody" % field)
    return ids


def userids_from_file(path, field, allow_empty=False):
    """The user IDs a file names, read exactly; ValueError naming ``field`` when the file is missing,
    unreadable, of an unknown kind, malformed, or names nobody.

    - ``.yml``/``.yaml``/``.json``: a list of user IDs, a list of users (mappings with ``userid``),
      or a mapping with such a list under ``users`` (the users.yml that export_state writes) or ``leavers``
      (the leavers' ledger);
    - ``.csv``: a ``userid`` column (a header line is required);
    - ``.txt``: one user ID per line (blank lines and lines starting with # are ignored).
    """
    if not path or not os.path.isfile(path):
        raise ValueError("%s: %s does not exist or is not a file" % (field, path))
    ext = os.path.splitext(path)[1].lower()
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError("%s: %s cannot be read: %s" % (field, path, exc))
    where = "%s (%s)" % (field, path)
    if ext in (".yml", ".yaml", ".json"):
        try:
            data = identity.load_text(io.StringIO(text), ext)
        except (yaml.YAMLError, ValueError) as exc:
            raise ValueError("%s: not valid %s: %s" % (where, "JSON" if ext == ".json" else "YAML", exc))
        if isinstance(data, dict):
            lists = [k for k in ("users", "leavers") if k in data]
            if not lists:
                raise ValueError("%s: a mapping must hold a 'users' (or 'leavers') list" % where)
            data = data[lists[0]]
            if data is None and allow_empty:
                data = []
        if not isinstance(data, list):
            raise ValueError("%s: expected a list of user IDs or of users (mappings with 'userid'), or a mapping "
                             "with a 'users' list" % where)
        items = []
        for index, item in enumerate(data):
            if isinstance(item, dict):
                item = item.get("userid")
            if not isinstance(item, str) or not item:
                raise ValueError("%s: entry %d has no user ID (expected text or a mapping with 'userid')"
                                 % (where, index + 1))
            items.append(("entry %d" % (index + 1), item))
    elif ext == ".csv":
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or "userid" not in [c.strip() for c in rows[0]]:
            raise ValueError("%s: a CSV file needs a header line with a 'userid' column" % where)
        column = [c.strip() for c in rows[0]].index("userid")
        items = []
        for number, row in enumerate(rows[1:], 2):
            if not any(c.strip() for c in row):
                continue
            if len(row) <= column or not row[column]:
                raise ValueError("%s: line %d has no userid" % (where, number))
            items.append(("line %d" % number, row[column]))
    elif ext == ".txt":
        items = [("line %d" % (n + 1), line.rstrip("\r")) for n, line in enumerate(text.split("\n"))
                 if line.strip() and not line.lstrip().startswith("#")]
    else:
        raise ValueError("%s: the file must end in .yml, .yaml, .json, .csv or .txt" % where)
    ids = _checked(items, where)
    if not ids and not allow_empty:
        raise ValueError("%s: names nobody; an empty list of users who stay would select everyone" % where)
    return ids
