# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sql.report: a user's SELECT for cucm_sql_info, checked before anything is sent.

Refusals are checked by message; accepted statements (with hostile parameter values) are run by the
simulator's Informix layer (an Informix tokenizer and translator over SQLite) against a table made
here, which proves that a value stays a literal: the statement reads the rows it should and nothing
else, and the table is unchanged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sqlite3

import pytest

from ansible_collections.voiceops.cucm.plugins.module_utils import sql
from ansible_collections.voiceops.cucm.plugins.module_utils.sql import SqlValueError

try:
    from cucm_axl_sim import informix
except ImportError:  # pragma: no cover - the simulator package is installed in the dev venv
    informix = None

needs_informix = pytest.mark.skipif(informix is None, reason="the simulator package cucm_axl_sim is not installed")


@pytest.mark.parametrize("statement, reason", [
    ("delete from enduser", "one SELECT statement; this one starts with 'delete'"),
    ("DELETE FROM enduser WHERE 1 = 1", "starts with 'delete'"),
    ("update enduser set title = 'x'", "starts with 'update'"),
    ("insert into dirgroup (name) values ('x')", "starts with 'insert'"),
    ("drop table enduser", "starts with 'drop'"),
    ("  execute procedure sp_x()", "starts with 'execute'"),
    ("call x()", "starts with 'call'"),
    ("select 1 from enduser; delete from enduser", "one statement: ';' may only end it"),
    ("select 1 from enduser ; select 2 from device", "one statement"),
    ("select 1 from enduser;;", "one statement"),
    ("select userid from enduser -- where 1 = 0", "comments (--)"),
    ("select userid from enduser /* hidden */", "comments (/*)"),
    ("select userid from enduser */", "comments (*/)"),
    ("select userid from enduser { an Informix comment }", "Informix comment"),
    ("select userid from enduser {;delete from enduser}", "Informix comment"),
    ("select userid into temp t from enduser", "'INTO' is not allowed"),
    ("select userid from enduser into temp t with no log", "'INTO' is not allowed"),
    ("select userid from enduser for update", "'UPDATE' is not allowed"),
    ("select sp_delete_all() from enduser", "sp_delete_all(...) is not a built-in function"),
    ("select informix.sp_x(1) from enduser", "qualified routine calls"),
    ("select sysadmin:task('x') from enduser", "':' outside a quoted literal"),
    ("select userid from enduser@otherserver:enduser", "'@' outside a quoted literal"),
    ("select `userid` from enduser", "'`' outside a quoted literal"),
    ("select userid from enduser where userid = ?", "'?' outside a quoted literal"),
    ("select skip 10 userid from enduser", "SKIP: the module pages the result itself"),
    ("select first 10 userid from enduser", "FIRST"),
    ("select userid from enduser limit 5", "LIMIT"),
    ("select userid from enduser where userid = 'unterminated", "not closed"),
    ("select (userid from enduser", "not closed"),
    ("select userid) from enduser", "no matching"),
    ("", "empty"),
    ("   ;", "empty"),
    ("select userid from enduser where userid = 'a\\' or 1=1", "backslash"),
    ("select load from enduser", "'LOAD' is not allowed"),
    ("select userid from enduser where system = 1", "'SYSTEM' is not allowed"),
])
def test_refused(statement, reason):
    with pytest.raises(SqlValueError) as info:
        sql.report(statement)
    assert reason in str(info.value)


@pytest.mark.parametrize("statement, params, reason", [
    ("select userid from enduser where userid = '{u}'", {"u": "x"}, "placeholder {u} is inside quotes"),
    ("select userid from enduser where userid = {u}", {}, "no value in params for {u}"),
    ("select userid from enduser", {"u": "x"}, "params u are not used"),
    ("select userid from enduser where userid = {u}", {"u": None}, "params.u"),
    ("select userid from enduser where userid = {u}", {"u": 1.5}, "params.u"),
    ("select userid from enduser where userid = {u}", {"u": {"a": 1}}, "params.u"),
    ("select userid from enduser where userid = {u}", {"u": "a\nb"}, "control characters"),
    ("select userid from enduser where userid = {u}", {"u": "a\\"}, "backslash"),
])
def test_bad_params(statement, params, reason):
    with pytest.raises(SqlValueError) as info:
        sql.report(statement, params)
    assert reason in str(info.value)


def test_accepted_and_rendered():
    report = sql.report("SELECT u.userid, count(*) n FROM enduser u WHERE u.userid IN {ids} AND u.status = {s} "
                        "AND lower(u.lastname) LIKE {p} GROUP BY u.userid ORDER BY u.userid;",
                        {"ids": ["a", "o'b"], "s": 1, "p": "d%"})
    assert report.sql == ("SELECT u.userid, count(*) n FROM enduser u WHERE u.userid IN ('a', 'o''b') AND u.status = 1 "
                          "AND lower(u.lastname) LIKE 'd%' GROUP BY u.userid ORDER BY u.userid")
    assert report.ordered and not report.compound


def test_order_by_and_compound_are_top_level_facts():
    assert not sql.report("select name from device where pkid in (select fkdevice from enduserdevicemap "
                          "order by fkdevice)").ordered
    compound = sql.report("select name from dirgroup union select name from functionrole order by 1")
    assert compound.compound and compound.ordered
    assert not sql.report("select name from (select name from dirgroup union select name from functionrole) x "
                          "order by name").compound


def test_words_inside_literals_and_names_are_text():
    # a write keyword inside a quoted literal, or inside a longer name, is just text
    report = sql.report("select name from functionrole where name = 'delete; drop table x -- /* */ {' "
                        "or description like \"%update%\" order by name")
    assert "drop table" in report.sql
    sql.report("select updated_at, setting, insertion from t")   # names that merely contain forbidden words


HOSTILE = ["x' or '1'='1", "'; delete from t; --", "x' /* ", "{x}", "x'); drop table t; --", "a'' or ''='", '"', "%"]


@needs_informix
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_stay_literals(value):
    conn = sqlite3.connect(":memory:")
    informix.install(conn)
    conn.execute("CREATE TABLE t (name TEXT, n INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [("a", 1), ("b", 2), (value, 3)])
    report = sql.report("select name, n from t where name = {v} or name in {vs} order by n", {"v": value, "vs": [value]})
    translated = informix.translate(report.sql, "query")
    assert translated.lstrip().lower().startswith("select")
    _columns, rows = informix.run_query(conn, report.sql)
    assert rows == [(value, 3)]
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 3


@needs_informix
@pytest.mark.parametrize("statement", [
    "select userid from enduser where userid = 'x' order by userid",
    "select d.name, d.description from device d where d.tkclass = 1 and d.fkenduser is null order by d.name",
    "select count(*) users from enduser",
])
def test_accepted_statements_are_queries_for_informix(statement):
    informix.translate(sql.report(statement).sql, "query")
