"""The simulator moved to the evidence about real CUCM (../shared/research/fidelity-audit-2026-12.md): E.164
directory numbers, local users' ldapDirectoryName, name lookups, Informix's typing of UNIONs, large answers,
fault shapes and version strings, and the request log's masking of phone-service secrets.  Each unconfirmed
behaviour is checked under every value of its ``--compat`` switch."""

import json
import re
import socket
import ssl

import pytest

from conftest import axl_error, body_of

E164 = "+14085554019"
ESCAPED = "\\" + E164
PHONE = "SEP00AA00BB00EE"


def ok(resp):
    assert resp.status_code == 200, resp.text
    return body_of(resp)


def fault(resp, code):
    assert resp.status_code == 500, resp.text
    err = axl_error(resp)
    assert err["axlcode"] == code, err
    return err


def add_phone(sim, pattern, name=PHONE):
    return sim.post("addPhone", f"<phone><name>{name}</name><product>Cisco 8841</product><class>Phone</class>"
                                "<protocol>SIP</protocol><protocolSide>User</protocolSide><devicePoolName>Default"
                                "</devicePoolName><commonPhoneConfigName>Standard Common Phone Profile"
                                "</commonPhoneConfigName><locationName>Hub_None</locationName><useTrustedRelayPoint>"
                                "Default</useTrustedRelayPoint><lines><line><index>1</index><dirn><pattern>"
                                f"{pattern}</pattern><routePartitionName>Internal_PT</routePartitionName></dirn></line>"
                                "</lines><phoneTemplateName>Standard 8841 SIP</phoneTemplateName><primaryPhoneName/>"
                                "<builtInBridgeStatus>Default</builtInBridgeStatus><packetCaptureMode>None"
                                "</packetCaptureMode><certificateOperation>No Pending Operation</certificateOperation>"
                                "<deviceMobilityMode>Default</deviceMobilityMode></phone>")


def sql_rows(resp):
    return [dict((c.tag, c.text or "") for c in row) for row in body_of(resp).iterfind("return/row")]


# ------------------------------------------------------------------------------------ E.164 numbers
@pytest.mark.parametrize("sent", [E164, ESCAPED])
def test_e164_dn_stored_and_returned_escaped(sim, sent):
    """plus-escape=escaped (the default; real captures): a line's DN is stored \\+1408..., and getPhone lines,
    getUser primaryExtension and SQL all show that; telephoneNumber stays as written."""
    ok(add_phone(sim, sent))
    assert sim.sql("SELECT dnorpattern FROM numplan WHERE dnorpattern LIKE '%4085554019'") == [(ESCAPED,)]
    ok(sim.post("updateUser", f"<userid>user00004</userid><associatedDevices><device>SEP0A0000000004</device>"
                              f"<device>{PHONE}</device></associatedDevices><primaryExtension><pattern>{ESCAPED}</pattern>"
                              "<routePartitionName>Internal_PT</routePartitionName></primaryExtension>"
                              f"<telephoneNumber>{E164}</telephoneNumber>"))
    user = ok(sim.post("getUser", "<userid>user00004</userid>")).find("return/user")
    assert user.findtext("primaryExtension/pattern") == ESCAPED and user.findtext("telephoneNumber") == E164
    phone = ok(sim.post("getPhone", f"<name>{PHONE}</name>")).find("return/phone")
    assert phone.findtext("lines/line/dirn/pattern") == ESCAPED
    rows = sql_rows(sim.post("executeSQLQuery", "<sql>select n.dnorpattern from numplan n join devicenumplanmap m on "
                                                f"m.fknumplan = n.pkid join device d on d.pkid = m.fkdevice where d.name = "
                                                f"'{PHONE}'</sql>"))
    assert rows == [{"dnorpattern": ESCAPED}]
    listed = ok(sim.post("listUser", "<searchCriteria><userid>user00004</userid></searchCriteria><returnedTags>"
                                     "<primaryExtension><pattern/></primaryExtension></returnedTags>"))
    assert listed.findtext("return/user/primaryExtension/pattern") == ESCAPED


def test_e164_reference_with_an_unescaped_plus_finds_nothing_when_escaped(sim):
    """The most damaging plausible reading: +1408... names no DN when CUCM stores \\+1408... (5007); the stored
    form works.  With plus-escape=verbatim the pattern is stored and matched as sent."""
    ok(add_phone(sim, E164))
    devices = f"<associatedDevices><device>{PHONE}</device></associatedDevices>"
    refused = fault(sim.post("updateUser", f"<userid>user00005</userid>{devices}<primaryExtension><pattern>{E164}</pattern>"
                                           "<routePartitionName>Internal_PT</routePartitionName></primaryExtension>"), 5007)
    assert E164 in refused["faultstring"]
    assert sim.sql("SELECT count(*) FROM endusernumplanmap m JOIN enduser e ON e.pkid = m.fkenduser "
                   "WHERE e.userid = 'user00005'") == [(1,)]          # the seeded primary extension, untouched
    sim.faults(compat={"plus-escape": "verbatim"})
    ok(add_phone(sim, "+14085550002", name="SEP00AA00BB00EF"))
    assert sim.sql("SELECT dnorpattern FROM numplan WHERE dnorpattern LIKE '%4085550002'") == [("+14085550002",)]
    ok(sim.post("updateUser", "<userid>user00006</userid><associatedDevices><device>SEP00AA00BB00EF</device>"
                              "</associatedDevices><primaryExtension><pattern>+14085550002</pattern><routePartitionName>"
                              "Internal_PT</routePartitionName></primaryExtension>"))


# ------------------------------------------------------------------------------------ local users
@pytest.mark.parametrize("setting, shown", [("local", "Local"), ("empty", None)])
def test_local_users_ldap_directory_name(sim, setting, shown):
    """ldap-directory-name=local (a real 12.5 capture): 'Local' with a uuid, convertUserAccount alike;
    =empty (another real capture): an empty element.  An LDAP user shows its directory either way, and a local
    user's value sent back (a read-modify-write) is accepted."""
    sim.faults(compat={"ldap-directory-name": setting})
    user = ok(sim.post("getUser", "<userid>user00005</userid>")).find("return/user")
    element = user.find("ldapDirectoryName")
    assert element is not None and element.text == shown
    assert bool(element.get("uuid")) == (setting == "local")
    assert (user.findtext("convertUserAccount") or None) == shown
    if shown:
        assert user.find("convertUserAccount").get("uuid") == element.get("uuid")
        ok(sim.post("updateUser", f"<userid>user00005</userid><ldapDirectoryName uuid=\"{element.get('uuid')}\">Local"
                                  "</ldapDirectoryName><convertUserAccount>Local</convertUserAccount>"))
    ldap = ok(sim.post("getUser", "<userid>user00001</userid>")).find("return/user")
    assert ldap.findtext("ldapDirectoryName") == "corp-ldap"
    assert sim.sql("SELECT fkdirectorypluginconfig FROM enduser WHERE userid = 'user00005'") == [(None,)]


# ------------------------------------------------------------------------------------ names of references
@pytest.mark.parametrize("setting", ["insensitive", "exact"])
def test_reference_names_and_case(sim, setting):
    """fk-name-case=insensitive (the default: Cisco's DevNet samples send 'Standard Presence Group' for
    'Standard Presence group'); exact: 5007."""
    sim.faults(compat={"fk-name-case": setting})
    resp = sim.post("addUser", "<user><lastName>Case</lastName><userid>case.user</userid><presenceGroupName>"
                               "Standard Presence Group</presenceGroupName></user>")
    if setting == "insensitive":
        ok(resp)
        assert sim.sql("SELECT m.name FROM enduser e JOIN matrix m ON m.pkid = e.fkmatrix_presence "
                       "WHERE e.userid = 'case.user'") == [("Standard Presence group",)]
    else:
        assert "Presence Group Standard Presence Group" in fault(resp, 5007)["faultstring"]


# ------------------------------------------------------------------------------------ SQL typing
KINDS_SQL = ("select 'group' kind, name from dirgroup where name = 'Standard CCM End Users' union all "
             "select 'presence_group' kind, name from matrix")


@pytest.mark.parametrize("setting, kind", [("pad", "group         "), ("trim", "group")])
def test_union_of_literal_kinds_is_char_padded(sim, setting, kind):
    """Informix types a column that is a string literal in every branch CHAR(n) of the widest: 'group' comes
    back blank-padded to 'presence_group''s 14 characters (char-padding=pad, the default); trim: as written."""
    sim.faults(compat={"char-padding": setting})
    rows = sql_rows(sim.post("executeSQLQuery", f"<sql>{KINDS_SQL}</sql>"))
    assert [r["kind"] for r in rows] == [kind, "presence_group"]
    # a column mixing a literal with a real column is not padded
    rows = sql_rows(sim.post("executeSQLQuery", "<sql>select 'x' v from dirgroup where name = 'Standard CTI Enabled' "
                                                "union all select name v from matrix</sql>"))
    assert [r["v"] for r in rows] == ["x", "Standard Presence group"]


def test_union_of_boolean_and_character_is_refused(sim):
    """BOOLEAN and CHAR in one UNION column: Informix has no implicit cast (-9634); a CASE that yields 't'/'f'
    (what the collection sends) is accepted."""
    bad = ("select 'group' kind, g.isstandard extra from dirgroup g where g.name = 'Standard CCM End Users' "
           "union all select 'role' kind, '' extra from functionrole r where r.name = 'Standard CTI Enabled'")
    err = fault(sim.post("executeSQLQuery", f"<sql>{bad}</sql>"), -9634)
    assert err["faultstring"] == "No cast from boolean to char."
    bad_column = ("select g.isstandard x from dirgroup g where g.name = 'Standard CCM End Users' "
                  "union all select r.name x from functionrole r where r.name = 'Standard CTI Enabled'")
    fault(sim.post("executeSQLQuery", f"<sql>{bad_column}</sql>"), -9634)
    good = bad.replace("g.isstandard extra", "case when g.isstandard = 't' then 't' else 'f' end extra")
    assert [(r["kind"].strip(), r["extra"].strip()) for r in sql_rows(sim.post("executeSQLQuery", f"<sql>{good}</sql>"))] == [
        ("group", "t"), ("role", "")]
    both = ("select isstandard x from dirgroup where name = 'Standard CCM End Users' union all "
            "select isstandard x from functionrole where name = 'Standard CTI Enabled'")
    assert [r["x"] for r in sql_rows(sim.post("executeSQLQuery", f"<sql>{both}</sql>"))] == ["t", "t"]


# ------------------------------------------------------------------------------------ large answers
def test_too_large_drop_cuts_the_answer(sim):
    """too_large=drop: the answer starts (status line, full Content-Length) and the connection closes mid-way,
    as CUCM 12.5 may do instead of the fault."""
    sim.faults(max_response_bytes=2000, too_large="drop")
    body = sim.envelope("executeSQLQuery", "<sql>select * from enduser</sql>").encode()
    host, port = "127.0.0.1", sim.config.port
    context = ssl.create_default_context(cafile=sim.cert)
    with socket.create_connection((host, port), timeout=10) as raw, context.wrap_socket(raw, server_hostname=host) as tls:
        tls.sendall(b"POST /axl/ HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nAuthorization: Basic "
                    b"YWRtaW5pc3RyYXRvcjpjaXNjb3BzZHQ=\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        data = b""
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _sep, payload = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert head.startswith(b"HTTP/1.1 200") and 0 < len(payload) < length
    assert sim.stats()["dropped"] == 1
    # a small answer is whole
    assert sim.post("executeSQLQuery", "<sql>select count(*) n from enduser</sql>").status_code == 200


def test_too_large_memory_fault(sim):
    sim.faults(max_response_bytes=2000, too_large="memory")
    err = fault(sim.post("executeSQLQuery", "<sql>select * from enduser</sql>"), -1)
    assert err["faultstring"] == ("Maximum AXL Memory Allocation Consumed. Please retry once requests in progress have "
                                  "completed") and err["faultcode"] == "soapenv:Server"
    sim.faults(too_large="fault")
    assert "Query request too large" in fault(sim.post("executeSQLQuery", "<sql>select * from enduser</sql>"), -1)[
        "faultstring"]


# ------------------------------------------------------------------------------------ protocol details
def test_duplicate_key_faults_are_client_faults(sim):
    """A captured duplicate (addRoutePartition): soapenv:Client, -239, the empty index name (was: soapenv:Server)."""
    err = fault(sim.post("addUserGroup", "<userGroup><name>Standard CCM End Users</name></userGroup>"), -239)
    assert err["faultcode"] == "soapenv:Client"
    assert err["faultstring"] == "Could not insert new row - duplicate value in a UNIQUE INDEX column (Unique Index:)."
    err = fault(sim.post("executeSQLUpdate", "<sql>insert into dirgroup (name) values ('Standard CCM End Users')</sql>"),
                -239)
    assert err["faultcode"] == "soapenv:Client"
    assert fault(sim.post("getUser", "<userid>nobody</userid>"), 5007)["faultcode"] == "soapenv:Server"


@pytest.mark.parametrize("release, build", [("11.5", "11.5.1.14900(11)"), ("12.5", "12.5.1.10000(22)"),
                                            ("14.0", "14.0.1.11900(132)"), ("15.0", "15.0.1.10000(32)")])
def test_getccmversion_build_strings(sim_factory, release, build):
    """getCCMVersion reports builds as real clusters do: 14.0.1.11900(132), 11.5.1.14900(11)."""
    s = sim_factory(f"v{release}", "--axl-version", release, "--seed-users", "20", "--ldap-users", "2")
    s.reset()
    version = release if release != "11.5" else "11.5"
    assert ok(s.post("getCCMVersion", version=version)).findtext("return/componentVersion/version") == build


# ------------------------------------------------------------------------------------ request log masking
IPPA = ("<ipPhoneServices><serviceName>IPPA</serviceName><asciiServiceName>IPPA</asciiServiceName><serviceUrl>"
        "http://uccx/login.jsp</serviceUrl><serviceCategory>XML Service</serviceCategory><serviceType>Standard IP Phone "
        "Service</serviceType><parameters><parameter><name>user</name><displayName>User</displayName><description/>"
        "</parameter><parameter><name>pw</name><displayName>Password</displayName><default>Def-Secret-1</default>"
        "<description/><paramPassword>true</paramPassword></parameter></parameters></ipPhoneServices>")


def test_request_log_masks_phone_service_secrets(sim):
    """Password parameters' defaults and values never reach the request log in clear: not in the add, not in a
    subscription URL (percent-encoded), not in SQL (quotes doubled), not in answers (getIpPhoneServices,
    getPhone URLs, executeSQLQuery rows); other values stay readable."""
    mark = len(sim.log_path.read_text().splitlines())
    ok(sim.post("addIpPhoneServices", IPPA))
    ok(sim.post("getIpPhoneServices", "<serviceName>IPPA</serviceName>"))
    ok(sim.post("updatePhone", "<name>SEP0A0000000001</name><services><service><telecasterServiceName>IPPA"
                               "</telecasterServiceName><name>Agent</name><url>http://uccx/login.jsp?user=agent7&amp;pw="
                               "Url%20Secret%262</url></service></services>"))
    ok(sim.post("getPhone", "<name>SEP0A0000000001</name>"))
    pkid = sim.sql("SELECT pkid FROM telecasterserviceparameter WHERE name = 'pw'")[0][0]
    sub = sim.sql("SELECT pkid FROM telecastersubscribedservice")[0][0]
    ok(sim.post("executeSQLUpdate", "<sql>update telecastersubscribedparameter set value = 'Sql''Secret3' where "
                                    f"fktelecastersubscribedservice = '{sub}' and fktelecasterserviceparameter = "
                                    f"'{pkid}'</sql>"))
    ok(sim.post("executeSQLQuery", "<sql>select value from telecastersubscribedparameter</sql>"))
    # refused, so never stored: the request still carries a secret
    bad = sim.post("executeSQLUpdate", "<sql>update telecastersubscribedparameter set value = 'Refused\"Secret4' where "
                                       f"fktelecasterserviceparameter = '{pkid}'</sql>")
    assert bad.status_code == 500
    log = sim.log_path.read_text().splitlines()[mark:]
    text = "\n".join(log)
    for secret in ("Def-Secret-1", "Url Secret&2", "Url%20Secret%262", "Url%20Secret%26amp;2", "Sql'Secret3",
                   "Sql''Secret3", "Refused"):
        assert secret not in text, secret
    assert "agent7" in text and "********" in text
    assert all(json.loads(line)["request"].lstrip().startswith("<") for line in log)


# ------------------------------------------------------------------------------------ the documentation
def test_docs_list_every_behaviour_with_a_source_and_every_switch():
    """docs/simulator.md: every row of the modelled-behaviour tables names a source of the documented kinds, and
    every --compat switch (with every value) is in the unconfirmed-behaviours table and cited as the source of
    the behaviour it governs."""
    from pathlib import Path
    from cucm_axl_sim import compat
    docs = (Path(__file__).resolve().parents[2] / "docs" / "simulator.md").read_text()
    section = docs.split("## Modelled behaviours and their sources", 1)[1].split("\n## ", 1)[0]   # up to the next section
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| behaviour")]
    assert len(rows) > 50
    kinds = ("capture", "DG", "AG", "DD", "XSD", "code", "choice", "unconfirmed", "Informix", "SOAP 1.1")
    for row in rows:
        source = row.rstrip(" |").rsplit(" | ", 1)[-1]
        assert any(k in source for k in kinds), row
    table = docs.split("## Unconfirmed behaviours (`--compat`)", 1)[1].split("## Clients that no one here wrote", 1)[0]
    for name, (values, _doc) in compat.SWITCHES.items():
        line = next((l for l in table.splitlines() if l.startswith(f"| `{name}` |")), None)
        assert line is not None, name
        assert all(f"`{value}`" in line for value in values), (name, line)
        assert f"`{name}`" in section, f"{name} is the source of no modelled behaviour"
