# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where SQL for executeSQLQuery/executeSQLUpdate is put together.

Statements are constant templates with ``{name}`` placeholders; :func:`render` puts every value
in as a quoted, escaped Informix literal (or a checked integer or GUID).  No user text ever
becomes SQL syntax.  CUCM's Informix runs without DELIMIDENT, so a literal is enclosed in
single quotes with each quote doubled; newlines and control characters are refused (Informix
rejects a newline inside a literal unless ALLOW_NEWLINE is set, and no CUCM name holds one), and
so are backslashes (an escape character on some Informix configurations).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
_CONTROL = re.compile(u"[\x00-\x1f\x7f]")


class SqlValueError(ValueError):
    pass


class Guid(str):
    """A pkid to put in SQL: checked, lowercase, without braces."""

    def __new__(cls, value):
        match = _GUID.match(value or "")
        if not match:
            raise SqlValueError("%r is not a GUID" % (value,))
        return str.__new__(cls, match.group(1).lower())


def literal(value):
    """An Informix string literal for ``value``."""
    if isinstance(value, Guid):
        return "'%s'" % value
    if not isinstance(value, str):
        raise SqlValueError("expected text, got %s" % type(value).__name__)
    if _CONTROL.search(value):
        raise SqlValueError("text for SQL must not contain control characters or line breaks")
    if "\\" in value:
        # Informix treats a backslash as an ordinary character by default, but a server set up
        # otherwise would read \' as an escaped quote; refusing it closes that door for good.
        raise SqlValueError("text for SQL must not contain a backslash")
    return "'" + value.replace("'", "''") + "'"


def _value(value):
    if isinstance(value, bool):
        return "'t'" if value else "'f'"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
        return "(%s)" % ", ".join(_value(v) for v in items) if items else "(NULL)"
    return literal(value)


def render(template, **values):
    """Fill a constant SQL template.  Lists become ``(a, b, ...)`` (``(NULL)`` when empty, which
    matches nothing in ``IN``), booleans ``'t'``/``'f'``, ints digits, everything else a literal."""
    def replace(match):
        name = match.group(1)
        if name not in values:
            raise SqlValueError("no value for {%s}" % name)
        return _value(values[name])
    return _PLACEHOLDER.sub(replace, template)
