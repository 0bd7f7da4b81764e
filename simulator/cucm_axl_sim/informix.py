"""Informix-dialect SQL layer for the simulator's ``executeSQLQuery`` / ``executeSQLUpdate``.

CUCM runs its configuration database on Informix. AXL's ``executeSQLQuery`` takes one SELECT and
``executeSQLUpdate`` takes one INSERT, UPDATE or DELETE. The simulator keeps the data in SQLite
tables that are named and shaped after the CUCM data dictionary. This module turns Informix SQL
into SQLite SQL with the same meaning, or rejects it the way Informix would. It also maps SQLite
errors to Informix error codes and messages.

Public API (stdlib only)::

    SQLError(code, message)           .code (negative Informix code), .message (axlmessage text),
                                      .detail (simulator-only explanation, never sent to clients)
    translate(sql, kind) -> str       kind 'query' (SELECT only) or 'update' (INSERT/UPDATE/DELETE)
    run_query(conn, sql, max_rows=None) -> (column_names, rows)
    run_update(conn, sql) -> int      rows affected; runs in the caller's transaction, no commit
    sqlite_error(exc, conn=None, sql=None) -> SQLError
    install(conn)                     registers the helper SQL functions listed below
    axl_element_name(label) -> str    '(count(*))' -> 'count'  (helper for the SOAP layer)

Security model
--------------
The translator is a real tokenizer, not a regex over the whole text. Its output is rebuilt from
tokens, so keywords, comment markers and ``;`` inside a string literal are never touched.
Informix's lexical rules, which this module follows (``DELIMIDENT`` unset, as on CUCM):

* ``'...'`` and ``"..."`` are both string literals. Inside each, the delimiter is escaped by
  doubling it (``'O''Brien'``, ``"a""b"``). The other quote character is ordinary.
* **Backslash is an ordinary character in string literals.** It escapes nothing, so ``'a\\'`` is
  the two-character string ``a\\``. Backslash is only the default *escape character of LIKE and
  MATCHES patterns* (Informix ``DEFAULTESCCHAR``), which is a pattern-level rule (see below).
* An unescaped quote ends the string. A literal that never ends raises -282.
* ``-- ...`` (to end of line), ``/* ... */`` and ``{ ... }`` are comments only outside literals.
  They are removed. An unterminated block comment raises -201.
* Every string literal is re-emitted for SQLite as ``'...'`` with every ``'`` doubled. A
  double-quoted Informix literal ``"a'b"`` therefore becomes ``'a''b'``. The translation can
  never create an injection that the original statement did not have. It also never hides one:
  ``name = 'x' OR '1'='1'`` is translated as written and deletes every row, as Informix would.
* A NUL character, or text that is not valid Unicode, is rejected (-201). XML cannot carry either.
* Characters that mean nothing in Informix SQL outside literals are rejected (-201): ``? : @ $
  # [ ] ` \\ % & | ^ ~ !`` (except ``!=``), ``::`` and ``==``. This also closes SQLite's own
  parameter, identifier-quoting and operator syntax.

Statements accepted
-------------------
* ``kind='query'``: one ``SELECT`` (with ``UNION``/``INTERSECT``/``EXCEPT`` branches, subqueries,
  joins). ``kind='update'``: one ``INSERT``, ``UPDATE`` or ``DELETE``.
* A single trailing ``;`` is tolerated. A ``;`` followed by anything else is rejected (-201):
  CUCM runs one statement per request.
* **Any other statement type is rejected with -201 "A syntax error has occurred."** This covers
  a non-SELECT in executeSQLQuery, a SELECT in executeSQLUpdate, and PRAGMA, ATTACH, DETACH,
  CREATE, DROP, ALTER, BEGIN, COMMIT, ROLLBACK, SAVEPOINT, EXPLAIN, WITH, VACUUM, REPLACE and so
  on. Which fault a real CUCM returns for a non-SELECT sent to executeSQLQuery is UNCONFIRMED, so
  the syntax error is used everywhere. ``SQLError.detail`` says which rule fired.
* A table name beginning with ``sqlite_`` (``sqlite_master``, ``sqlite_schema``, ...) raises -206
  "table not in the database", as Informix would report for any unknown table.
* SQLite-only syntax is rejected (-201) rather than passed through. This covers ``GLOB``,
  ``REGEXP``, ``COLLATE``, ``INDEXED BY``, ``ISNULL``/``NOTNULL``, ``RETURNING``, ``ON
  CONFLICT``, ``INSERT OR ...``, ``UPDATE OR ...``, a trailing ``LIMIT``/``OFFSET``,
  ``UPDATE ... FROM``, ``WITH`` (CTEs), ``WINDOW``, ``FILTER`` and ``X'..'`` blobs.
* Function calls are checked against an allow-list (``FUNCTIONS``). Any other function raises
  -674 "Routine (f) can not be resolved.", which is what Informix says for an unknown routine.
  This also blocks ``load_extension``, ``randomblob``, ``pragma_*`` table functions, ``json_*``,
  ``sqlite_version`` and similar.

Dialect translated
------------------
* ``SELECT [SKIP n] [FIRST m | LIMIT m] [ALL | DISTINCT | UNIQUE] ...`` at the top level becomes
  ``... LIMIT m OFFSET n`` at the end of the statement (``SKIP`` alone becomes ``LIMIT -1 OFFSET
  n``). Informix's order is SKIP before FIRST, and FIRST before SKIP is rejected. SKIP, FIRST
  and LIMIT count as keywords only when an integer literal follows, so a column named ``first``
  still works. They are allowed in a derived table (``FROM (SELECT FIRST 5 ...)`` or ``JOIN
  (SELECT ...)``), where they become a LIMIT inside the parentheses. Anywhere else they are
  rejected (-201): in other subqueries, in the SELECT of ``INSERT ... SELECT``, and in a compound
  (UNION) query. ``UNIQUE`` becomes ``DISTINCT``.
* ``SELECT ... INTO TEMP t`` / ``INTO var``: rejected (-201). ``INTO`` is only accepted in
  ``INSERT INTO``.
* A SELECT without FROM is rejected (-201). Informix 12.x needs a FROM (``sysmaster:sysdual``).
* ``INSERT INTO t [(cols)] VALUES (...)`` takes exactly one row, as in Informix. A multi-row
  VALUES list is rejected (-201). ``INSERT INTO t [(cols)] SELECT ...`` is accepted.
* ``UPDATE t SET (a, b) = ('x', 'y') WHERE ...``. SQLite 3.15+ supports row values natively, so
  this passes through unchanged. ``DELETE t WHERE ...`` (FROM omitted) gets FROM added.
* ``NVL(a, b)`` becomes ``ifnull(a, b)``. ``||`` passes through.
* ``LOWER``/``UPPER`` (and CUCM's ``my_lower``) map to ``ifx_lower``/``ifx_upper``, which use
  Python's Unicode case mapping. SQLite's built-ins fold ASCII only.
* ``LENGTH(x)`` maps to ``ifx_length``: UTF-8 **bytes** without trailing blanks, as Informix
  counts. ``CHAR_LENGTH``/``CHARACTER_LENGTH`` count characters.
* ``TRIM(x)``, ``TRIM([LEADING|TRAILING|BOTH] [pad] FROM x)``, ``LTRIM``, ``RTRIM``, ``SUBSTR``,
  ``REPLACE``, ``ABS``, ``ROUND``, ``COUNT``/``SUM``/``AVG``/``MIN``/``MAX`` and ``newid()``.
* ``TODAY`` becomes ``date('now','localtime')``, an ISO ``YYYY-MM-DD`` string (Informix would
  format by DBDATE). ``CURRENT [unit TO unit[(n)]]`` becomes ``strftime(...)`` of local time. The
  default is ``YEAR TO FRACTION(3)``: ``YYYY-MM-DD HH:MM:SS.fff``.
* ``x [NOT] LIKE p [ESCAPE 'c']``: ``%`` and ``_`` are wildcards and the escape character
  defaults to backslash. Informix LIKE is case-sensitive but SQLite's LIKE is not, so LIKE is
  translated to SQLite ``GLOB``. A literal pattern is converted when translating. A pattern
  that is an expression (a column, ``'%' || col || '%'``) is wrapped in
  ``ifx_like_glob(expr, esc)``, which converts at run time.
* ``x [NOT] MATCHES p [ESCAPE 'c']`` is Informix glob: ``*``, ``?``, ``[...]``, ``[^...]`` and a
  default backslash escape. It becomes ``GLOB`` the same way, through ``ifx_matches_glob``.
* Joins: ANSI ``[INNER|LEFT [OUTER]|CROSS] JOIN ... ON`` and comma joins pass through. The
  legacy Informix ``FROM a, OUTER b`` syntax is NOT supported and gives -201.
* An ``informix.`` owner prefix (``informix.device``) is dropped.
* Keywords and identifiers are case-insensitive. Identifiers are emitted in lower case.

Column names returned by ``run_query``
--------------------------------------
These are the names Informix gives, checked against the HCL/IBM tutorial output ("Using Functions
in SELECT Statements" and "Display labels"):

* a plain column (``name``, ``t.name``, ``*``, ``t.*``): the column name in lower case
* ``expr AS label`` or ``expr label``: the label in lower case
* ``COUNT(*)``: ``(count(*))``. ``COUNT(x)`` and ``COUNT(DISTINCT x)``: ``(count)``.
  ``SUM``/``AVG``/``MIN``/``MAX(...)``: ``(sum)``, ``(avg)``, ``(min)``, ``(max)``.
* a literal (``'x'``, ``5``, ``NULL``): ``(constant)``. ``TODAY``: ``(today)``. ``CURRENT``:
  ``(current)``. The last two are inferred from dbaccess output (UNCONFIRMED).
* any other expression (``lower(name)``, ``a || b``, ``newid()``, a subquery): ``(expression)``

Several columns can share a name (``(expression)``, or ``pkid`` twice from ``SELECT *`` over a
join), just as in Informix. These labels are not valid XML element names. How CUCM's AXL names
the ``<row>`` children for such columns is UNCONFIRMED. ``axl_element_name()`` drops the
parentheses and ``(*)`` (``(count(*))`` -> ``count``), which matches community reports of
``<count>`` elements. Clients should alias expressions.

Error mapping (``sqlite_error`` and the translator)
---------------------------------------------------
====  ==========================================================================  =================
code  message                                                                     raised for
====  ==========================================================================  =================
-201  A syntax error has occurred.                                                SQLite syntax
                                                                                  errors, every
                                                                                  rejection above
-206  The specified table (<t>) is not in the database.                           no such table,
                                                                                  sqlite_* names
-217  Column (<c>) not found in any table in the query (or SLV is undefined).     no such column
-236  Number of columns in INSERT does not match number of VALUES.               INSERT arity
-239  Could not insert new row - duplicate value in a UNIQUE INDEX column         UNIQUE index
      (Unique Index:<index name>).                                                (INSERT and
                                                                                  UPDATE)
-268  Unique constraint (<name>) violated.                                        PRIMARY KEY or
                                                                                  inline UNIQUE
-282  Found a quote for which there is no matching quote.                         unterminated
                                                                                  literal
-324  Ambiguous column (<c>).                                                     ambiguous column
-391  Cannot insert a null into column (<table>.<column>).                        NOT NULL
-530  Check constraint (<name>) failed.                                           CHECK
-674  Routine (<f>) can not be resolved.                                          unknown function
-691  Missing key in referenced table for referential constraint (<name>).        FK, child side
-692  Key value for constraint (<name>) is still being referenced.                FK, parent side
-746  <the trigger's RAISE(ABORT, '...') text, verbatim>                          DB rule triggers
  -1  <SQLite's text>, or "Query request too large. ..." for max_rows             anything else
====  ==========================================================================  =================

Notes on the mapping:

* The unique index name comes from ``PRAGMA index_list``/``index_info``, so it needs ``conn``.
  Without ``conn`` the name is empty: ``(Unique Index:).``, the exact string AXL clients match
  on. Informix reports an UPDATE that creates a duplicate as -346/ISAM -100. The simulator uses
  -239 for UPDATE too, because that is what clients look for.
* SQLite's ``PRIMARY KEY``/inline ``UNIQUE`` have no visible names. They are reported as -268
  with the synthesized names ``pk_<table>`` / ``uk_<table>_<cols>``.
* SQLite does not name the foreign key that failed. When ``sqlite_error`` gets ``conn`` and the
  translated ``sql`` (``run_update`` passes both), it finds the key by probing. It re-runs the
  statement inside a savepoint with ``PRAGMA defer_foreign_keys=ON``, reads ``PRAGMA
  foreign_key_check``, then rolls back to the savepoint and restores the pragma. The name is
  synthesized as ``fk_<child table>_<fk columns>``. -692 is used when the violating row is in
  another table than the one the statement modifies (a parent delete or key update), and -691
  otherwise. Without ``conn`` the result is -691 with an empty name.
* ``ON DELETE RESTRICT`` failures reach Python as ``SQLITE_CONSTRAINT_TRIGGER`` with the text
  "FOREIGN KEY constraint failed". They are classified by text as FK errors, not as -746.
* -746: any other ``SQLITE_CONSTRAINT_TRIGGER`` error is a DB rule. Its message is the RAISE text,
  unchanged (CUCM texts such as ``Cannot Subscribe to an Enterprise Service.``).

Things the store must provide
-----------------------------
* ``newid()`` registered on the connection. This module does not register it.
* ``PRAGMA foreign_keys=ON`` (otherwise -691/-692 never happen).
* ``run_query``/``run_update`` call ``install(conn)`` themselves. Whoever runs the output of
  ``translate()`` directly must call ``install(conn)`` first. It registers ``ifx_like_glob``,
  ``ifx_matches_glob``, ``ifx_lower``, ``ifx_upper`` and ``ifx_length``.
* ``FUNCTIONS`` can be extended (Informix name -> SQLite name) if the store registers more
  Informix functions.

Limits: one statement; no host variables or parameters; no Informix ``::`` casts (use
``CAST(x AS type)``); no ``SUBSTRING(x FROM a FOR b)``, ``DECODE``, ``DBINFO`` or legacy
``OUTER``; ``FIRST 0`` means ``LIMIT 0``. LIKE does not ignore trailing blanks of CHAR columns
(the store uses TEXT).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

__all__ = [
    "SQLError",
    "translate",
    "run_query",
    "run_update",
    "sqlite_error",
    "install",
    "axl_element_name",
    "FUNCTIONS",
]

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

MSG_SYNTAX = "A syntax error has occurred."
MSG_QUOTE = "Found a quote for which there is no matching quote."


class SQLError(Exception):
    """An Informix-style SQL error: ``code`` (negative int) and ``message`` (axlmessage text).

    ``detail`` is an optional simulator-only explanation (why a statement was rejected); it is
    not part of what CUCM would send and should not be put into the SOAP fault.
    """

    def __init__(self, code: int, message: str, detail: str | None = None):
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.detail = detail

    def __str__(self) -> str:  # pragma: no cover - cosmetic
        text = f"{self.code}: {self.message}"
        return f"{text} [{self.detail}]" if self.detail else text


def _syntax(detail: str | None = None) -> SQLError:
    return SQLError(-201, MSG_SYNTAX, detail)


def _no_table(name: str) -> SQLError:
    return SQLError(-206, f"The specified table ({name}) is not in the database.")


def _no_column(name: str) -> SQLError:
    return SQLError(-217, f"Column ({name}) not found in any table in the query (or SLV is undefined).")


def _no_routine(name: str) -> SQLError:
    return SQLError(-674, f"Routine ({name}) can not be resolved.")


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------

_WS = " \t\n\r\f\v"
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUM_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_OPS2 = ("||", "<>", "!=", "<=", ">=")
_OPS1 = frozenset("(),.;*+-/=<>")


@dataclass(slots=True)
class _Tok:
    kind: str  # 'ident' (value lower-cased), 'string' (decoded value), 'number', 'op'
    value: str


def _tokenize(sql: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in _WS:
            i += 1
            continue
        if c == "-" and sql.startswith("--", i):
            j = i + 2
            while j < n and sql[j] not in "\n\r":
                j += 1
            i = j
            continue
        if c == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            if j < 0:
                raise _syntax("unterminated /* comment")
            i = j + 2
            continue
        if c == "{":
            j = sql.find("}", i + 1)
            if j < 0:
                raise _syntax("unterminated { comment")
            i = j + 1
            continue
        if c == "'" or c == '"':
            parts = []
            j = i + 1
            while True:
                k = sql.find(c, j)
                if k < 0:
                    raise SQLError(-282, MSG_QUOTE, "unterminated string literal")
                parts.append(sql[j:k])
                if k + 1 < n and sql[k + 1] == c:  # doubled delimiter = one literal quote
                    parts.append(c)
                    j = k + 2
                    continue
                i = k + 1
                break
            toks.append(_Tok("string", "".join(parts)))
            continue
        m = _IDENT_RE.match(sql, i)
        if m:
            word = m.group(0).lower()
            i = m.end()
            if word == "x" and i < n and sql[i] in "'\"":
                raise _syntax("blob literals are not Informix SQL")
            toks.append(_Tok("ident", word))
            continue
        m = _NUM_RE.match(sql, i)
        if m:
            i = m.end()
            if i < n and (sql[i].isalnum() or sql[i] == "_"):
                raise _syntax("malformed number")
            toks.append(_Tok("number", m.group(0)))
            continue
        two = sql[i : i + 2]
        if two in _OPS2:
            toks.append(_Tok("op", two))
            i += 2
            continue
        if two in ("::", "=="):
            raise _syntax(f"operator {two!r} is not supported")
        if c in _OPS1:
            toks.append(_Tok("op", c))
            i += 1
            continue
        raise _syntax(f"unexpected character {c!r}")
    return toks


def _quote(value: str) -> str:
    """Emit a SQLite string literal; the only escape SQLite knows is doubling the quote."""
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# LIKE / MATCHES -> GLOB
# ---------------------------------------------------------------------------------------------


def _glob_literal(ch: str) -> str:
    return "[" + ch + "]" if ch in "*?[" else ch


def like_to_glob(pattern: str, escape: str | None = "\\") -> str:
    """Convert an Informix LIKE pattern (``%``, ``_``, escape char) to a SQLite GLOB pattern."""
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if escape and c == escape and i + 1 < n:
            out.append(_glob_literal(pattern[i + 1]))
            i += 2
            continue
        if c == "%":
            out.append("*")
        elif c == "_":
            out.append("?")
        else:
            out.append(_glob_literal(c))
        i += 1
    return "".join(out)


def matches_to_glob(pattern: str, escape: str | None = "\\") -> str:
    """Convert an Informix MATCHES pattern (``*``, ``?``, ``[...]``, escape) to SQLite GLOB."""
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if escape and c == escape and i + 1 < n:
            out.append(_glob_literal(pattern[i + 1]))
            i += 2
            continue
        if c in "*?":
            out.append(c)
            i += 1
            continue
        if c == "[":
            k = i + 1
            if k < n and pattern[k] == "^":
                k += 1
            if k < n and pattern[k] == "]":
                k += 1
            j = pattern.find("]", k)
            if j > i:
                out.append(pattern[i : j + 1])
                i = j + 1
                continue
            out.append("[[]")
            i += 1
            continue
        out.append(_glob_literal(c))
        i += 1
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# SQL functions registered on the connection
# ---------------------------------------------------------------------------------------------


def _as_text(v):
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


def _f_like_glob(pattern, escape):
    pattern = _as_text(pattern)
    return None if pattern is None else like_to_glob(pattern, _as_text(escape))


def _f_matches_glob(pattern, escape):
    pattern = _as_text(pattern)
    return None if pattern is None else matches_to_glob(pattern, _as_text(escape))


def _f_lower(v):
    v = _as_text(v)
    return None if v is None else v.lower()


def _f_upper(v):
    v = _as_text(v)
    return None if v is None else v.upper()


def _f_length(v):
    if v is None:
        return None
    if isinstance(v, bytes):
        return len(v)
    return len(_as_text(v).rstrip(" ").encode("utf-8"))


_SQL_FUNCTIONS = (
    ("ifx_like_glob", 2, _f_like_glob),
    ("ifx_matches_glob", 2, _f_matches_glob),
    ("ifx_lower", 1, _f_lower),
    ("ifx_upper", 1, _f_upper),
    ("ifx_length", 1, _f_length),
)


def install(conn: sqlite3.Connection) -> None:
    """Register the helper functions that translated SQL may call (idempotent, cheap)."""
    for name, nargs, fn in _SQL_FUNCTIONS:
        try:
            conn.create_function(name, nargs, fn, deterministic=True)
        except sqlite3.OperationalError:
            # "unable to modify user-function due to active statements": already registered.
            pass


# ---------------------------------------------------------------------------------------------
# Translator
# ---------------------------------------------------------------------------------------------

#: Informix function name -> SQLite function name. ``trim`` is handled specially.
FUNCTIONS: dict[str, str] = {
    "lower": "ifx_lower",
    "upper": "ifx_upper",
    "my_lower": "ifx_lower",
    "length": "ifx_length",
    "char_length": "length",
    "character_length": "length",
    "ltrim": "ltrim",
    "rtrim": "rtrim",
    "nvl": "ifnull",
    "count": "count",
    "sum": "sum",
    "avg": "avg",
    "min": "min",
    "max": "max",
    "newid": "newid",
    "substr": "substr",
    "replace": "replace",
    "abs": "abs",
    "round": "round",
}

# Keywords that may be directly followed by "(" without being a function call.
_PAREN_KEYWORDS = frozenset(
    """in exists values from join on and or not where select set by having when then else case
    cast any all some between distinct unique union intersect except over using outer is""".split()
)
# Words that never occur in Informix DML but unlock SQLite-only behaviour.
_FORBIDDEN = frozenset(
    """glob regexp collate indexed notnull isnull returning pragma attach detach vacuum reindex
    savepoint conflict with offset window filter middle""".split()
)
_SET_OPS = frozenset(("union", "intersect", "except", "minus"))
_UNITS = ("year", "month", "day", "hour", "minute", "second", "fraction")
_AGGREGATES = ("count", "sum", "avg", "min", "max")
# Words that can end an expression but are not an implicit column alias.
_NOT_ALIAS = frozenset(
    """end null true false asc desc today current and or not as from where select distinct unique
    all is in like matches escape between case when then else""".split()
) | frozenset(_UNITS)


@dataclass
class _Translation:
    sql: str
    statement: str  # 'select' | 'insert' | 'update' | 'delete'
    target: str | None = None  # table modified by an update statement
    labels: dict[str, str] = field(default_factory=dict)  # sqlite alias -> Informix label
    union: list | None = None  # compound SELECT: per branch, (item kinds, tables) (see _union_shape)


_ALIAS_FMT = "__ifx_col_{}__"


class _Translator:
    def __init__(self, toks: list[_Tok], kind: str):
        self.t = toks
        self.n = len(toks)
        self.kind = kind
        self.match = self._match_parens()
        self.alias_after: dict[int, str] = {}
        self.labels: dict[str, str] = {}

    # -- token helpers ----------------------------------------------------------------------
    def _match_parens(self) -> dict[int, int]:
        stack, match = [], {}
        for i, tok in enumerate(self.t):
            if tok.kind == "op" and tok.value == "(":
                stack.append(i)
            elif tok.kind == "op" and tok.value == ")":
                if not stack:
                    raise _syntax("unbalanced ')'")
                j = stack.pop()
                match[i], match[j] = j, i
        if stack:
            raise _syntax("unbalanced '('")
        return match

    def op(self, i: int, value: str) -> bool:
        return 0 <= i < self.n and self.t[i].kind == "op" and self.t[i].value == value

    def kw(self, i: int, *values: str) -> bool:
        return 0 <= i < self.n and self.t[i].kind == "ident" and self.t[i].value in values

    def is_int(self, i: int) -> bool:
        return 0 <= i < self.n and self.t[i].kind == "number" and self.t[i].value.isdigit()

    def depth0(self, start: int, end: int):
        """Indices of tokens at the nesting level of ``start`` (groups are skipped whole)."""
        i = start
        while i < end:
            yield i
            i = self.match[i] + 1 if self.op(i, "(") else i + 1

    # -- statement --------------------------------------------------------------------------
    def statement(self) -> _Translation:
        t = self.t
        if not t or t[0].kind != "ident":
            raise _syntax("empty or malformed statement")
        stmt = t[0].value
        allowed = ("select",) if self.kind == "query" else ("insert", "update", "delete")
        if stmt not in allowed:
            what = "executeSQLQuery accepts only SELECT" if self.kind == "query" else (
                "executeSQLUpdate accepts only INSERT, UPDATE or DELETE")
            raise _syntax(f"{what}; got {stmt.upper()}")
        target = None
        if stmt == "insert":
            if not self.kw(1, "into"):
                raise _syntax("INSERT needs INTO")
            target = self._table_name(2)
            for i in self.depth0(0, self.n):
                if self.kw(i, "values"):
                    if not self.op(i + 1, "(") or self.match[i + 1] != self.n - 1:
                        raise _syntax("INSERT ... VALUES takes exactly one row")
                    break
        elif stmt == "update":
            if self.kw(1, "or"):
                raise _syntax("UPDATE OR ... is SQLite syntax")
            target = self._table_name(1)
            seen_set = False
            for i in self.depth0(0, self.n):
                if self.kw(i, "set"):
                    seen_set = True
                elif seen_set and self.kw(i, "from"):
                    raise _syntax("UPDATE ... FROM is not supported")
        elif stmt == "delete":
            target = self._table_name(2 if self.kw(1, "from") else 1)
        out = self.emit(0, self.n, "top")
        return _Translation(" ".join(out), stmt, target, self.labels,
                            self._union_shape() if stmt == "select" else None)

    # -- UNION typing -------------------------------------------------------------------------
    def _union_shape(self):
        """For a compound SELECT (top-level UNION/INTERSECT/EXCEPT): per branch, the kind of each
        select-list item (``('char', n)`` a string literal of n characters, ``('column', name)`` a
        plain column reference, ``('other', None)`` anything else) and the branch's tables.  None for
        a simple SELECT, or one whose branches this analysis does not understand."""
        starts, k = [0], 0
        for k in self.depth0(0, self.n):
            if self.kw(k, *_SET_OPS):
                nxt = k + 2 if self.kw(k + 1, "all", "distinct") else k + 1
                starts.append(nxt)
        if len(starts) == 1:
            return None
        bounds = []
        for idx, start in enumerate(starts):
            end = self.n
            if idx + 1 < len(starts):
                end = max(j for j in self.depth0(start, starts[idx + 1]) if self.kw(j, *_SET_OPS))
            if not self.kw(start, "select"):
                return None
            bounds.append((start, end))
        return [self._branch_shape(start, end) for start, end in bounds]

    def _branch_shape(self, start, end):
        j = start + 1
        if self.kw(j, "skip") and self.is_int(j + 1):
            j += 2
        if self.kw(j, "first", "limit") and self.is_int(j + 1):
            j += 2
        if self.kw(j, "distinct", "unique", "all"):
            j += 1
        items, s, frm = [], j, end
        for k in self.depth0(j, end):
            if self.op(k, ","):
                items.append((s, k))
                s = k + 1
            elif self.kw(k, "from"):
                items.append((s, k))
                frm = k
                break
        kinds = [self._item_kind(a, b) for a, b in items]
        tables, in_from = set(), False
        for k in self.depth0(frm, end):
            if self.kw(k, "from", "join") or (in_from and self.op(k, ",")):
                in_from = True
                t = k + 1
                if self.kw(t, "informix") and self.op(t + 1, "."):
                    t += 2
                if 0 <= t < self.n and self.t[t].kind == "ident":
                    tables.add(self.t[t].value)
            elif self.kw(k, "where", "group", "order", "having", "on"):
                in_from = False
        return kinds, tables

    def _item_kind(self, s, e):
        t = self.t
        if e - s >= 3 and self.kw(e - 2, "as"):
            e -= 2
        elif (e - s >= 2 and t[e - 1].kind == "ident" and t[e - 1].value not in _NOT_ALIAS
              and not self.op(e - 2, ".")):
            e -= 1
        if e - s == 1 and t[s].kind == "string":
            return ("char", len(t[s].value))
        if e - s in (1, 3) and t[e - 1].kind == "ident" and (e - s == 1 or (self.op(s + 1, ".") and t[s].kind == "ident")):
            if t[e - 1].value not in ("null", "true", "false", "today", "current"):
                return ("column", t[e - 1].value)
        return ("other", None)

    def _table_name(self, i: int) -> str | None:
        if self.kw(i, "informix") and self.op(i + 1, "."):
            i += 2
        if 0 <= i < self.n and self.t[i].kind == "ident":
            return self.t[i].value
        raise _syntax("table name expected")

    # -- main emitter -----------------------------------------------------------------------
    def emit(self, start: int, end: int, ctx: str) -> list[str]:
        """Translate tokens ``[start, end)`` (one nesting level). ``ctx`` is 'top', 'derived'
        (FROM/JOIN subquery), 'subquery' or 'group'."""
        t = self.t
        out: list[str] = []
        limit: list[str] | None = None
        i = start
        while i < end:
            old = i
            tok = t[i]
            if tok.kind == "op":
                if tok.value == ";":
                    raise _syntax("';' inside a statement")
                if tok.value == "(":
                    m = self.match[i]
                    inner = "group"
                    if self.kw(i + 1, "select"):
                        inner = "derived" if self.kw(i - 1, "from", "join") else "subquery"
                    out.append("(")
                    out.extend(self.emit(i + 1, m, inner))
                    out.append(")")
                    i = m + 1
                else:
                    out.append(tok.value)
                    i += 1
            elif tok.kind == "string":
                out.append(_quote(tok.value))
                i += 1
            elif tok.kind == "number":
                out.append(tok.value)
                i += 1
            else:
                v = tok.value
                if v == "select":
                    i, lim = self._select(i, start, end, ctx, out)
                    if lim is not None:
                        limit = lim
                elif v in ("like", "matches"):
                    i = self._like(i, end, out)
                else:
                    i = self._ident(i, end, out)
            if ctx == "top":  # display-label aliases belong to top-level select-list items only
                for k in range(old, i):
                    alias = self.alias_after.get(k)
                    if alias:
                        out.extend(("as", alias))
        if limit:
            out.extend(limit)
        return out

    def _ident(self, i: int, end: int, out: list[str]) -> int:
        t = self.t
        v = t[i].value
        if v in _FORBIDDEN:
            raise _syntax(f"{v.upper()} is not Informix SQL")
        if v == "into" and not self.kw(i - 1, "insert"):
            raise _syntax("INTO is only allowed in INSERT INTO (no SELECT ... INTO [TEMP])")
        if v == "limit":
            raise _syntax("LIMIT is only allowed right after SELECT (Informix FIRST synonym)")
        if v == "escape":
            raise _syntax("ESCAPE without LIKE/MATCHES")
        if v == "as" and i + 1 < end and t[i + 1].kind != "ident":
            raise _syntax("a display label must be an identifier")
        if v.startswith("sqlite_") and not self.op(i + 1, "("):
            raise _no_table(v)
        if v == "informix" and self.op(i + 1, ".") and i + 2 < end and t[i + 2].kind == "ident":
            return i + 2  # owner prefix: informix.device -> device
        prev_dot = self.op(i - 1, ".")
        if (self.op(i + 1, "(") and not prev_dot and v not in _PAREN_KEYWORDS
                and not self.kw(i - 1, "into", "as")):  # INSERT INTO t (cols); CAST(x AS char(10))
            return self._function(i, out)
        if not prev_dot and not self.op(i + 1, ".") and not self.op(i + 1, "("):
            if v == "today":
                out.append("date('now','localtime')")
                return i + 1
            if v == "current":
                return self._current(i, end, out)
        if v == "unique":
            out.append("distinct")
        elif v == "delete" and i == 0 and not self.kw(1, "from"):
            out.extend(("delete", "from"))
        elif v == "insert" and i == 0 and self.kw(1, "or"):
            raise _syntax("INSERT OR ... is SQLite syntax")
        else:
            out.append(v)
        return i + 1

    def _function(self, i: int, out: list[str]) -> int:
        v = self.t[i].value
        m = self.match[i + 1]
        if v == "trim":
            return self._trim(i + 1, m, out)
        sqlite_name = FUNCTIONS.get(v)
        if sqlite_name is None:
            raise _no_routine(v)
        out.extend((sqlite_name, "("))
        out.extend(self.emit(i + 2, m, "group"))
        out.append(")")
        return m + 1

    def _trim(self, lp: int, rp: int, out: list[str]) -> int:
        s = lp + 1
        mode = "both"
        if self.kw(s, "leading", "trailing", "both"):
            mode = self.t[s].value
            s += 1
        frm = next((k for k in self.depth0(s, rp) if self.kw(k, "from")), None)
        if frm is None:
            if mode != "both" or s != lp + 1:
                raise _syntax("TRIM(LEADING|TRAILING|BOTH ...) needs FROM")
            pad, src = None, (s, rp)
        else:
            pad = (s, frm) if frm > s else None
            src = (frm + 1, rp)
        if src[0] >= src[1]:
            raise _syntax("TRIM needs a source expression")
        fn = {"both": "trim", "leading": "ltrim", "trailing": "rtrim"}[mode]
        out.extend((fn, "("))
        out.extend(self.emit(src[0], src[1], "group"))
        if pad:
            out.append(",")
            out.extend(self.emit(pad[0], pad[1], "group"))
        out.append(")")
        return rp + 1

    def _current(self, i: int, end: int, out: list[str]) -> int:
        t = self.t
        j = i + 1
        first, last = "year", "fraction"
        if self.kw(j, *_UNITS) and self.kw(j + 1, "to") and self.kw(j + 2, *_UNITS):
            first, last = t[j].value, t[j + 2].value
            j += 3
            if last == "fraction" and self.op(j, "("):
                m = self.match[j]
                if m != j + 2 or not self.is_int(j + 1) or not 1 <= int(t[j + 1].value) <= 5:
                    raise _syntax("FRACTION(n) needs 1..5")
                j = m + 1
        a, b = _UNITS.index(first), _UNITS.index(last)
        if a > b or first == "fraction":
            raise _syntax("bad DATETIME qualifier")
        fmt_of = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%S"}
        sep_of = {"month": "-", "day": "-", "hour": " ", "minute": ":", "second": ":"}
        fmt = ""
        for k in range(a, b + 1):
            unit = _UNITS[k]
            if unit == "fraction":
                if not fmt.endswith("%S"):
                    raise _syntax("FRACTION needs SECOND")
                fmt = fmt[:-2] + "%f"
                continue
            if k > a:
                fmt += sep_of[unit]
            fmt += fmt_of[unit]
        out.append(f"strftime('{fmt}','now','localtime')")
        return j

    def _operand_end(self, j: int, end: int) -> int:
        """End of a LIKE/MATCHES pattern operand: primaries joined by ``||``."""
        t = self.t
        while True:
            if j >= end:
                raise _syntax("pattern expected")
            tok = t[j]
            if self.op(j, "("):
                j = self.match[j] + 1
            elif tok.kind in ("string", "number"):
                j += 1
            elif tok.kind == "ident":
                j += 1
                while self.op(j, ".") and j + 1 < end and t[j + 1].kind == "ident":
                    j += 2
                if self.op(j, "("):
                    j = self.match[j] + 1
            elif self.op(j, "-") or self.op(j, "+"):
                j += 1
                continue
            else:
                raise _syntax("pattern expected")
            if j < end and self.op(j, "||"):
                j += 1
                continue
            return j

    def _like(self, i: int, end: int, out: list[str]) -> int:
        t = self.t
        is_like = t[i].value == "like"
        j = i + 1
        if j >= end:
            raise _syntax("pattern expected")
        literal = t[j].kind == "string" and not self.op(j + 1, "||")
        pend = j + 1 if literal else self._operand_end(j, end)
        esc = "\\"
        k = pend
        if self.kw(k, "escape"):
            if k + 1 < end and t[k + 1].kind == "string" and len(t[k + 1].value) == 1:
                esc = t[k + 1].value
                k += 2
            else:
                raise _syntax("ESCAPE needs a one-character literal")
        if literal:
            conv = like_to_glob if is_like else matches_to_glob
            out.extend(("glob", _quote(conv(t[j].value, esc))))
        else:
            fn = "ifx_like_glob" if is_like else "ifx_matches_glob"
            out.extend(("glob", fn, "("))
            out.extend(self.emit(j, pend, "group"))
            out.extend((",", _quote(esc), ")"))
        return k

    # -- SELECT ------------------------------------------------------------------------------
    def _select(self, i: int, start: int, end: int, ctx: str, out: list[str]):
        j = i + 1
        skip = first = None
        if self.kw(j, "skip") and self.is_int(j + 1):
            skip = int(self.t[j + 1].value)
            j += 2
        if self.kw(j, "first", "limit") and self.is_int(j + 1):
            first = int(self.t[j + 1].value)
            j += 2
        if self.kw(j, "skip") and self.is_int(j + 1):
            raise _syntax("SKIP must come before FIRST/LIMIT")
        if self.kw(j, "middle"):
            raise _syntax("MIDDLE is not supported")
        limit = None
        if skip is not None or first is not None:
            if not (i == start and ctx in ("top", "derived")):
                raise _syntax("SKIP/FIRST/LIMIT are not allowed in a subquery or INSERT ... SELECT")
            if any(self.kw(k, *_SET_OPS) for k in self.depth0(start, end)):
                raise _syntax("SKIP/FIRST/LIMIT are not supported in a UNION query")
            limit = ["limit", str(first if first is not None else -1)]
            if skip:
                limit.extend(("offset", str(skip)))
        out.append("select")
        if self.kw(j, "distinct", "unique"):
            out.append("distinct")
            j += 1
        elif self.kw(j, "all"):
            out.append("all")
            j += 1
        has_from = False
        for k in self.depth0(j, end):
            if self.kw(k, *_SET_OPS):
                break
            if self.kw(k, "from"):
                has_from = True
                break
        if not has_from:
            raise _syntax("SELECT needs a FROM clause")
        if ctx == "top" and i == 0 and self.kind == "query":
            self._plan_labels(j, end)
        return j, limit

    def _plan_labels(self, j: int, end: int) -> None:
        """Split the top-level select list into items and decide each item's Informix name."""
        items, s = [], j
        for k in self.depth0(j, end):
            if self.op(k, ","):
                items.append((s, k))
                s = k + 1
            elif self.kw(k, "from"):
                items.append((s, k))
                break
        for s, e in items:
            if e <= s:
                raise _syntax("empty select-list item")
            label = self._label(s, e)
            if label is not None:
                alias = _ALIAS_FMT.format(len(self.labels))
                self.labels[alias] = label
                self.alias_after[e - 1] = alias

    def _label(self, s: int, e: int) -> str | None:
        """Informix name for an item, or None when SQLite already reports the right name."""
        t = self.t
        n = e - s
        if n >= 2 and self.kw(e - 2, "as"):
            return None  # explicit alias: SQLite reports it (lower-cased on emission)
        if (n >= 2 and t[e - 1].kind == "ident" and t[e - 1].value not in _NOT_ALIAS
                and not self.op(e - 2, ".")
                and (t[e - 2].kind in ("string", "number") or self.op(e - 2, ")") or self.kw(e - 2, "end")
                     or (t[e - 2].kind == "ident" and t[e - 2].value not in _NOT_ALIAS - {"today", "current"}))):
            return None  # implicit alias ("count(*) total")
        kinds = [(x.kind, x.value) for x in t[s:e]]
        # *, t.*, plain column refs (optionally owner/table qualified)
        if kinds[-1] == ("op", "*") and all(
            (k == "ident") if idx % 2 == 0 else (k, v) == ("op", ".") for idx, (k, v) in enumerate(kinds[:-1])
        ):
            return None
        if n in (1, 3, 5) and all(
            (k == "ident") if idx % 2 == 0 else (k, v) == ("op", ".") for idx, (k, v) in enumerate(kinds)
        ) and t[s].value not in ("today", "current", "null", "true", "false"):
            return None
        head = t[s]
        if head.kind == "ident" and head.value in _AGGREGATES and self.op(s + 1, "(") and self.match[s + 1] == e - 1:
            if head.value == "count" and n == 4 and self.op(s + 2, "*"):
                return "(count(*))"
            return f"({head.value})"
        if n == 1 and (head.kind in ("string", "number") or self.kw(s, "null")):
            return "(constant)"
        if n == 2 and (self.op(s, "-") or self.op(s, "+")) and t[s + 1].kind == "number":
            return "(constant)"
        if n == 1 and self.kw(s, "today"):
            return "(today)"
        if self.kw(s, "current") and (n == 1 or self.kw(s + 1, *_UNITS)):
            return "(current)"
        return "(expression)"


def _translate(sql: str, kind: str) -> _Translation:
    if kind not in ("query", "update"):
        raise ValueError("kind must be 'query' or 'update'")
    if not isinstance(sql, str):
        raise _syntax("SQL text must be a string")
    if "\x00" in sql:
        raise _syntax("NUL character in statement")
    try:
        sql.encode("utf-8")
    except UnicodeEncodeError:
        raise _syntax("statement is not valid Unicode") from None
    toks = _tokenize(sql)
    if toks and toks[-1].kind == "op" and toks[-1].value == ";":
        toks.pop()  # one trailing ';' is tolerated
    for tok in toks:
        if tok.kind == "op" and tok.value == ";":
            raise _syntax("only one statement per request")
    return _Translator(toks, kind).statement()


def translate(sql: str, kind: str) -> str:
    """Translate one Informix statement to SQLite SQL, or raise :class:`SQLError`.

    ``kind`` is ``'query'`` (executeSQLQuery: SELECT only) or ``'update'`` (executeSQLUpdate:
    INSERT/UPDATE/DELETE only). The result may call the functions registered by :func:`install`.
    """
    return _translate(sql, kind).sql


def axl_element_name(label: str) -> str:
    """XML-safe element name for an Informix column label: ``(count(*))`` -> ``count``,
    ``(expression)`` -> ``expression``; plain names are returned unchanged (UNCONFIRMED how CUCM
    names these elements; see the module docstring)."""
    if label.startswith("(") and label.endswith(")"):
        inner = label[1:-1]
        return inner[:-3] if inner.endswith("(*)") else inner
    return label


# ---------------------------------------------------------------------------------------------
# Execution
# ---------------------------------------------------------------------------------------------


_BOOL_COLUMN = re.compile(r"(\w+) TEXT NOT NULL DEFAULT '[tf]' CHECK \(\1 IN \('t', 'f'\)\)")
_BOOLS: dict[int, dict[str, set[str]]] = {}


def _bool_columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """``{table: boolean columns}`` of the store (``bool`` columns are CHECKed 't'/'f' TEXT)."""
    key = id(conn)
    if key not in _BOOLS:
        found = {}
        for name, text in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL"):
            found[name.lower()] = set(m.group(1).lower() for m in _BOOL_COLUMN.finditer(text))
        _BOOLS[key] = found
    return _BOOLS[key]


def _union_widths(conn, shape) -> dict[int, int]:
    """Check a compound SELECT's column types as Informix does; return ``{column index: width}`` of the
    columns that are string literals in every branch (CHAR(n) columns, blank-padded to the widest).

    A boolean column in one branch and a string literal or a character column in another at the same
    position is refused (Informix types a UNION column once for all branches and has no implicit
    cast from BOOLEAN to CHAR: -9634 "No cast from boolean to char.")."""
    bools = _bool_columns(conn)
    width = {}
    count = min(len(kinds) for kinds, _tables in shape)
    for i in range(count):
        kinds = []
        for branch_kinds, tables in shape:
            kind, value = branch_kinds[i]
            if kind == "column":
                kind = "bool" if any(value in bools.get(t, ()) for t in tables) else "column"
            kinds.append((kind, value))
        seen = set(k for k, _v in kinds)
        if "bool" in seen and seen & {"char", "column"}:
            raise SQLError(-9634, "No cast from boolean to char.",
                           f"column {i + 1} of the UNION is BOOLEAN in one branch and character data in another")
        if seen == {"char"}:
            width[i] = max(v for _k, v in kinds)
    return width


def run_query(conn: sqlite3.Connection, sql: str, max_rows: int | None = None, char_padding: str = "pad"):
    """Run an executeSQLQuery statement. Returns ``(column_names, rows)``: Informix column
    labels (see module docstring) and a list of tuples of Python values (``None`` for NULL).

    ``max_rows`` emulates AXL's result-size throttle: if more rows match, the query fails with
    -1 "Query request too large. Total rows matched: N rows. Suggestive Row Fetch: less than M
    rows" (the caller decides M, e.g. from the 8 MB limit).

    A compound SELECT is typed as Informix types it (see :func:`_union_widths`); with
    ``char_padding='pad'`` a column that is a string literal in every branch comes back blank-padded
    to its widest literal (``'group'`` next to ``'presence_group'`` is ``'group         '``).
    """
    tr = _translate(sql, "query")
    install(conn)
    widths = _union_widths(conn, tr.union) if tr.union else {}
    try:
        cur = conn.cursor()
        cur.row_factory = None
        cur.execute(tr.sql)
        names = [tr.labels.get(d[0], d[0].lower()) for d in cur.description]
        rows = [tuple(r) for r in cur.fetchall()]
    except sqlite3.Error as exc:
        raise sqlite_error(exc, conn) from exc
    if widths and char_padding == "pad":
        rows = [tuple(v.ljust(widths[i]) if i in widths and isinstance(v, str) else v for i, v in enumerate(r))
                for r in rows]
    if max_rows is not None and len(rows) > max_rows:
        raise SQLError(
            -1,
            f"Query request too large. Total rows matched: {len(rows)} rows. "
            f"Suggestive Row Fetch: less than {max_rows} rows",
        )
    return names, rows


def run_update(conn: sqlite3.Connection, sql: str) -> int:
    """Run an executeSQLUpdate statement in the caller's transaction (no commit). Returns the
    number of rows the statement itself affected (trigger side effects are not counted, as in
    Informix's sqlerrd[2])."""
    tr = _translate(sql, "update")
    install(conn)
    try:
        cur = conn.execute(tr.sql)
    except sqlite3.Error as exc:
        raise _map_error(exc, conn, tr.sql, tr.statement, tr.target) from exc
    return cur.rowcount


# ---------------------------------------------------------------------------------------------
# Error mapping
# ---------------------------------------------------------------------------------------------

_FK_TEXT = "FOREIGN KEY constraint failed"
_INTEGRITY_PREFIXES = ("UNIQUE constraint failed", "NOT NULL constraint failed", _FK_TEXT,
                       "CHECK constraint failed", "datatype mismatch")


def sqlite_error(exc: sqlite3.Error, conn: sqlite3.Connection | None = None, sql: str | None = None) -> SQLError:
    """Map a SQLite exception to an Informix :class:`SQLError` (table in the module docstring).

    ``conn`` lets unique-index names be looked up; ``conn`` plus the translated ``sql`` lets the
    failing foreign key be identified (see module docstring)."""
    statement = target = None
    if sql:
        words = sql.split(None, 3)
        statement = words[0].lower() if words else None
        if statement == "update" and len(words) > 1:
            target = words[1]
        elif statement in ("insert", "delete") and len(words) > 2:
            target = words[2]
    return _map_error(exc, conn, sql, statement, target)


def _map_error(exc, conn, sql, statement, target) -> SQLError:
    msg = str(exc)
    errname = getattr(exc, "sqlite_errorname", "") or ""

    if msg == _FK_TEXT:
        return _fk_error(conn, sql, statement, target)
    if errname == "SQLITE_CONSTRAINT_TRIGGER" or (
        isinstance(exc, sqlite3.IntegrityError) and not msg.startswith(_INTEGRITY_PREFIXES)
    ):
        return SQLError(-746, msg)

    m = re.match(r"UNIQUE constraint failed: index '(.+)'$", msg)
    if m:
        return _unique_index_error(m.group(1))
    m = re.match(r"UNIQUE constraint failed: (.+)$", msg)
    if m:
        cols = [c.strip() for c in m.group(1).split(",")]
        table = cols[0].split(".")[0]
        names = [c.split(".", 1)[-1].lower() for c in cols]
        found = _find_unique_index(conn, table, names) if conn is not None else None
        if found is not None:
            name, origin = found
            if origin == "c":
                return _unique_index_error(name)
            if origin == "pk":
                return SQLError(-268, f"Unique constraint (pk_{table}) violated.")
            return SQLError(-268, f"Unique constraint (uk_{table}_{'_'.join(names)}) violated.")
        if errname == "SQLITE_CONSTRAINT_PRIMARYKEY":
            return SQLError(-268, f"Unique constraint (pk_{table}) violated.")
        return _unique_index_error("")
    m = re.match(r"NOT NULL constraint failed: (.+)$", msg)
    if m:
        return SQLError(-391, f"Cannot insert a null into column ({m.group(1)}).")
    m = re.match(r"CHECK constraint failed: (.+)$", msg)
    if m:
        return SQLError(-530, f"Check constraint ({m.group(1)}) failed.")
    m = re.match(r"no such table: (.+)$", msg)
    if m:
        name = m.group(1)
        if name.startswith(("main.", "temp.")):
            name = name.split(".", 1)[1]
        return _no_table(name)
    m = re.match(r"unknown database (.+)$", msg)
    if m:
        return _no_table(m.group(1))
    m = re.match(r"no such column: (.+)$", msg) or re.match(r"table \S+ has no column named (.+)$", msg)
    if m:
        return _no_column(m.group(1).rsplit(".", 1)[-1])
    m = re.match(r"ambiguous column name: (.+)$", msg)
    if m:
        return SQLError(-324, f"Ambiguous column ({m.group(1).rsplit('.', 1)[-1]}).")
    m = re.match(r"no such function: (.+)$", msg) or re.match(r"wrong number of arguments to function (\w+)\(\)", msg)
    if m:
        name = m.group(1)
        rev = {v: k for k, v in FUNCTIONS.items() if not k.startswith("my_")}
        return _no_routine(rev.get(name, name))
    if re.search(r"\d+ values for \d+ columns|has \d+ columns but \d+ values were supplied", msg):
        return SQLError(-236, "Number of columns in INSERT does not match number of VALUES.")
    if "syntax error" in msg or msg.startswith(("incomplete input", "unrecognized token")):
        return _syntax(msg)
    return SQLError(-1, msg)


def _unique_index_error(name: str) -> SQLError:
    return SQLError(-239, f"Could not insert new row - duplicate value in a UNIQUE INDEX column (Unique Index:{name}).")


def _find_unique_index(conn, table: str, cols: list[str]):
    try:
        for _seq, name, unique, origin, _partial in conn.execute("SELECT * FROM pragma_index_list(?)", (table,)):
            if not unique:
                continue
            icols = [r[0] for r in conn.execute("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (name,))]
            if [(c or "").lower() for c in icols] == cols:
                return name, origin
        # INTEGER PRIMARY KEY (rowid alias) has no index entry
        for row in conn.execute("SELECT name, pk FROM pragma_table_info(?)", (table,)):
            if row[1] and [row[0].lower()] == cols:
                return f"pk_{table}", "pk"
    except sqlite3.Error:
        return None
    return None


def _fk_error(conn, sql, statement, target) -> SQLError:
    probe = _fk_probe(conn, sql) if conn is not None and sql else None
    if probe is None:
        if statement == "delete":
            return SQLError(-692, "Key value for constraint () is still being referenced.")
        return SQLError(-691, "Missing key in referenced table for referential constraint ().")
    child, cols = probe
    name = f"fk_{child}_{'_'.join(cols)}"
    if statement == "delete" or (target is not None and child.lower() != target.lower()):
        return SQLError(-692, f"Key value for constraint ({name}) is still being referenced.")
    return SQLError(-691, f"Missing key in referenced table for referential constraint ({name}).")


def _fk_probe(conn, sql):
    """Re-run ``sql`` with deferred FK checks inside a savepoint to learn which key fails."""
    try:
        before = {tuple(r) for r in conn.execute("PRAGMA foreign_key_check")}
        prev = conn.execute("PRAGMA defer_foreign_keys").fetchone()[0]
    except sqlite3.Error:
        return None
    after = []
    try:
        conn.execute("SAVEPOINT ifx_fk_probe")
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA defer_foreign_keys = ON")
        try:
            conn.execute(sql)
            after = [tuple(r) for r in conn.execute("PRAGMA foreign_key_check")]
        except sqlite3.Error:
            after = []
    finally:
        conn.execute("ROLLBACK TO ifx_fk_probe")
        conn.execute("RELEASE ifx_fk_probe")
        conn.execute(f"PRAGMA defer_foreign_keys = {1 if prev else 0}")
    new = [r for r in after if r not in before]
    if not new:
        return None
    child, _rowid, _parent, fkid = new[0]
    try:
        cols = [r[3] for r in conn.execute("SELECT * FROM pragma_foreign_key_list(?)", (child,)) if r[0] == fkid]
    except sqlite3.Error:
        cols = []
    return child, cols
