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


# ------------------------------------------------------------------ read-only reports (cucm_sql_info)
# A report is one SELECT written by the user, with {name} placeholders that render() fills.  It is
# checked twice, before and after the values are put in, by a tokenizer that follows Informix's
# lexical rules: no comment of any kind (-- ..., /* ... */, { ... }), no second statement, no word
# that only a write or a procedure needs, no call of a routine outside a short list of built-in
# read-only functions, and no character outside a literal that a SELECT does not need.

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_PLACEHOLDER_AT = re.compile(r"\{(\w+)\}")
_PUNCTUATION = set("(),.*=<>!+-/|")
# Words a SELECT never needs: statements that write, define, lock or run something, and INTO
# (SELECT ... INTO TEMP / INTO a variable).  A column with such a name cannot be read by a report.
FORBIDDEN_WORDS = frozenset((
    "insert", "update", "delete", "drop", "create", "alter", "truncate", "grant", "revoke", "execute", "call",
    "procedure", "function", "routine", "rename", "lock", "unlock", "set", "load", "unload", "database", "merge",
    "begin", "commit", "rollback", "savepoint", "system", "into", "output", "external", "trigger", "statistics",
))
# Built-in functions a report may call (Informix, and CUCM's my_lower).  Every other identifier
# directly followed by "(" is a routine call and refused: a user-defined routine can write.
REPORT_FUNCTIONS = frozenset((
    "count", "sum", "avg", "min", "max", "lower", "upper", "my_lower", "trim", "ltrim", "rtrim", "length",
    "char_length", "character_length", "octet_length", "substr", "substring", "nvl", "decode", "replace", "abs",
    "round", "trunc", "mod", "lpad", "rpad", "concat", "cast", "date", "year", "month", "day", "weekday", "mdy",
    "extend", "to_char", "to_date", "coalesce", "nullif",
))
# Keywords that may stand right before "(" without being a call.
_PAREN_KEYWORDS = frozenset((
    "select", "from", "join", "where", "and", "or", "not", "in", "exists", "on", "when", "then", "else", "as",
    "any", "all", "some", "between", "like", "matches", "is", "by", "case", "union", "having", "distinct",
    "unique", "group", "order", "intersect", "except", "minus", "using", "asc", "desc", "null", "escape",
))


class Report(object):
    """A checked report statement: ``sql`` (as sent), whether it has a top-level ORDER BY (it can
    then be paged with SKIP/FIRST) and whether it is a compound (UNION ...) query."""

    def __init__(self, text, ordered, compound):
        self.sql = text
        self.ordered = ordered
        self.compound = compound


def _tokens(text, placeholders):
    """Informix tokens of ``text`` as ``(kind, value)``; kind is word, number, literal, punct,
    placeholder or semicolon.  SqlValueError for what a report must not contain."""
    out, i, size = [], 0, len(text)
    while i < size:
        char = text[i]
        if char in " \t\r\n":
            i += 1
        elif char in "'\"":
            j, parts = i + 1, []
            while True:
                end = text.find(char, j)
                if end < 0:
                    raise SqlValueError("a quoted literal is not closed (%s...)" % text[i:i + 20])
                parts.append(text[j:end])
                if text.startswith(char * 2, end):
                    parts.append(char)
                    j = end + 2
                    continue
                break
            value = "".join(parts)
            if _CONTROL.search(value) or "\\" in value:
                raise SqlValueError("a quoted literal holds a line break, a control character or a backslash")
            if placeholders and _PLACEHOLDER_AT.search(value):
                raise SqlValueError("placeholder %s is inside quotes: write it without quotes, its value is quoted "
                                    "when it is put in" % _PLACEHOLDER_AT.search(value).group(0))
            out.append(("literal", value))
            i = end + 1
        elif text.startswith("--", i) or text.startswith("/*", i) or text.startswith("*/", i):
            raise SqlValueError("comments (%s) are not allowed in a report" % text[i:i + 2])
        elif char == "{":
            match = _PLACEHOLDER_AT.match(text, i)
            if not placeholders or not match:
                raise SqlValueError("{ starts an Informix comment, which is not allowed in a report (placeholders "
                                    "are {name})")
            out.append(("placeholder", match.group(1)))
            i = match.end()
        elif char == ";":
            out.append(("semicolon", ";"))
            i += 1
        elif _WORD.match(text, i):
            word = _WORD.match(text, i).group(0)
            out.append(("word", word.lower()))
            i += len(word)
        elif char.isdigit():
            number = _NUMBER.match(text, i).group(0)
            out.append(("number", number))
            i += len(number)
        elif char in _PUNCTUATION:
            out.append(("punct", char))
            i += 1
        else:
            raise SqlValueError("%r outside a quoted literal is not allowed in a report" % char)
    return out


def _check_report(tokens):
    """``(ordered, compound)`` of a one-SELECT token list; SqlValueError otherwise."""
    if tokens and tokens[-1][0] == "semicolon":
        tokens = tokens[:-1]
    if not tokens:
        raise SqlValueError("the statement is empty")
    if tokens[0] != ("word", "select"):
        raise SqlValueError("a report is one SELECT statement; this one starts with %r" % tokens[0][1])
    depth, ordered, compound = 0, False, False
    for index, (kind, value) in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else (None, None)
        if kind == "semicolon":
            raise SqlValueError("a report is one statement: ';' may only end it")
        if kind == "punct":
            depth += {"(": 1, ")": -1}.get(value, 0)
            if depth < 0:
                raise SqlValueError("a ')' has no matching '('")
            continue
        if kind != "word":
            continue
        if value in FORBIDDEN_WORDS:
            raise SqlValueError("a report is read-only: %r is not allowed in it" % value.upper())
        if value in ("skip", "first", "limit") and following[0] in ("number", "placeholder"):
            raise SqlValueError("%s: the module pages the result itself; use row_limit instead" % value.upper())
        if following == ("punct", "(") and index and tokens[index - 1] == ("punct", "."):
            raise SqlValueError("%s(...): qualified routine calls (owner.routine(...)) are not allowed in a report"
                                % value)
        if following == ("punct", "(") and value not in _PAREN_KEYWORDS and value not in REPORT_FUNCTIONS:
            raise SqlValueError("%s(...) is not a built-in function a report may call (procedures and other "
                                "routines are refused)" % value)
        if depth == 0 and value == "order" and following == ("word", "by"):
            ordered = True
        if depth == 0 and value in ("union", "intersect", "except", "minus"):
            compound = True
    if depth:
        raise SqlValueError("a '(' is not closed")
    return ordered, compound


def report(template, params=None):
    """Check a user's SELECT, fill its ``{name}`` placeholders from ``params`` (quoted literals,
    as :func:`render` does) and check the result again; return a :class:`Report`.

    SqlValueError names what is refused: anything but one SELECT, comments, a second statement,
    words of writes or procedures, calls of routines that are not built-in functions, SKIP/FIRST/
    LIMIT (the caller pages), a placeholder inside quotes, one without a value or a value nobody uses.
    """
    if not isinstance(template, str) or not template.strip():
        raise SqlValueError("the statement is empty")
    params = params or {}
    tokens = _tokens(template, True)
    used = set(value for kind, value in tokens if kind == "placeholder")
    missing = sorted(used - set(params))
    if missing:
        raise SqlValueError("no value in params for %s" % ", ".join("{%s}" % m for m in missing))
    unused = sorted(set(params) - used)
    if unused:
        raise SqlValueError("params %s are not used by the statement (placeholders are {name})" % ", ".join(unused))
    _check_report(tokens)
    for name, value in params.items():
        if value is None or isinstance(value, float) or isinstance(value, dict):
            raise SqlValueError("params.%s: give text, an integer, a boolean or a list of them (NULL: write IS NULL "
                                "in the statement)" % name)
    text = render(template.strip(), **params).rstrip()
    if text.endswith(";"):
        text = text[:-1].rstrip()
    ordered, compound = _check_report(_tokens(text, False))
    return Report(text, ordered, compound)
