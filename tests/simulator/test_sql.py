"""executeSQLQuery / executeSQLUpdate over AXL: Informix dialect, row shapes, Informix faults.

These go through the whole stack (HTTP, SOAP, the Informix translator, the store) and check
the store independently (``sim.sql``).  The translator's own unit tests are test_informix.py.
"""

import re

import pytest

from conftest import axl_error, body_of, zeep_service

SYNTAX = "A syntax error has occurred."


def query(sim, sql, **kw):
    resp = sim.post("executeSQLQuery", f"<sql>{escape(sql)}</sql>", **kw)
    assert resp.status_code == 200, resp.text
    ret = body_of(resp).find("return")
    return [[(col.tag, col.text) for col in row] for row in ret]


def rows(sim, sql):
    return [dict(r) for r in query(sim, sql)]


def update(sim, sql):
    resp = sim.post("executeSQLUpdate", f"<sql>{escape(sql)}</sql>")
    assert resp.status_code == 200, resp.text
    return int(body_of(resp).findtext("return/rowsUpdated"))


def fault(sim, sql, operation="executeSQLQuery"):
    resp = sim.post(operation, f"<sql>{escape(sql)}</sql>")
    assert resp.status_code == 500, resp.text
    return axl_error(resp)


def escape(sql):
    return sql.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ------------------------------------------------------------------------------------ dialect
def test_skip_and_first(sim):
    got = query(sim, "select skip 2 first 3 userid from enduser order by userid")
    assert got == [[("userid", "user00003")], [("userid", "user00004")], [("userid", "user00005")]]
    assert len(query(sim, "select first 4 userid from enduser")) == 4
    assert [r["userid"] for r in rows(sim, "select skip 18 userid from enduser order by userid")] == ["user00019", "user00020"]


def test_first_before_skip_is_a_syntax_error(sim):
    assert fault(sim, "select first 3 skip 2 userid from enduser")["axlcode"] == -201


def test_booleans_are_t_and_f(sim):
    standard = rows(sim, "select name, isstandard from functionrole where isstandard = 't' order by name")
    assert standard and all(r["isstandard"] == "t" for r in standard)
    assert len(standard) == sim.sql("SELECT count(*) FROM functionrole WHERE isstandard = 't'")[0][0]
    assert rows(sim, "select count(*) from functionrole where isstandard = 'f'") == [{"count": "0"}]


def test_newid_in_insert(sim):
    assert update(sim, "insert into functionrole (pkid, name, description) values (newid(), 'Ops Auditors', 'audit')") == 1
    pkid = rows(sim, "select pkid from functionrole where name = 'Ops Auditors'")[0]["pkid"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", pkid)   # lower, no braces
    other = rows(sim, "select newid() as id from functionrole where name = 'Ops Auditors'")[0]["id"]
    assert other != pkid


def test_joins(sim):
    got = rows(sim, "select fr.name role, tr.name resource, frm.permission from functionrole fr "
                    "inner join functionroleresourcemap frm on frm.fkfunctionrole = fr.pkid "
                    "join typeresource tr on tr.enum = frm.tkresource "
                    "where fr.name = 'Standard AXL API Access'")
    assert got == [{"role": "Standard AXL API Access", "resource": "AXL Database API", "permission": "1"}]
    # comma join with the condition in WHERE, and a LEFT JOIN keeping a role without resources
    update(sim, "insert into functionrole (name) values ('Empty Role')")
    comma = rows(sim, "select count(*) n from functionrole fr, functionroleresourcemap frm "
                      "where frm.fkfunctionrole = fr.pkid and fr.name = 'Standard CCMADMIN Administration'")
    assert int(comma[0]["n"]) > 1
    left = rows(sim, "select fr.name, frm.tkresource from functionrole fr left outer join functionroleresourcemap frm "
                     "on frm.fkfunctionrole = fr.pkid where fr.name = 'Empty Role'")
    assert left == [{"name": "Empty Role", "tkresource": None}]


def test_like_is_case_sensitive_with_wildcards(sim):
    assert len(query(sim, "select userid from enduser where userid like 'user0001%'")) == 10
    assert len(query(sim, "select userid from enduser where userid like 'user0000_'")) == 9
    assert query(sim, "select userid from enduser where userid like 'USER%'") == []
    assert len(query(sim, "select userid from enduser where userid not like 'user0001%'")) == 10


def test_lower_and_upper(sim):
    got = rows(sim, "select upper(userid) u from enduser where lower(mailid) = 'user00001@example.com'")
    assert got == [{"u": "USER00001"}]


def test_double_quoted_string_literals(sim):
    got = rows(sim, 'select name from functionrole where name = "Standard AXL API Access"')
    assert got == [{"name": "Standard AXL API Access"}]
    update(sim, """insert into functionrole (name, description) values ("O'Brien role", 'say "hi"')""")
    assert rows(sim, "select description from functionrole where name = 'O''Brien role'") == [{"description": 'say "hi"'}]


def test_keywords_and_identifiers_are_case_insensitive(sim):
    assert len(query(sim, "SELECT FIRST 2 UserID FROM EndUser ORDER BY UserID")) == 2


# ------------------------------------------------------------------------------------ row shapes
def test_row_shape_columns_in_select_order_null_as_empty_element(sim):
    resp = sim.post("executeSQLQuery", "<sql>select userid, fkdirectorypluginconfig, department from enduser "
                                       "where userid in ('user00001', 'user00003') order by userid</sql>")
    ret = body_of(resp).find("return")
    assert [row.tag for row in ret] == ["row", "row"]
    first, third = ret
    assert [c.tag for c in first] == ["userid", "fkdirectorypluginconfig", "department"]
    assert first.find("fkdirectorypluginconfig").text           # LDAP user: set
    empty = third.find("fkdirectorypluginconfig")
    assert empty is not None and empty.text is None and len(empty) == 0   # NULL: present, empty


def test_row_children_are_unqualified(sim):
    resp = sim.post("executeSQLQuery", "<sql>select first 1 userid from enduser</sql>")
    row = body_of(resp).find("return/row")
    assert row is not None and row[0].tag == "userid"            # no namespace on row or columns


def test_aggregates_and_expressions_get_element_names(sim):
    got = query(sim, "select count(*), max(userid), userid || '!' as shout from enduser where userid = 'user00002' group by userid")
    assert got == [[("count", "1"), ("max", "user00002"), ("shout", "user00002!")]]


def test_no_rows_is_an_empty_return(sim):
    resp = sim.post("executeSQLQuery", "<sql>select userid from enduser where userid = 'nobody'</sql>")
    ret = body_of(resp).find("return")
    assert ret is not None and len(ret) == 0


def test_zeep_sees_rows_as_element_lists(sim):
    service = zeep_service(sim)
    result = service.executeSQLQuery(sql="select first 2 userid, firstname from enduser order by userid")
    assert [{c.tag: c.text for c in row} for row in result["return"]["row"]] == [
        {"userid": "user00001", "firstname": "Ben"}, {"userid": "user00002", "firstname": "Chloe"}]
    assert service.executeSQLUpdate(sql="update enduser set title = 'Lead' where userid = 'user00002'")["return"]["rowsUpdated"] == 1


# ------------------------------------------------------------------------------------ Informix faults
@pytest.mark.parametrize("sql,code,message", [
    ("selec userid from enduser", -201, SYNTAX),
    ("select * from nosuchtable", -206, "The specified table (nosuchtable) is not in the database."),
    ("select nosuchcolumn from enduser", -217,
     "Column (nosuchcolumn) not found in any table in the query (or SLV is undefined)."),
    ("select * from sqlite_master", -206, "The specified table (sqlite_master) is not in the database."),
    ("select userid from enduser where userid = 'x", -282, "Found a quote for which there is no matching quote."),
])
def test_query_faults_carry_informix_codes(sim, sql, code, message):
    err = fault(sim, sql)
    assert (err["axlcode"], err["faultstring"], err["request"]) == (code, message, "executeSQLQuery")


def test_duplicate_insert_is_239(sim):
    err = fault(sim, "insert into functionrole (name) values ('Standard AXL API Access')", "executeSQLUpdate")
    assert err["axlcode"] == -239
    assert err["faultstring"].startswith("Could not insert new row - duplicate value in a UNIQUE INDEX column (Unique Index:")
    assert sim.sql("SELECT count(*) FROM functionrole WHERE name = 'Standard AXL API Access'")[0][0] == 1


def test_db_rule_on_a_standard_role_is_746(sim):
    """RI-335: the resources of a standard role cannot change."""
    before = sim.sql("SELECT count(*) FROM functionroleresourcemap")[0][0]
    err = fault(sim, "insert into functionroleresourcemap (fkfunctionrole, tkresource, permission) "
                     "select pkid, 101, 1 from functionrole where name = 'Standard AXL API Access'", "executeSQLUpdate")
    assert err["axlcode"] == -746
    assert err["faultstring"] == "Cannot modify the Permission and Resources associated with a standard Functional Role."
    assert err["request"] == "executeSQLUpdate"
    assert sim.sql("SELECT count(*) FROM functionroleresourcemap")[0][0] == before
    err = fault(sim, "delete from functionroleresourcemap where fkfunctionrole = "
                     "(select pkid from functionrole where name = 'Standard AXL API Access')", "executeSQLUpdate")
    assert err["axlcode"] == -746
    assert sim.sql("SELECT count(*) FROM functionroleresourcemap")[0][0] == before


def test_execute_sql_query_rejects_statements_that_are_not_select(sim):
    for sql in ("delete from functionroleresourcemap", "update enduser set department = 'X'",
                "insert into functionrole (name) values ('sneaky')", "drop table enduser"):
        assert fault(sim, sql)["axlcode"] == -201
    assert sim.sql("SELECT count(*) FROM functionrole WHERE name = 'sneaky'")[0][0] == 0
    assert sim.sql("SELECT count(*) FROM enduser WHERE department = 'X'")[0][0] == 0
    assert sim.sql("SELECT count(*) FROM functionroleresourcemap")[0][0] > 0


def test_execute_sql_update_rejects_select(sim):
    assert fault(sim, "select * from enduser", "executeSQLUpdate")["axlcode"] == -201


def test_one_statement_per_request(sim):
    for sql in ("select userid from enduser; delete from enduser",
                "select userid from enduser; select name from functionrole"):
        assert fault(sim, sql)["axlcode"] == -201
    err = fault(sim, "update enduser set department = 'A' where userid = 'user00001'; "
                     "delete from enduser where userid = 'user00002'", "executeSQLUpdate")
    assert err["axlcode"] == -201
    assert sim.sql("SELECT department FROM enduser WHERE userid = 'user00001'")[0][0] != "A"
    assert sim.sql("SELECT count(*) FROM enduser WHERE userid = 'user00002'")[0][0] == 1
    assert len(query(sim, "select first 1 userid from enduser;")) == 1      # one trailing ; is fine


def test_empty_sql_is_a_syntax_error(sim):
    for inner in ("<sql></sql>", "<sql>   </sql>"):
        resp = sim.post("executeSQLQuery", inner)
        assert resp.status_code == 500 and axl_error(resp)["axlcode"] == -201


def test_faulted_update_changes_nothing(sim):
    """A statement that fails half-way (a unique index on its second row) is rolled back whole."""
    update(sim, "insert into functionrole (name) values ('roll-a')")
    update(sim, "insert into functionrole (name) values ('roll-b')")
    err = fault(sim, "update functionrole set name = 'roll-same' where name like 'roll-%'", "executeSQLUpdate")
    assert err["axlcode"] == -239
    assert sorted(r[0] for r in sim.sql("SELECT name FROM functionrole WHERE name LIKE 'roll-%'")) == ["roll-a", "roll-b"]


# ------------------------------------------------------------------------------------ visibility
def test_role_inserted_with_update_is_visible_to_a_later_query(sim):
    assert update(sim, "insert into functionrole (pkid, name, description) values "
                       "(newid(), 'Helpdesk Phone Reset', 'reset phones')") == 1
    role = rows(sim, "select pkid, name, description, isstandard from functionrole where name = 'Helpdesk Phone Reset'")
    assert len(role) == 1 and role[0]["isstandard"] == "f"
    pkid = role[0]["pkid"]
    assert update(sim, "insert into functionroleresourcemap (pkid, fkfunctionrole, tkresource, permission) "
                       f"values (newid(), '{pkid}', 102, 3)") == 1
    got = rows(sim, "select tr.name, frm.permission from functionroleresourcemap frm "
                    f"join typeresource tr on tr.enum = frm.tkresource where frm.fkfunctionrole = '{pkid}'")
    assert got == [{"name": "Phone web pages", "permission": "3"}]
    # the store agrees, independently of AXL
    assert sim.sql("SELECT description FROM functionrole WHERE pkid = ?", (pkid,)) == [("reset phones",)]
    # and a custom role's resources may change (RI-335 is for standard roles only)
    assert update(sim, f"update functionroleresourcemap set permission = 1 where fkfunctionrole = '{pkid}'") == 1
    assert update(sim, f"delete from functionrole where pkid = '{pkid}'") == 1
    assert sim.sql("SELECT count(*) FROM functionroleresourcemap WHERE fkfunctionrole = ?", (pkid,)) == [(0,)]


def test_rows_updated_counts_the_statement_rows(sim):
    assert update(sim, "update enduser set title = 'Agent II' where userid like 'user0001%'") == 10
    assert update(sim, "update enduser set title = 'x' where userid = 'nobody'") == 0


def test_sql_injection_stays_inside_the_literal(sim):
    got = rows(sim, "select count(*) n from enduser where userid = 'x'' or ''1''=''1'")
    assert got == [{"n": "0"}]
    assert sim.sql("SELECT count(*) FROM enduser")[0][0] == 20
