# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL literals: rendering, and proof of non-injection by running the statements.

The statements are executed by the simulator's Informix layer (``cucm_axl_sim.informix``: an
Informix tokenizer and translator over SQLite) against a table made here.  It follows
Informix's lexical rules as CUCM runs it (no DELIMIDENT: ``'...'`` and ``"..."`` are both
literals, a quote is escaped by doubling it, ``--``, ``/* */`` and ``{ }`` are comments outside
literals).  A backslash is refused outright: Informix treats it as an ordinary character by
default, but a server configured otherwise would read ``\\'`` as an escaped quote.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sqlite3

import pytest

from ansible_collections.voiceops.cucm.plugins.module_utils import sql
from ansible_collections.voiceops.cucm.plugins.module_utils.sql import Guid, SqlValueError

try:
    from cucm_axl_sim import informix
except ImportError:  # pragma: no cover - the simulator package is installed in the dev venv
    informix = None

needs_informix = pytest.mark.skipif(informix is None, reason="the simulator package cucm_axl_sim is not installed")

PKID = "6a3e9c2f-4b1d-4e8a-9c7f-2d5b8e1a0c34"


# ---------------------------------------------------------------------------------------------
# literal / Guid / render
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, rendered", [
    ("plain", "'plain'"),
    ("O'Brien", "'O''Brien'"),
    ("''", "''''''"),
    ('say "hi"', "'say \"hi\"'"),
    ("", "''"),
    (u"\u00c9quipe \U0001F600", u"'\u00c9quipe \U0001F600'"),
])
def test_literal(value, rendered):
    assert sql.literal(value) == rendered


@pytest.mark.parametrize("value", ["back\\slash", "ends with a backslash\\", "\\' or 1=1 --", "\\'' or 1=1 --"])
def test_literal_refuses_backslash(value):
    with pytest.raises(SqlValueError, match="backslash"):
        sql.literal(value)


@pytest.mark.parametrize("value", [None, 5, 1.5, b"bytes", ["a"]])
def test_literal_needs_text(value):
    with pytest.raises(SqlValueError, match="expected text"):
        sql.literal(value)


@pytest.mark.parametrize("value", [u"a\x00b", u"a\nb", u"a\rb", u"a\tb", u"\x1b[31m", u"a\x7fb", u"\x01", u"x\x1f"])
def test_literal_refuses_control_characters(value):
    with pytest.raises(SqlValueError, match="control characters or line breaks"):
        sql.literal(value)


@pytest.mark.parametrize("given", [PKID, PKID.upper(), "{%s}" % PKID.upper(), "{%s" % PKID, "%s}" % PKID])
def test_guid_normalises(given):
    assert Guid(given) == PKID
    assert sql.literal(Guid(given)) == "'%s'" % PKID


@pytest.mark.parametrize("given", [None, "", "not-a-guid", PKID + "0", PKID[:-1], "' or '1'='1", PKID.replace("-", ""),
                                   "{%s}; delete from enduser" % PKID])
def test_guid_refuses(given):
    with pytest.raises(SqlValueError, match="is not a GUID"):
        Guid(given)


def test_render_values():
    rendered = sql.render("select {a}, {b}, {c}, {d}, {e}, {f}, {g}, {h}", a="x'y", b=5, c=True, d=False,
                          e=["b", "a"], f=set(["z", "y"]), g=[], h=Guid(PKID.upper()))
    assert rendered == "select 'x''y', 5, 't', 'f', ('b', 'a'), ('y', 'z'), (NULL), '%s'" % PKID


def test_render_missing_value():
    with pytest.raises(SqlValueError, match=r"no value for \{name\}"):
        sql.render("select * from enduser where userid = {name}", other="x")


def test_render_does_not_rescan_values():
    """A value that looks like a placeholder stays text; it is never filled in itself."""
    assert sql.render("select {a}, {b}", a="{b}", b="x") == "select '{b}', 'x'"


def test_render_refuses_hostile_list_items():
    with pytest.raises(SqlValueError):
        sql.render("select name from dirgroup where name in {names}", names=["ok", "bad\nline"])
    with pytest.raises(SqlValueError):
        sql.render("select {x}", x=object())


# ---------------------------------------------------------------------------------------------
# Executing rendered statements through the Informix layer
# ---------------------------------------------------------------------------------------------

HOSTILE = [
    "O'Brien",
    "'",
    "''",
    "'''",
    '"',
    '""',
    "a\"b'c\"d",
    "x' or '1'='1",
    "x\" or \"1\"=\"1",
    "'; delete from functionrole; --",
    "' union select pkid, name, description from functionrole --",
    "Robert'); drop table functionrole; --",
    "semi;colon;",
    "-- comment",
    "a -- b",
    "/* block */",
    "/* unterminated",
    "*/",
    "{ informix comment }",
    "{",
    "}",
    "100%",
    "%",
    "_",
    "a_b",
    "?",
    ":name",
    "@x $y #z [w] `v` &u |t ^s ~r !q",
    "sqlite_master",
    "load_extension('x')",
    "\u202eevil\u202c name",                # right-to-left override
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",   # Hebrew, Arabic
    "\U0001F600\U0001F4DE emoji",
    "\u00c9quipe \u6f22\u5b57 \u00df",
    " leading and trailing spaces ",
    "A'" * 5000,                             # 10,000 characters, half of them quotes
    "x" * 10000,
]

SELECT = "select pkid, name, description from functionrole where name = {name}"
INSERT = "insert into functionrole (pkid, name, description) values ({pkid}, {name}, {description})"
UPDATE = "update functionrole set description = {description} where name = {name}"
DELETE = "delete from functionrole where name = {name}"
OTHERS = ["Standard AXL API Access", "Standard CCM Admin Users", "Custom role"]


@pytest.fixture
def db():
    if informix is None:
        pytest.skip("the simulator package cucm_axl_sim is not installed")
    conn = sqlite3.connect(":memory:")
    informix.install(conn)
    conn.execute("create table functionrole (pkid text primary key, name text not null unique, description text)")
    for number, name in enumerate(OTHERS):
        conn.execute("insert into functionrole values (?, ?, ?)", ("00000000-0000-0000-0000-%012d" % number, name, "seed"))
    conn.commit()
    yield conn
    conn.close()


def rows(conn):
    return sorted(conn.execute("select pkid, name, description from functionrole").fetchall())


@needs_informix
@pytest.mark.parametrize("name", HOSTILE, ids=["hostile%02d" % i for i in range(len(HOSTILE))])
def test_hostile_name_round_trip(db, name):
    seeded = rows(db)
    assert informix.run_update(db, sql.render(INSERT, pkid=Guid(PKID), name=name, description=name)) == 1
    assert rows(db) == sorted(seeded + [(PKID, name, name)])

    columns, found = informix.run_query(db, sql.render(SELECT, name=name))
    assert columns == ["pkid", "name", "description"]
    assert found == [(PKID, name, name)]                     # stored and selected back exactly

    assert informix.run_update(db, sql.render(UPDATE, description="changed", name=name)) == 1
    assert rows(db) == sorted(seeded + [(PKID, name, "changed")])   # only the target row

    count = informix.run_query(db, sql.render("select count(*) from functionrole where name in {names}",
                                              names=[name, "no such role"]))[1]
    assert count == [(1,)]

    assert informix.run_update(db, sql.render(DELETE, name=name)) == 1
    assert rows(db) == seeded                                # the others are untouched


@needs_informix
@pytest.mark.parametrize("name", HOSTILE[:25], ids=["hostile%02d" % i for i in range(25)])
def test_hostile_name_matches_nothing_else(db, name):
    """A hostile name that does not exist selects, updates and deletes nothing."""
    seeded = rows(db)
    assert informix.run_query(db, sql.render(SELECT, name=name))[1] == []
    assert informix.run_update(db, sql.render(UPDATE, description="pwned", name=name)) == 0
    assert informix.run_update(db, sql.render(DELETE, name=name)) == 0
    assert rows(db) == seeded


@needs_informix
@pytest.mark.parametrize("value", [u"a\x00b", u"line\nbreak", u"tab\there", u"cr\rhere", u"\x1b[0m", u"del\x7f"])
def test_control_characters_never_reach_sql(db, value):
    with pytest.raises(SqlValueError):
        sql.render(SELECT, name=value)


@needs_informix
def test_naive_formatting_would_be_injected(db):
    """The same inputs formatted naively change the statement's meaning, so the tests above
    prove something: the layer they run on does honour quotes and comments."""
    seeded = rows(db)
    tautology = "x' or '1'='1"
    naive = "select pkid, name, description from functionrole where name = '%s'" % tautology
    assert len(informix.run_query(db, naive)[1]) == len(seeded)            # every row instead of none
    assert informix.run_query(db, sql.render(SELECT, name=tautology))[1] == []

    comment = "Custom role' or name = 'Standard AXL API Access"
    naive_delete = "delete from functionrole where name = '%s'" % comment
    assert informix.run_update(db, sql.render(DELETE, name=comment)) == 0
    assert rows(db) == seeded
    assert informix.run_update(db, naive_delete) == 2                       # two rows gone
    assert len(rows(db)) == len(seeded) - 2

    with pytest.raises(informix.SQLError) as info:                          # a stray quote breaks it
        informix.run_query(db, "select name from functionrole where name = '%s'" % "O'Brien")
    assert info.value.code in (-201, -282)

    naive_update = "update functionrole set description = '%s' where pkid = 'nothing'" % "pwned' --"
    assert informix.run_update(db, naive_update) == len(rows(db))           # the WHERE was commented out
    assert informix.run_update(db, sql.render("update functionrole set description = {d} where pkid = 'nothing'",
                                              d="pwned' --")) == 0


@needs_informix
def test_double_quoted_informix_literal_is_not_an_escape_hatch(db):
    """Informix (no DELIMIDENT) also reads "..." as a literal; a value holding both kinds of
    quote still lands as one literal because render only ever uses single quotes."""
    value = "\"' or \"1\"=\"1"
    assert informix.run_query(db, sql.render(SELECT, name=value))[1] == []
    informix.run_update(db, sql.render(INSERT, pkid=Guid(PKID), name=value, description="d"))
    assert informix.run_query(db, sql.render(SELECT, name=value))[1] == [(PKID, value, "d")]


@needs_informix
def test_guid_and_lists_in_statements(db):
    informix.run_update(db, sql.render(INSERT, pkid=Guid("{%s}" % PKID.upper()), name="Braced", description="d"))
    found = informix.run_query(db, sql.render("select name from functionrole where pkid = {pkid}", pkid=Guid(PKID)))[1]
    assert found == [("Braced",)]
    names = informix.run_query(db, sql.render("select name from functionrole where name in {names} order by name",
                                              names=["Custom role", "Braced", "x' or '1'='1"]))[1]
    assert names == [("Braced",), ("Custom role",)]
    assert informix.run_query(db, sql.render("select name from functionrole where name in {names}", names=[]))[1] == []
