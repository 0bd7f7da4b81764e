"""Tests for the simulator's Informix SQL layer (simulator/cucm_axl_sim/informix.py)."""

from __future__ import annotations

import pathlib
import re
import sqlite3
import sys
import uuid

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "simulator"))

from cucm_axl_sim import informix as ifx  # noqa: E402
from cucm_axl_sim.informix import SQLError, run_query, run_update, sqlite_error, translate  # noqa: E402

SCHEMA = """
CREATE TABLE functionrole (
    pkid TEXT PRIMARY KEY DEFAULT (newid()),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    isstandard TEXT NOT NULL DEFAULT 'f',
    tkrank INTEGER
);
CREATE UNIQUE INDEX functionrole_name ON functionrole (name);
CREATE TABLE functionroleresourcemap (
    pkid TEXT PRIMARY KEY DEFAULT (newid()),
    fkfunctionrole TEXT NOT NULL REFERENCES functionrole (pkid) ON DELETE CASCADE,
    tkresource INTEGER NOT NULL,
    permission INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX frrm_role_resource ON functionroleresourcemap (fkfunctionrole, tkresource);
CREATE TABLE dirgroup (pkid TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE functionroledirgroupmap (
    pkid TEXT PRIMARY KEY,
    fkfunctionrole TEXT NOT NULL REFERENCES functionrole (pkid),
    fkdirgroup TEXT NOT NULL REFERENCES dirgroup (pkid)
);
CREATE TABLE kw (first TEXT, skip TEXT);
CREATE TABLE checked (pkid TEXT PRIMARY KEY, n INTEGER CONSTRAINT n_positive CHECK (n > 0));
CREATE TRIGGER functionrole_standard BEFORE UPDATE ON functionrole WHEN old.isstandard = 't'
BEGIN
    SELECT RAISE(ABORT, 'Cannot modify the Permission and Resources associated with a standard Functional Role.');
END;
"""

STD_MSG = "Cannot modify the Permission and Resources associated with a standard Functional Role."


def _newid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def conn():
    c = sqlite3.connect(":memory:")
    c.create_function("newid", 0, _newid)
    c.execute("PRAGMA foreign_keys = ON")
    c.executescript(SCHEMA)
    rows = [
        ("r1", "Alpha", "first role", "f", 1),
        ("r2", "beta", "  padded  ", "f", 2),
        ("r3", "Gamma_1", "", "t", 3),
        ("r4", "gamma%2", "x", "f", None),
        ("r5", "Ärger", "unicode", "f", 5),
    ]
    c.executemany("INSERT INTO functionrole VALUES (?, ?, ?, ?, ?)", rows)
    c.executemany("INSERT INTO functionroleresourcemap VALUES (?, ?, ?, ?)",
                  [("m1", "r1", 10, 1), ("m2", "r1", 11, 3), ("m3", "r2", 10, 1)])
    c.execute("INSERT INTO dirgroup VALUES ('g1', 'Admins')")
    c.execute("INSERT INTO functionroledirgroupmap VALUES ('x1', 'r2', 'g1')")
    c.execute("INSERT INTO kw VALUES ('one', 'two')")
    c.commit()
    yield c
    c.close()


def q(conn, sql, **kw):
    return run_query(conn, sql, **kw)


def err(fn, *args, **kw) -> SQLError:
    with pytest.raises(SQLError) as info:
        fn(*args, **kw)
    return info.value


# ------------------------------------------------------------------------------------------
# String literals and quoting
# ------------------------------------------------------------------------------------------


def test_single_quote_doubling_and_double_quoted_literals(conn):
    sql = "SELECT 'O''Brien', " + '"say ""hi""", "it\'s", ' + "'' FROM dirgroup"
    assert translate(sql, "query").startswith("select 'O''Brien' as")
    assert "'say \"hi\"'" in translate(sql, "query")
    assert "'it''s'" in translate(sql, "query")
    _cols, rows = q(conn, sql)
    assert rows == [("O'Brien", 'say "hi"', "it's", "")]


def test_double_quotes_are_strings_not_identifiers(conn):
    # without DELIMIDENT "name" is the string 'name', not the column
    _cols, rows = q(conn, 'SELECT "name" FROM dirgroup')
    assert rows == [("name",)]
    _cols, rows = q(conn, 'SELECT pkid FROM functionrole WHERE name = "Alpha"')
    assert rows == [("r1",)]


def test_backslash_is_ordinary_in_literals(conn):
    _cols, rows = q(conn, r"SELECT 'a\', 'b\''c', '\n' FROM dirgroup")
    assert rows == [("a\\", "b\\'c", "\\n")]


def test_keywords_and_comment_markers_inside_literals_untouched(conn):
    text = "select first 5 ; -- {x} /* y */ matches today LIKE % _ newid() nvl("
    _cols, rows = q(conn, "SELECT '" + text.replace("'", "''") + "' FROM dirgroup")
    assert rows == [(text,)]


def test_unterminated_literal_is_282():
    e = err(translate, "SELECT 'abc FROM dirgroup", "query")
    assert (e.code, e.message) == (-282, "Found a quote for which there is no matching quote.")


# ------------------------------------------------------------------------------------------
# Statement kinds, ';', rejected statements
# ------------------------------------------------------------------------------------------


def test_trailing_semicolon_tolerated(conn):
    assert q(conn, "SELECT name FROM dirgroup;")[1] == [("Admins",)]
    assert q(conn, "SELECT name FROM dirgroup ; -- done")[1] == [("Admins",)]
    assert q(conn, "SELECT ';' FROM dirgroup")[1] == [(";",)]


@pytest.mark.parametrize("sql", [
    "SELECT name FROM dirgroup; DELETE FROM dirgroup",
    "SELECT name FROM dirgroup;;",
    "SELECT name FROM dirgroup; SELECT 1 FROM dirgroup",
])
def test_second_statement_rejected(conn, sql):
    assert err(q, conn, sql).code == -201
    assert conn.execute("SELECT count(*) FROM dirgroup").fetchone() == (1,)


@pytest.mark.parametrize("sql", [
    "PRAGMA table_info(functionrole)",
    "ATTACH DATABASE ':memory:' AS x",
    "DETACH DATABASE x",
    "CREATE TABLE x (a int)",
    "DROP TABLE functionrole",
    "ALTER TABLE functionrole ADD COLUMN x int",
    "BEGIN",
    "BEGIN WORK",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT a",
    "VACUUM",
    "EXPLAIN SELECT * FROM dirgroup",
    "WITH x AS (SELECT 1 FROM dirgroup) SELECT * FROM x",
    "REPLACE INTO dirgroup VALUES ('a', 'b')",
    "INSERT OR REPLACE INTO dirgroup VALUES ('a', 'b')",
    "UPDATE OR IGNORE dirgroup SET name = 'x'",
    "INSERT INTO dirgroup VALUES ('a', 'b') ON CONFLICT DO NOTHING",
    "DELETE FROM dirgroup RETURNING *",
    "UPDATE dirgroup SET name = 'x' FROM functionrole",
    "SELECT name FROM dirgroup WHERE name GLOB 'A*'",
    "SELECT name FROM dirgroup WHERE name REGEXP 'A'",
    "SELECT name FROM dirgroup ORDER BY name COLLATE NOCASE",
    "SELECT name FROM dirgroup WHERE pkid = ?",
    "SELECT name FROM dirgroup WHERE pkid = :p",
    "SELECT name FROM dirgroup WHERE pkid = @p",
    "SELECT [name] FROM dirgroup",
    "SELECT `name` FROM dirgroup",
    "SELECT name FROM dirgroup WHERE 1 == 1",
    "SELECT pkid::int FROM dirgroup",
    "SELECT X'41' FROM dirgroup",
    "SELECT name FROM dirgroup LIMIT 1",
    "SELECT name FROM dirgroup LIMIT 1 OFFSET 1",
    "",
    "   -- only a comment",
])
@pytest.mark.parametrize("kind", ["query", "update"])
def test_rejected_statements(sql, kind):
    e = err(translate, sql, kind)
    assert (e.code, e.message) == (-201, "A syntax error has occurred.")


@pytest.mark.parametrize("sql", [
    "SELECT * FROM sqlite_master",
    "SELECT name FROM sqlite_schema",
    "SELECT name FROM main.sqlite_master",
    "SELECT name FROM sqlite_temp_master",
])
def test_sqlite_catalog_is_not_in_the_database(sql):
    e = err(translate, sql, "query")
    assert e.code == -206
    assert re.fullmatch(r"The specified table \(sqlite_\w+\) is not in the database\.", e.message)


@pytest.mark.parametrize("sql", [
    "SELECT load_extension('x') FROM dirgroup",
    "SELECT sqlite_version() FROM dirgroup",
    "SELECT randomblob(4) FROM dirgroup",
    "SELECT * FROM pragma_table_info('dirgroup')",
    "SELECT * FROM json_each('[1]')",
    "SELECT iif(1, 2, 3) FROM dirgroup",
])
def test_unknown_functions_are_674(sql):
    e = err(translate, sql, "query")
    assert e.code == -674
    assert re.fullmatch(r"Routine \(\w+\) can not be resolved\.", e.message)


@pytest.mark.parametrize("sql", [
    "INSERT INTO dirgroup VALUES ('a', 'b')",
    "UPDATE dirgroup SET name = 'x'",
    "DELETE FROM dirgroup",
])
def test_dml_rejected_in_executesqlquery(conn, sql):
    assert err(q, conn, sql).code == -201
    assert conn.execute("SELECT count(*) FROM dirgroup").fetchone() == (1,)


def test_select_rejected_in_executesqlupdate(conn):
    e = err(run_update, conn, "SELECT name FROM dirgroup")
    assert e.code == -201 and "executeSQLUpdate" in e.detail


def test_select_without_from_rejected():
    assert err(translate, "SELECT 1", "query").code == -201


def test_bad_kind_argument():
    with pytest.raises(ValueError):
        translate("SELECT name FROM dirgroup", "ddl")


def test_nul_and_invalid_unicode_rejected():
    assert err(translate, "SELECT 'a\x00b' FROM dirgroup", "query").code == -201
    assert err(translate, "SELECT '\ud800' FROM dirgroup", "query").code == -201


# ------------------------------------------------------------------------------------------
# SKIP / FIRST / LIMIT
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sql, expected", [
    ("SELECT FIRST 2 pkid FROM functionrole ORDER BY pkid", ["r1", "r2"]),
    ("SELECT LIMIT 2 pkid FROM functionrole ORDER BY pkid", ["r1", "r2"]),
    ("SELECT SKIP 3 pkid FROM functionrole ORDER BY pkid", ["r4", "r5"]),
    ("SELECT SKIP 1 FIRST 2 pkid FROM functionrole ORDER BY pkid", ["r2", "r3"]),
    ("select skip 1 limit 3 pkid from functionrole order by pkid desc", ["r4", "r3", "r2"]),
    ("SELECT FIRST 2 DISTINCT tkresource FROM functionroleresourcemap ORDER BY 1", [10, 11]),
    ("SELECT UNIQUE tkresource FROM functionroleresourcemap ORDER BY 1", [10, 11]),
    ("SELECT pkid FROM (SELECT FIRST 2 pkid FROM functionrole ORDER BY pkid DESC) ORDER BY pkid", ["r4", "r5"]),
])
def test_skip_first_limit(conn, sql, expected):
    assert [r[0] for r in q(conn, sql)[1]] == expected


def test_skip_first_translation():
    out = translate("SELECT SKIP 5 FIRST 10 name FROM functionrole ORDER BY name", "query")
    assert out == "select name from functionrole order by name limit 10 offset 5"
    assert translate("SELECT SKIP 5 name FROM functionrole", "query").endswith("limit -1 offset 5")


def test_first_and_skip_as_column_names(conn):
    assert q(conn, "SELECT first, skip FROM kw") == (["first", "skip"], [("one", "two")])
    assert q(conn, "SELECT FIRST 1 first FROM kw")[1] == [("one",)]


@pytest.mark.parametrize("sql", [
    "SELECT name FROM functionrole WHERE pkid IN (SELECT FIRST 1 fkfunctionrole FROM functionroleresourcemap)",
    "SELECT name FROM functionrole WHERE EXISTS (SELECT SKIP 1 pkid FROM dirgroup)",
    "SELECT (SELECT LIMIT 1 name FROM dirgroup) FROM functionrole",
    "SELECT FIRST 2 name FROM functionrole UNION SELECT name FROM dirgroup",
    "SELECT FIRST 2 SKIP 1 name FROM functionrole",
    "SELECT MIDDLE 2 name FROM functionrole",
])
def test_skip_first_rejected_outside_top_level(sql):
    assert err(translate, sql, "query").code == -201


def test_first_rejected_in_insert_select():
    sql = "INSERT INTO dirgroup (pkid, name) SELECT FIRST 1 pkid, name FROM functionrole"
    assert err(translate, sql, "update").code == -201


@pytest.mark.parametrize("sql", [
    "SELECT name FROM functionrole INTO TEMP t1",
    "SELECT name FROM functionrole INTO TEMP t1 WITH NO LOG",
    "SELECT name INTO x FROM functionrole",
])
def test_select_into_rejected(sql):
    assert err(translate, sql, "query").code == -201


# ------------------------------------------------------------------------------------------
# Functions and operators
# ------------------------------------------------------------------------------------------


def test_newid(conn):
    assert run_update(conn, "INSERT INTO functionrole (pkid, name) VALUES (newid(), 'New Role')") == 1
    _cols, rows = q(conn, "SELECT pkid, description, isstandard FROM functionrole WHERE name = 'New Role'")
    pkid, description, isstandard = rows[0]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", pkid)
    assert (description, isstandard) == ("", "f")
    # default pkid (omitted column) also works
    run_update(conn, "INSERT INTO functionrole (name) VALUES ('Other')")
    assert len(q(conn, "SELECT pkid FROM functionrole WHERE name = 'Other'")[1][0][0]) == 36


def test_lower_upper_unicode(conn):
    _cols, rows = q(conn, "SELECT LOWER(name), upper(name), My_Lower(name) FROM functionrole WHERE pkid = 'r5'")
    assert rows == [("ärger", "ÄRGER", "ärger")]
    _cols, rows = q(conn, "SELECT pkid FROM functionrole WHERE lower(name) = lower('äRGER')")
    assert rows == [("r5",)]


def test_trim_and_length(conn):
    _cols, rows = q(conn, "SELECT trim(description), length(description), char_length(description) "
                          "FROM functionrole WHERE pkid = 'r2'")
    # Informix LENGTH: bytes, trailing blanks not counted
    assert rows == [("padded", 8, 10)]
    _cols, rows = q(conn, "SELECT length(name) FROM functionrole WHERE pkid = 'r5'")
    assert rows == [(6,)]  # 'Ärger' is 6 bytes in UTF-8
    _cols, rows = q(conn, "SELECT trim(LEADING 'x' FROM 'xxaxx'), trim(TRAILING 'x' FROM 'xxaxx'), "
                          "trim(BOTH 'x' FROM 'xxaxx'), trim('x' FROM 'xxaxx'), trim(both from '  a  '), "
                          "ltrim('  a'), rtrim('a  ') FROM dirgroup")
    assert rows == [("axx", "xxa", "a", "a", "a", "a", "a")]


def test_nvl_and_concat(conn):
    _cols, rows = q(conn, "SELECT NVL(tkrank, -1), name || '/' || pkid FROM functionrole WHERE pkid IN ('r3', 'r4') ORDER BY pkid")
    assert rows == [(3, "Gamma_1/r3"), (-1, "gamma%2/r4")]


def test_substr_replace_cast(conn):
    _cols, rows = q(conn, "SELECT substr(name, 1, 3), replace(name, 'a', 'o'), CAST(tkrank AS char(5)) "
                          "FROM functionrole WHERE pkid = 'r1'")
    assert rows == [("Alp", "Alpho", "1")]


def test_today_and_current(conn):
    _cols, rows = q(conn, "SELECT today, current, CURRENT YEAR TO SECOND, current hour to minute, "
                          "CURRENT YEAR TO FRACTION(3) FROM dirgroup")
    today, cur, ysec, hmin, frac = rows[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", today)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", cur)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", ysec)
    assert re.fullmatch(r"\d\d:\d\d", hmin)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", frac)
    assert cur.startswith(today)


# ------------------------------------------------------------------------------------------
# LIKE and MATCHES
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where, expected", [
    ("name LIKE 'gamma%'", ["r4"]),  # case-sensitive, unlike SQLite LIKE
    ("name LIKE 'Gamma%'", ["r3"]),
    ("lower(name) LIKE 'gamma%'", ["r3", "r4"]),
    ("name LIKE '_eta'", ["r2"]),
    ("name LIKE 'Gamma\\_1'", ["r3"]),       # default escape character is backslash
    ("name LIKE 'gamma\\%2'", ["r4"]),
    ("name LIKE 'gamma!%2' ESCAPE '!'", ["r4"]),
    ("name LIKE '%a!_1' ESCAPE '!'", ["r3"]),
    ("name NOT LIKE '%a%'", ["r5"]),          # 'Ärger' has no lower-case a
    ("name NOT LIKE '%e%'", ["r1", "r3", "r4"]),
    ("name LIKE '%*%'", []),                    # GLOB metacharacters are literal in LIKE
    ("name LIKE '[ab]%'", []),
    ("name LIKE '%' || 'eta'", ["r2"]),         # expression pattern
    ("'Alpha' LIKE name", ["r1"]),              # column pattern
    ("name LIKE \"Alph_\"", ["r1"]),
    ("name MATCHES 'G*'", ["r3"]),
    ("name MATCHES '?eta'", ["r2"]),
    ("name MATCHES '[A-G]*'", ["r1", "r3"]),
    ("name MATCHES '[^A-Z]*'", ["r2", "r4", "r5"]),
    ("name MATCHES 'gamma[%]2'", ["r4"]),
    ("name MATCHES 'Gamma\\_1'", ["r3"]),
    ("name MATCHES '*\\*'", []),
    ("name NOT MATCHES '*a*'", ["r5"]),
    ("name MATCHES 'g' || '*'", ["r4"]),
])
def test_like_and_matches(conn, where, expected):
    _cols, rows = q(conn, f"SELECT pkid FROM functionrole WHERE {where} ORDER BY pkid")
    assert [r[0] for r in rows] == expected


def test_like_literal_translates_to_glob():
    out = translate(r"SELECT pkid FROM functionrole WHERE name LIKE 'a%b_c\%d*e[f'", "query")
    assert out.endswith("name glob 'a*b?c%d[*]e[[]f'")


def test_like_with_column_pattern_uses_runtime_conversion():
    out = translate("SELECT pkid FROM functionrole WHERE name LIKE description || '%'", "query")
    assert "glob ifx_like_glob ( description || '%' , '\\' )" in out


def test_like_bad_escape():
    assert err(translate, "SELECT pkid FROM functionrole WHERE name LIKE 'a' ESCAPE 'ab'", "query").code == -201


# ------------------------------------------------------------------------------------------
# Joins, UPDATE, INSERT, DELETE
# ------------------------------------------------------------------------------------------


def test_joins(conn):
    ansi = ("SELECT r.name, m.tkresource FROM functionrole r JOIN functionroleresourcemap m "
            "ON m.fkfunctionrole = r.pkid ORDER BY 1, 2")
    comma = ("SELECT r.name, m.tkresource FROM functionrole r, functionroleresourcemap m "
             "WHERE m.fkfunctionrole = r.pkid ORDER BY 1, 2")
    inner = ansi.replace(" JOIN ", " INNER JOIN ")
    expected = [("Alpha", 10), ("Alpha", 11), ("beta", 10)]
    assert q(conn, ansi)[1] == q(conn, comma)[1] == q(conn, inner)[1] == expected
    left = ("SELECT r.pkid, count(m.pkid) FROM functionrole r LEFT OUTER JOIN functionroleresourcemap m "
            "ON m.fkfunctionrole = r.pkid GROUP BY r.pkid ORDER BY r.pkid")
    assert q(conn, left)[1] == [("r1", 2), ("r2", 1), ("r3", 0), ("r4", 0), ("r5", 0)]
    assert q(conn, left.replace("LEFT OUTER JOIN", "left join"))[1] == q(conn, left)[1]


def test_legacy_outer_join_not_supported(conn):
    assert err(q, conn, "SELECT r.name FROM functionrole r, OUTER functionroleresourcemap m").code == -201


def test_update_multi_column_set(conn):
    sql = "UPDATE functionrole SET (name, description) = ('Alpha2', 'changed') WHERE pkid = 'r1'"
    assert translate(sql, "update") == (
        "update functionrole set ( name , description ) = ( 'Alpha2' , 'changed' ) where pkid = 'r1'")
    assert run_update(conn, sql) == 1
    assert conn.execute("SELECT name, description FROM functionrole WHERE pkid='r1'").fetchone() == ("Alpha2", "changed")


def test_update_with_subquery(conn):
    sql = ("UPDATE functionroleresourcemap SET permission = 7 WHERE fkfunctionrole = "
           "(SELECT pkid FROM functionrole WHERE name = 'Alpha')")
    assert run_update(conn, sql) == 2


def test_insert_values_and_insert_select(conn):
    assert run_update(conn, "INSERT INTO dirgroup (pkid, name) VALUES ('g2', 'Users')") == 1
    assert run_update(conn, "INSERT INTO dirgroup VALUES ('g3', 'Ops')") == 1
    n = run_update(conn, "INSERT INTO functionroleresourcemap (pkid, fkfunctionrole, tkresource, permission) "
                         "SELECT newid(), pkid, 99, 1 FROM functionrole WHERE isstandard = 'f'")
    assert n == 4
    assert err(run_update, conn, "INSERT INTO dirgroup VALUES ('g4', 'a'), ('g5', 'b')").code == -201
    assert err(run_update, conn, "INSERT dirgroup VALUES ('g4', 'a')").code == -201


def test_delete_with_and_without_from(conn):
    assert translate("DELETE dirgroup WHERE pkid = 'zz'", "update") == "delete from dirgroup where pkid = 'zz'"
    assert run_update(conn, "DELETE functionroleresourcemap WHERE pkid = 'm3'") == 1
    # ON DELETE CASCADE is the store's; the rowcount is only the statement's own rows
    assert run_update(conn, "DELETE FROM functionrole WHERE pkid = 'r1'") == 1
    assert conn.execute("SELECT count(*) FROM functionroleresourcemap").fetchone() == (0,)


def test_update_runs_in_callers_transaction(conn):
    run_update(conn, "UPDATE functionrole SET description = 'tx' WHERE pkid = 'r1'")
    assert conn.in_transaction
    conn.rollback()
    assert conn.execute("SELECT description FROM functionrole WHERE pkid = 'r1'").fetchone() == ("first role",)


def test_informix_owner_prefix(conn):
    assert q(conn, "SELECT informix.dirgroup.name FROM informix.dirgroup") == (["name"], [("Admins",)])
    assert run_update(conn, "UPDATE informix.dirgroup SET name = 'x' WHERE pkid = 'g1'") == 1


# ------------------------------------------------------------------------------------------
# Comments and case
# ------------------------------------------------------------------------------------------


def test_three_comment_forms(conn):
    sql = ("SELECT /* block ' \" ; */ name -- line ' ; DROP TABLE x\n"
           "FROM {brace ' -- /* } dirgroup { two\nlines } WHERE pkid = 'g1' -- trailing")
    assert translate(sql, "query") == "select name from dirgroup where pkid = 'g1'"
    assert q(conn, sql)[1] == [("Admins",)]


@pytest.mark.parametrize("sql", [
    "SELECT name FROM dirgroup /* open",
    "SELECT name FROM dirgroup { open",
    "SELECT name FROM dirgroup }",
])
def test_unterminated_comments(sql):
    assert err(translate, sql, "query").code == -201


def test_case_insensitive_keywords_and_identifiers(conn):
    names, rows = q(conn, "SeLeCt NAME, FR.PKID FrOm FUNCTIONROLE fr WhErE Fr.PkId = 'r1'")
    assert names == ["name", "pkid"]
    assert rows == [("Alpha", "r1")]
    assert run_update(conn, "UpDaTe DIRGROUP SeT NaMe = 'X' wHeRe PKID = 'g1'") == 1


# ------------------------------------------------------------------------------------------
# Column names
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sql, names", [
    ("SELECT count(*) FROM functionrole", ["(count(*))"]),
    ("SELECT COUNT ( * ) FROM functionrole", ["(count(*))"]),
    ("SELECT count(tkrank), count(DISTINCT isstandard) FROM functionrole", ["(count)", "(count)"]),
    ("SELECT max(name), min(name), sum(tkrank), avg(tkrank) FROM functionrole", ["(max)", "(min)", "(sum)", "(avg)"]),
    ("SELECT lower(name), name || 'x', tkrank + 1, newid() FROM functionrole", ["(expression)"] * 4),
    ("SELECT (SELECT count(*) FROM dirgroup), count(*) + 1 FROM functionrole", ["(expression)", "(expression)"]),
    ("SELECT 'x', 1, -1, NULL FROM functionrole", ["(constant)"] * 4),
    ("SELECT today, current, current year to second FROM dirgroup", ["(today)", "(current)", "(current)"]),
    ("SELECT name AS Label, count(*) Total, lower(name) low FROM functionrole GROUP BY name",
     ["label", "total", "low"]),
    ("SELECT Name, fr.PKID, informix.fr.tkrank FROM functionrole fr", ["name", "pkid", "tkrank"]),
    ("SELECT * FROM dirgroup", ["pkid", "name"]),
    ("SELECT d.*, 1, g.* FROM dirgroup d, dirgroup g", ["pkid", "name", "(constant)", "pkid", "name"]),
    ("SELECT DISTINCT isstandard FROM functionrole", ["isstandard"]),
    ("SELECT name FROM functionrole UNION SELECT name FROM dirgroup", ["name"]),
    ("SELECT CASE WHEN tkrank > 2 THEN 'hi' ELSE 'lo' END FROM functionrole", ["(expression)"]),
])
def test_column_names(conn, sql, names):
    assert q(conn, sql)[0] == names


def test_label_alias_never_lands_inside_a_nested_expression(conn):
    sql = "SELECT name LIKE 'A' || '%', trim(name) FROM functionrole WHERE pkid = 'r1'"
    assert q(conn, sql) == (["(expression)", "(expression)"], [(1, "Alpha")])


def test_order_by_alias_and_expression_still_work(conn):
    names, rows = q(conn, "SELECT lower(name) AS n FROM functionrole ORDER BY n")
    assert names == ["n"] and rows[0] == ("alpha",)
    names, rows = q(conn, "SELECT tkrank * 2 FROM functionrole WHERE tkrank IS NOT NULL ORDER BY tkrank DESC")
    assert names == ["(expression)"] and rows[0] == (10,)


def test_values_are_python_values(conn):
    _cols, rows = q(conn, "SELECT pkid, tkrank, isstandard FROM functionrole WHERE pkid IN ('r3', 'r4') ORDER BY pkid")
    assert rows == [("r3", 3, "t"), ("r4", None, "f")]


def test_row_factory_of_the_store_is_ignored(conn):
    conn.row_factory = sqlite3.Row
    assert q(conn, "SELECT pkid, name FROM dirgroup")[1] == [("g1", "Admins")]


def test_axl_element_name():
    assert ifx.axl_element_name("(count(*))") == "count"
    assert ifx.axl_element_name("(expression)") == "expression"
    assert ifx.axl_element_name("(max)") == "max"
    assert ifx.axl_element_name("name") == "name"


def test_max_rows(conn):
    assert len(q(conn, "SELECT pkid FROM functionrole", max_rows=5)[1]) == 5
    e = err(q, conn, "SELECT pkid FROM functionrole", max_rows=3)
    assert e.code == -1
    assert e.message == "Query request too large. Total rows matched: 5 rows. Suggestive Row Fetch: less than 3 rows"


# ------------------------------------------------------------------------------------------
# Error mapping
# ------------------------------------------------------------------------------------------


def test_unique_index_239_insert_and_update(conn):
    msg = "Could not insert new row - duplicate value in a UNIQUE INDEX column (Unique Index:functionrole_name)."
    e = err(run_update, conn, "INSERT INTO functionrole (pkid, name) VALUES ('r9', 'Alpha')")
    assert (e.code, e.message) == (-239, msg)
    e = err(run_update, conn, "UPDATE functionrole SET name = 'Alpha' WHERE pkid = 'r2'")
    assert (e.code, e.message) == (-239, msg)
    e = err(run_update, conn, "INSERT INTO functionroleresourcemap (pkid, fkfunctionrole, tkresource) VALUES ('m9', 'r1', 10)")
    assert e.code == -239 and e.message.endswith("(Unique Index:frrm_role_resource).")


def test_unique_239_without_connection_has_empty_index_name(conn):
    with pytest.raises(sqlite3.IntegrityError) as info:
        conn.execute("INSERT INTO functionrole (pkid, name) VALUES ('r9', 'Alpha')")
    e = sqlite_error(info.value)
    assert (e.code, e.message) == (-239, "Could not insert new row - duplicate value in a UNIQUE INDEX column (Unique Index:).")


def test_unique_expression_index_239(conn):
    conn.execute("CREATE UNIQUE INDEX dirgroup_lname ON dirgroup (lower(name))")
    e = err(run_update, conn, "INSERT INTO dirgroup VALUES ('g9', 'ADMINS')")
    assert e.code == -239 and e.message.endswith("(Unique Index:dirgroup_lname).")


def test_primary_key_268(conn):
    e = err(run_update, conn, "INSERT INTO dirgroup (pkid, name) VALUES ('g1', 'dup')")
    assert (e.code, e.message) == (-268, "Unique constraint (pk_dirgroup) violated.")


def test_not_null_391(conn):
    e = err(run_update, conn, "INSERT INTO dirgroup (pkid) VALUES ('g9')")
    assert (e.code, e.message) == (-391, "Cannot insert a null into column (dirgroup.name).")
    e = err(run_update, conn, "UPDATE functionrole SET name = NULL WHERE pkid = 'r1'")
    assert (e.code, e.message) == (-391, "Cannot insert a null into column (functionrole.name).")


def test_foreign_key_691_names_the_constraint(conn):
    run_update(conn, "INSERT INTO dirgroup VALUES ('g2', 'Before')")  # earlier work in the same transaction
    e = err(run_update, conn, "INSERT INTO functionroleresourcemap (pkid, fkfunctionrole, tkresource) "
                              "VALUES ('m9', 'no-such-role', 1)")
    assert (e.code, e.message) == (
        -691, "Missing key in referenced table for referential constraint (fk_functionroleresourcemap_fkfunctionrole).")
    e = err(run_update, conn, "UPDATE functionroledirgroupmap SET fkdirgroup = 'nope' WHERE pkid = 'x1'")
    assert e.code == -691 and "(fk_functionroledirgroupmap_fkdirgroup)" in e.message
    # the probe left the transaction, the data and the pragma as they were
    assert conn.in_transaction
    assert conn.execute("SELECT name FROM dirgroup WHERE pkid = 'g2'").fetchone() == ("Before",)
    assert conn.execute("SELECT count(*) FROM functionroleresourcemap").fetchone() == (3,)
    assert conn.execute("PRAGMA defer_foreign_keys").fetchone() == (0,)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_foreign_key_692_parent_still_referenced(conn):
    e = err(run_update, conn, "DELETE FROM functionrole WHERE pkid = 'r2'")
    assert (e.code, e.message) == (
        -692, "Key value for constraint (fk_functionroledirgroupmap_fkfunctionrole) is still being referenced.")
    assert conn.execute("SELECT count(*) FROM functionrole").fetchone() == (5,)


def test_foreign_key_without_connection(conn):
    with pytest.raises(sqlite3.IntegrityError) as info:
        conn.execute("INSERT INTO functionroleresourcemap VALUES ('m9', 'nope', 1, 0)")
    assert sqlite_error(info.value).code == -691


def test_restrict_foreign_key_is_not_746(conn):
    conn.executescript("CREATE TABLE pinned (pkid TEXT PRIMARY KEY, "
                       "fkdirgroup TEXT REFERENCES dirgroup (pkid) ON DELETE RESTRICT);"
                       "INSERT INTO pinned VALUES ('p1', 'g1');")
    e = err(run_update, conn, "DELETE FROM dirgroup WHERE pkid = 'g1'")
    assert e.code == -692 and "(fk_pinned_fkdirgroup)" in e.message


def test_trigger_raise_is_746_with_rule_text(conn):
    e = err(run_update, conn, "UPDATE functionrole SET description = 'x' WHERE pkid = 'r3'")
    assert (e.code, e.message) == (-746, STD_MSG)


def test_check_530(conn):
    e = err(run_update, conn, "INSERT INTO checked VALUES ('c1', 0)")
    assert (e.code, e.message) == (-530, "Check constraint (n_positive) failed.")


@pytest.mark.parametrize("sql, code, message", [
    ("SELECT * FROM nosuchtable", -206, "The specified table (nosuchtable) is not in the database."),
    ("SELECT * FROM informix.nosuchtable", -206, "The specified table (nosuchtable) is not in the database."),
    ("SELECT nosuchcol FROM dirgroup", -217,
     "Column (nosuchcol) not found in any table in the query (or SLV is undefined)."),
    ("SELECT d.nosuchcol FROM dirgroup d", -217,
     "Column (nosuchcol) not found in any table in the query (or SLV is undefined)."),
    ("SELECT pkid FROM dirgroup, functionrole", -324, "Ambiguous column (pkid)."),
    ("SELECT foo(name) FROM dirgroup", -674, "Routine (foo) can not be resolved."),
    ("SELECT replace(name) FROM dirgroup", -674, "Routine (replace) can not be resolved."),
    ("SELECT lower(name, 1) FROM dirgroup", -674, "Routine (lower) can not be resolved."),
    ("SELECT name FROM dirgroup WHERE", -201, "A syntax error has occurred."),
    ("SELECT name FROM dirgroup WHERE name = = 'x'", -201, "A syntax error has occurred."),
    ("SELEC name FROM dirgroup", -201, "A syntax error has occurred."),
    ("SELECT abs(-9223372036854775808) FROM dirgroup", -1, "integer overflow"),
])
def test_query_error_mapping(conn, sql, code, message):
    e = err(q, conn, sql)
    assert (e.code, e.message) == (code, message)


@pytest.mark.parametrize("sql, code, message", [
    ("INSERT INTO dirgroup (nosuchcol) VALUES ('x')", -217,
     "Column (nosuchcol) not found in any table in the query (or SLV is undefined)."),
    ("INSERT INTO dirgroup (pkid, name) VALUES ('x')", -236,
     "Number of columns in INSERT does not match number of VALUES."),
    ("INSERT INTO dirgroup VALUES ('x')", -236, "Number of columns in INSERT does not match number of VALUES."),
    ("DELETE FROM nosuchtable", -206, "The specified table (nosuchtable) is not in the database."),
])
def test_update_error_mapping(conn, sql, code, message):
    e = err(run_update, conn, sql)
    assert (e.code, e.message) == (code, message)


def test_other_errors_are_minus_one():
    e = sqlite_error(sqlite3.OperationalError("database is locked"))
    assert (e.code, e.message) == (-1, "database is locked")


# ------------------------------------------------------------------------------------------
# Hostile input: correctly escaped names round-trip exactly and touch only their row
# ------------------------------------------------------------------------------------------

HOSTILE = [
    "O'Brien",
    "'",
    "''",
    "'''",
    'say "hi"',
    '"',
    "a;b",
    "x'; DELETE FROM functionrole; --",
    "-- comment",
    "a--b",
    "/* c */",
    "a /* b",
    "*/",
    "{ brace }",
    "{",
    "}",
    "back\\slash",
    "\\",
    "trailing\\",
    "a\\' OR '1'='1",
    "\\'; DROP TABLE functionrole; --",
    "50%_off",
    "%",
    "_",
    "%%__\\%",
    "*?[a-z]",
    "line1\nline2",
    "\r\n\t",
    "Zoë – 日本語 – 🎉 – ✓",
    "x' OR '1'='1",
    "x\" OR \"1\"=\"1",
    "x' --",
    "SELECT FIRST 1 * FROM sqlite_master",
    "' UNION SELECT name FROM dirgroup --",
    "today current newid() nvl(",
    ("'\"; --{/*\\%_\n}*/" * 700)[:10000],
]
DECOYS = [("d1", "x"), ("d2", "decoy")]


def lit(value: str, quote: str = "'") -> str:
    """What the collection's sql_literal() does: wrap and double the delimiter."""
    return quote + value.replace(quote, quote + quote) + quote


def like_lit(value: str, quote: str = "'") -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return lit(escaped, quote)


@pytest.fixture
def hconn():
    c = sqlite3.connect(":memory:")
    c.create_function("newid", 0, _newid)
    c.execute("PRAGMA foreign_keys = ON")
    c.executescript(SCHEMA)
    c.executemany("INSERT INTO functionrole (pkid, name) VALUES (?, ?)", DECOYS)
    yield c
    c.close()


def _all(c):
    return sorted(c.execute("SELECT pkid, name, description FROM functionrole").fetchall())


@pytest.mark.parametrize("quote", ["'", '"'])
@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_names_escaped_roundtrip(hconn, name, quote):
    assert name not in dict(DECOYS).values()
    before = _all(hconn)
    assert run_update(hconn, f"INSERT INTO functionrole (pkid, name, description) VALUES "
                             f"('target', {lit(name, quote)}, {lit('desc', quote)})") == 1
    assert hconn.execute("SELECT name FROM functionrole WHERE pkid = 'target'").fetchone() == (name,)

    names, rows = run_query(hconn, f"SELECT pkid, name FROM functionrole WHERE name = {lit(name, quote)}")
    assert names == ["pkid", "name"] and rows == [("target", name)]
    _cols, rows = run_query(hconn, f"SELECT pkid FROM functionrole WHERE name LIKE {like_lit(name, quote)}")
    assert rows == [("target",)]
    _cols, rows = run_query(hconn, f"SELECT {lit(name, quote)} FROM functionrole WHERE pkid = 'target'")
    assert rows == [(name,)]

    assert run_update(hconn, f"UPDATE functionrole SET description = {lit(name, quote)} "
                             f"WHERE name = {lit(name, quote)}") == 1
    assert hconn.execute("SELECT description FROM functionrole WHERE pkid = 'target'").fetchone() == (name,)
    assert run_update(hconn, f"DELETE FROM functionrole WHERE name = {lit(name, quote)}") == 1
    assert _all(hconn) == before


# ------------------------------------------------------------------------------------------
# Hostile input built WITHOUT escaping: fails, or visibly changes the statement's meaning
# ------------------------------------------------------------------------------------------


# Only a name containing the delimiter can change the statement; the other quote is ordinary.
UNESCAPED = [(n, q) for q in ("'", '"') for n in HOSTILE if q in n]


@pytest.mark.parametrize("name, quote", UNESCAPED, ids=[f"{q}{n[:20]!r}" for n, q in UNESCAPED])
def test_hostile_names_unescaped_never_silently_correct(hconn, name, quote):
    hconn.execute("INSERT INTO functionrole (pkid, name) VALUES ('target', ?)", (name,))
    before = _all(hconn)
    try:
        n = run_update(hconn, f"DELETE FROM functionrole WHERE name = {quote}{name}{quote}")
    except SQLError as e:
        assert e.code in (-201, -206, -217, -282, -674)
        assert _all(hconn) == before
        return
    removed = {r[0] for r in before} - {r[0] for r in _all(hconn)}
    assert removed != {"target"} or n != 1, "an unescaped name must not behave like an escaped one"


def test_unescaped_or_1_equals_1_deletes_every_row(hconn):
    hconn.execute("INSERT INTO functionrole (pkid, name) VALUES ('target', ?)", ("x' OR '1'='1",))
    assert run_update(hconn, "DELETE FROM functionrole WHERE name = 'x' OR '1'='1'") == 3
    assert _all(hconn) == []


def test_unescaped_double_quote_or_deletes_every_row(hconn):
    assert run_update(hconn, 'DELETE FROM functionrole WHERE name = "x" OR "1"="1"') == 2


def test_unescaped_comment_removes_the_rest_of_the_statement(hconn):
    hconn.execute("INSERT INTO functionrole (pkid, name) VALUES ('target', ?)", ("x' --",))
    assert run_update(hconn, "DELETE FROM functionrole WHERE name = 'x' --'") == 1
    remaining = {r[0] for r in _all(hconn)}
    assert remaining == {"target", "d2"}  # the decoy 'x' was deleted, the target survived


def test_unescaped_stacked_statement_is_rejected(hconn):
    e = err(run_update, hconn, "DELETE FROM functionrole WHERE name = 'x'; DELETE FROM functionrole; --'")
    assert e.code == -201
    assert len(_all(hconn)) == 2


def test_unescaped_quote_in_name_is_282(hconn):
    e = err(run_update, hconn, "DELETE FROM functionrole WHERE name = 'O'Brien'")
    assert (e.code, e.message) == (-282, "Found a quote for which there is no matching quote.")


def test_unescaped_brace_opens_a_comment(hconn):
    assert err(run_update, hconn, "DELETE FROM functionrole WHERE name = 'a' {'").code == -201
    assert err(run_update, hconn, "DELETE FROM functionrole WHERE name = 'a' /*'").code == -201


def test_unescaped_select_injection_returns_more_rows(hconn):
    _cols, rows = run_query(hconn, "SELECT pkid FROM functionrole WHERE name = 'nobody' OR '1'='1'")
    assert len(rows) == 2
    _cols, rows = run_query(hconn, "SELECT pkid FROM functionrole WHERE name = '' UNION SELECT name FROM dirgroup --'")
    assert rows == []  # the UNION ran (dirgroup is empty): meaning changed, nothing hidden


def test_unescaped_like_wildcards_widen_the_match(hconn):
    hconn.executemany("INSERT INTO functionrole (pkid, name) VALUES (?, ?)",
                      [("target", "50%_off"), ("other", "50X-off"), ("other2", "50% off")])
    _cols, rows = run_query(hconn, "SELECT pkid FROM functionrole WHERE name LIKE " + like_lit("50%_off") + " ORDER BY 1")
    assert rows == [("target",)]
    _cols, rows = run_query(hconn, "SELECT pkid FROM functionrole WHERE name LIKE '50%_off' ORDER BY 1")
    assert rows == [("other",), ("other2",), ("target",)]


def test_backslash_does_not_escape_the_quote(hconn):
    # MySQL-style escaping (\') is NOT an escape in Informix: the quote ends the literal
    e = err(run_update, hconn, r"DELETE FROM functionrole WHERE name = 'O\'Brien'")
    assert e.code == -282
    n = run_update(hconn, r"DELETE FROM functionrole WHERE name = 'a\' OR '1'='1'")
    assert n == 2  # the backslash-"escaped" version is an injection; doubling is the only escape


def test_translation_never_introduces_an_unbalanced_quote():
    for name in HOSTILE:
        for quote in ("'", '"'):
            out = translate(f"SELECT pkid FROM functionrole WHERE name = {lit(name, quote)}", "query")
            assert out == "select pkid from functionrole where name = " + "'" + name.replace("'", "''") + "'"
