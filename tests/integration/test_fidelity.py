"""The modules against the behaviours of real CUCM that the fidelity audit found (issue 13, section 1), under the
simulator's defaults and under each value of the ``--compat`` switch of every unconfirmed one.

One CUCM version (14.0): the subject is the evidence, not the schema version.  Each test sets the switches it
studies (``sim.faults(compat=...)``; the harness's reset restores the defaults), runs one play of batched tasks and
checks the simulator's database, request log and counters, never the modules' own claims.
"""

import pytest

from reliability_support import read_back, read_back_task

USER = "voiceops.cucm.cucm_end_user"
USERS = "voiceops.cucm.cucm_end_users"
USER_INFO = "voiceops.cucm.cucm_end_user_info"
GROUP = "voiceops.cucm.cucm_user_group"
SERVICE = "voiceops.cucm.cucm_phone_service"
SUB = "voiceops.cucm.cucm_phone_service_subscription"
SUB_INFO = "voiceops.cucm.cucm_phone_service_subscription_info"
ROLE = "voiceops.cucm.phone_services_self_service"
MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

PHONE = "SEP0A0000000001"
E164_PHONE = "SEPE16400000001"
E164 = "+14085550101"
IPPA_URL = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
DIR_URL = "http://apps.example.com/directory"
IPPA_PARAMETERS = [{"name": "username", "display_name": "Agent ID", "required": True},
                   {"name": "password", "display_name": "Agent password", "required": True, "password": True},
                   {"name": "extension", "display_name": "Extension", "required": True}]


def task(module, label, /, **options):
    return {"name": label, module: options, "register": "r"}


def results(run):
    return dict((r["task"], r) for r in run.results)


def result(run, name):
    return results(run)[name]["result"]


def raw(sim, operation, inner):
    """One AXL request outside the collection (to set up what the modules do not manage: a phone)."""
    body = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
            'envelope/" xmlns:ns="http://www.cisco.com/AXL/API/%s"><soapenv:Body><ns:%s>%s</ns:%s></soapenv:Body>'
            '</soapenv:Envelope>' % (sim.version, operation, inner, operation))
    resp = sim.http.post(sim.url, data=body.encode(), auth=("administrator", "ciscopsdt"),
                         headers={"Content-Type": "text/xml", "SOAPAction": '"CUCM:DB ver=%s %s"' % (sim.version, operation)})
    assert resp.status_code == 200, resp.text


def add_e164_phone(sim, pattern):
    raw(sim, "addPhone", (
        f"<phone><name>{E164_PHONE}</name><product>Cisco 8841</product><class>Phone</class><protocol>SIP</protocol>"
        "<protocolSide>User</protocolSide><devicePoolName>Default</devicePoolName><commonPhoneConfigName>Standard "
        "Common Phone Profile</commonPhoneConfigName><locationName>Hub_None</locationName><useTrustedRelayPoint>Default"
        f"</useTrustedRelayPoint><lines><line><index>1</index><dirn><pattern>{pattern}</pattern><routePartitionName>"
        "Internal_PT</routePartitionName></dirn></line></lines><phoneTemplateName>Standard 8841 SIP</phoneTemplateName>"
        "<primaryPhoneName/><builtInBridgeStatus>Default</builtInBridgeStatus><packetCaptureMode>None</packetCaptureMode>"
        "<certificateOperation>No Pending Operation</certificateOperation><deviceMobilityMode>Default</deviceMobilityMode>"
        "</phone>"))


def primary_of(sim, userid):
    return sim.sql("select n.dnorpattern, p.name from endusernumplanmap m join enduser e on e.pkid = m.fkenduser "
                   "join numplan n on n.pkid = m.fknumplan left join routepartition p on p.pkid = n.fkroutepartition "
                   "where e.userid = ? and m.tkdnusage = 1", (userid,))


def values(sim, device, service="IPPA"):
    return dict(sim.sql(
        "select p.name, sp.value from telecastersubscribedparameter sp "
        "join telecasterserviceparameter p on p.pkid = sp.fktelecasterserviceparameter "
        "join telecastersubscribedservice ss on ss.pkid = sp.fktelecastersubscribedservice "
        "join telecasterservice s on s.pkid = ss.fktelecasterservice join device d on d.pkid = ss.fkdevice "
        "where d.name = ? and s.name = ?", (device, service)))


def sql_sent(sim, mark):
    """The SQL statements the modules sent since ``mark`` (from the request log)."""
    import re
    return [re.search(r"<sql>(.*)</sql>", e["request"], re.S).group(1) for e in sim.requests_since(mark)
            if e["operation"] in ("executeSQLQuery", "executeSQLUpdate") and "<sql>" in e["request"]]


# ------------------------------------------------------------------------------------- E.164 numbers
@pytest.mark.parametrize("plus_escape", ["escaped", "verbatim"])
def test_e164_primary_extension_both_forms_idempotent(ansible14, sim14, plus_escape):
    """A DN stored as \\+14085550101 (plus-escape=escaped, what real clusters do) or as sent (verbatim):
    primary_extension declared as +1408... and as \\+1408... converges once and then stays unchanged, in
    cucm_end_user and cucm_end_users; it is read back as +1408...; the DN sent to CUCM is the stored one; no
    SQL statement carries a backslash.  With the default, the IP Phone Agent role derives the agent's extension
    parameter from it (+1408..., never a backslash)."""
    sim = sim14
    sim.faults(compat={"plus-escape": plus_escape})
    add_e164_phone(sim, E164)
    stored = ("\\" + E164) if plus_escape == "escaped" else E164
    assert sim.sql("select dnorpattern from numplan where dnorpattern like '%4085550101'") == [(stored,)]
    extension = {"pattern": E164, "partition": "Internal_PT"}
    escaped = {"pattern": "\\" + E164, "partition": "Internal_PT"}
    tasks = [
        task(USER, "set", userid="user00005", associated_devices={"add": [E164_PHONE]}, primary_extension=extension),
        task(USER, "escaped form", userid="user00005", primary_extension=escaped),
        task(USER, "plain form", userid="user00005", primary_extension=extension),
        task(USERS, "bulk unchanged", users=[{"userid": "user00005", "primary_extension": escaped}]),
        task(USERS, "bulk set", users=[{"userid": "user00006", "associated_devices": {"add": [E164_PHONE]},
                                        "primary_extension": escaped}]),
        task(USERS, "bulk again", users=[{"userid": "user00006", "primary_extension": extension}]),
        task(USER_INFO, "info", userid="user00005"),
        task(USERS, "gathered", state="gathered", users=[{"userid": "user00006"}]),
    ]
    if plus_escape == "escaped":
        tasks.append({"name": "the IP Phone Agent role", "ansible.builtin.include_role": {"name": ROLE}, "vars": {
            "phone_services_self_service_service_url": IPPA_URL,
            "phone_services_self_service_initial_password": "Init-Pw-1",
            "phone_services_self_service_agents": [{"userid": "user00005", "phones": [E164_PHONE]},
                                                   {"userid": "user00006", "phones": ["SEP0A0000000006"],
                                                    "extension": "\\" + E164}],
            "phone_services_self_service_repair": False}})
    mark = sim.mark()
    run = ansible14.run(tasks)
    assert run.rc == 0, run
    changed = [result(run, n)["changed"] for n in ("set", "escaped form", "plain form", "bulk unchanged", "bulk set",
                                                   "bulk again")]
    assert changed == [True, False, False, False, True, False]
    assert primary_of(sim, "user00005") == primary_of(sim, "user00006") == [(stored, "Internal_PT")]
    assert result(run, "info")["users"][0]["primary_extension"] == extension
    assert result(run, "gathered")["users"][0]["primary_extension"] == extension
    statements = sql_sent(sim, mark)
    assert statements and not [s for s in statements if "\\" in s]
    if plus_escape == "escaped":
        rows = sim.sql("select d.name, sp.value, ss.serviceurl from telecastersubscribedparameter sp "
                       "join telecasterserviceparameter p on p.pkid = sp.fktelecasterserviceparameter "
                       "join telecastersubscribedservice ss on ss.pkid = sp.fktelecastersubscribedservice "
                       "join device d on d.pkid = ss.fkdevice where p.name = 'extension' order by d.name")
        # user00005's from its primary extension (stored \+1408...), user00006's declared as \+1408...
        assert [(d, v) for d, v, _u in rows] == [("SEP0A0000000006", E164), (E164_PHONE, E164)]
        assert "extension=%2B14085550101" in rows[0][2] and "extension=%2B14085550101" in rows[1][2]


# ------------------------------------------------------------------------------------- subscriptions
def _selfcare(sim, value, name):
    return {"name": name, "ansible.builtin.uri": {
        "url": "%s/__sim__/selfcare/service-parameter" % sim.base, "method": "POST", "body_format": "json",
        "ca_path": sim.cert, "body": {"device": PHONE, "service": "IPPA", "parameter": "password", "value": value}}}


def _ippa(**extra):
    label, parameters = extra.pop("label", "ippa"), extra.pop("parameters", IPPA_PARAMETERS)
    return task(SERVICE, label, name="IPPA", url=IPPA_URL, parameters=parameters, **extra)


def _agent(label, password="Init-Pw-1", **extra):
    return task(SUB, label, device=PHONE, service="IPPA",
                parameters={"username": "agent1", "password": password, "extension": "2001"}, **extra)


@pytest.mark.parametrize("service_uuid, resave_url, parameter_order", [
    ("absent", "parse", "reverse"), ("present", "parse", "reverse"), ("absent", "ignore", "creation")])
def test_subscription_and_repair_under_every_variant(ansible14, sim14, service_uuid, resave_url, parameter_order):
    """The IP Phone Agent subscription and its repair, with or without a uuid on getPhone's <service> items,
    whether CUCM parses a re-sent URL or ignores it, whatever order it lists parameters in: the service and the
    subscription converge and stay unchanged; an agent's Self Care password is kept (never reverted by a
    re-sent stale URL) and reaches the phone's URL, through the subscription module's heal and through the
    repair (update_subscriptions); removing the subscription leaves the device's other subscription alone."""
    sim = sim14
    sim.faults(compat={"service-uuid": service_uuid, "resave-url": resave_url, "parameter-order": parameter_order})
    reordered = [IPPA_PARAMETERS[2], IPPA_PARAMETERS[0], IPPA_PARAMETERS[1]]
    url_of = ("select ss.serviceurl from telecastersubscribedservice ss join telecasterservice s on "
              "s.pkid = ss.fktelecasterservice where s.name = 'IPPA'")
    mark = sim.mark()
    run = ansible14.run([
        _ippa(), task(SERVICE, "directory", name="Directory", url=DIR_URL,
                      parameters=[{"name": "dept", "display_name": "Department"}]),
        task(SUB, "directory sub", device=PHONE, service="Directory", parameters={"dept": "sales"}),
        _agent("subscribe"),
        _ippa(label="ippa again"), _ippa(label="ippa reordered", parameters=reordered), _agent("subscribe again"),
        _selfcare(sim, "Agent-Own-1", "self care"),
        _agent("heal"), _agent("heal again"),
        read_back_task(sim, "after heal", url_of),
        _selfcare(sim, "Agent-Own-2", "self care 2"),
        _ippa(label="repair", update_subscriptions=True), _ippa(label="repair again", update_subscriptions=True),
        task(SUB_INFO, "info", device=PHONE),
        task(SUB, "remove", device=PHONE, service="IPPA", state="absent"),
    ])
    assert run.rc == 0, run
    changed = dict((n, result(run, n)["changed"]) for n in (
        "ippa", "subscribe", "ippa again", "ippa reordered", "subscribe again", "heal", "heal again", "repair",
        "repair again", "remove"))
    assert changed == {"ippa": True, "subscribe": True, "ippa again": False, "ippa reordered": False,
                       "subscribe again": False, "heal": True, "heal again": False, "repair": True,
                       "repair again": False, "remove": True}
    assert result(run, "heal")["url_rebuilt"] is True
    assert "password=Agent-Own-1" in read_back(run, "after heal")[0][0]
    assert result(run, "repair")["subscriptions"]["stale"] == 1
    info = result(run, "info")["subscriptions"]
    assert [(s["service"], s["stale"]) for s in info] == [("Directory", False), ("IPPA", False)]
    assert info[1]["parameters"]["password"] == MASK
    # the agent's own password survived the heal and the repair (never reverted by a URL sent back)
    sent = [e for e in sim.requests_since(mark) if e["operation"] == "updatePhone"]
    assert sent and not [e for e in sent if "<url>" in e["request"]]
    # the Directory subscription is untouched; only the IPPA one went
    assert sim.sql("select s.name, ss.serviceurl from telecastersubscribedservice ss join telecasterservice s "
                   "on s.pkid = ss.fktelecasterservice join device d on d.pkid = ss.fkdevice where d.name = ?",
                   (PHONE,)) == [("Directory", DIR_URL + "?dept=sales")]
    assert values(sim, PHONE, "Directory") == {"dept": "sales"}


def test_subscription_values_after_repair_before_removal(ansible14, sim14):
    """The repair keeps the Self Care value (checked before anything is removed), under the default resave-url=parse:
    the re-save carries no URL, so nothing can be parsed back over the agent's password."""
    sim = sim14
    run = ansible14.run([_ippa(), _agent("subscribe"), _selfcare(sim, "Agent-Own-9", "self care"),
                         _ippa(label="repair", update_subscriptions=True)])
    assert run.rc == 0, run
    assert values(sim, PHONE) == {"username": "agent1", "password": "Agent-Own-9", "extension": "2001"}
    assert sim.admin("GET", "effective-urls", params={"device": PHONE})["subscriptions"][0]["url"].endswith(
        "username=agent1&password=Agent-Own-9&extension=2001")


# ------------------------------------------------------------------------------------- local and LDAP users
@pytest.mark.parametrize("ldap_name, padding, fk_case", [("local", "pad", "insensitive"), ("empty", "trim", "exact")])
def test_local_users_are_local_and_queries_ignore_padding(ansible14, sim14, ldap_name, padding, fk_case):
    """A local user reads 'Local' (ldap-directory-name=local, a real 12.5 capture) or nothing (empty): either way
    the modules treat it as local (directory-owned fields change, it can be deleted, cucm_end_user_info says no
    directory) and an LDAP user as LDAP (from the directory link, by SQL).  The reference and group queries work
    whether CUCM blank-pads UNION literals (char-padding=pad) or not, and the names the modules send match
    whether CUCM compares reference names with or without case (fk-name-case)."""
    sim = sim14
    sim.faults(compat={"ldap-directory-name": ldap_name, "char-padding": padding, "fk-name-case": fk_case})
    run = ansible14.run([
        task(USER, "rename local", userid="user00005", first_name="Renamed"),
        task(USER, "group by reference", userid="user00005", groups={"add": ["Standard CTI Enabled"]}),
        task(GROUP, "members", name="Standard CTI Enabled", members={"add": ["user00006"]}),
        task(GROUP, "members again", name="Standard CTI Enabled", members={"add": ["user00006"]}),
        task(USER_INFO, "info local", userid="user00005"),
        task(USER_INFO, "info ldap", userid="user00001"),
        dict(task(USER, "ldap field", userid="user00001", department="Elsewhere"), ignore_errors=True),
        task(USER, "delete local", userid="user00007", state="absent"),
        task(USER, "create with references", userid="fk.case", last_name="Case", presence_group="Standard Presence group",
             subscribe_css="Internal_CSS", groups={"set": ["Standard CCM End Users"]}),
        dict(task(USER, "delete ldap", userid="user00002", state="absent"), ignore_errors=True),
    ])
    assert run.rc == 0, run
    statuses = dict((name, r["status"]) for name, r in results(run).items())
    assert [statuses[n] for n in ("rename local", "group by reference", "members", "delete local",
                                  "create with references")] == ["ok"] * 5
    assert sim.sql("select m.name, c.name from enduser e join matrix m on m.pkid = e.fkmatrix_presence join "
                   "callingsearchspace c on c.pkid = e.fkcallingsearchspace_restrict where e.userid = 'fk.case'") == [
        ("Standard Presence group", "Internal_CSS")]
    assert [result(run, n)["changed"] for n in ("rename local", "group by reference", "members", "members again",
                                                "delete local")] == [True, True, True, False, True]
    assert result(run, "info local")["read_only"]["user00005"]["ldap_directory"] == ""
    assert result(run, "info ldap")["read_only"]["user00001"]["ldap_directory"] == "corp-ldap"
    assert statuses["ldap field"] == statuses["delete ldap"] == "failed"
    assert "LDAP directory 'corp-ldap'" in result(run, "ldap field")["msg"]
    assert sim.sql("select firstname from enduser where userid = 'user00005'") == [("Renamed",)]
    assert sim.sql("select count(*) from enduser where userid in ('user00007', 'user00002')") == [(1,)]
    assert sim.sql("select u.userid from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser join dirgroup g "
                   "on g.pkid = m.fkdirgroup where g.name = 'Standard CTI Enabled' order by u.userid") == [
        ("user00005",), ("user00006",)]


# ------------------------------------------------------------------------------------- database rules
def test_database_rules_checked_before_writing(runner, sim14):
    """RI-2159 (mail, directory URI, user identity, self-service ID unique across users), MFI-784 (first + last
    name + mail unique) and the home cluster that IM and Presence needs: refused before any write, naming the rule,
    in cucm_end_user and cucm_end_users."""
    sim = sim14
    first, last = sim.sql("select firstname, lastname from enduser where userid = 'user00006'")[0]
    cases = {
        "mail": (task(USER, "mail", userid="user00005", mail="USER00006@example.com"), "RI-2159"),
        "uri": (task(USER, "uri", userid="user00005", directory_uri="user00006@example.com"), "RI-2159"),
        "identity": (task(USER, "identity", userid="user00005", user_identity="user00006@example.com"), "RI-2159"),
        "names": (task(USER, "names", userid="newcomer", first_name=first, last_name=last,
                       mail="user00006@example.com"), "MFI-784"),
        "names only": (task(USER, "names only", userid="newcomer", first_name=first, last_name=last), None),
        "im": (task(USER, "im", userid="user00005", home_cluster=False, im_and_presence=True), "home cluster"),
        "bulk mail": (task(USERS, "bulk mail", users=[{"userid": "user00005", "mail": "same@example.com"},
                                                      {"userid": "user00008", "mail": "same@example.com"}]), "RI-2159"),
        "bulk names": (task(USERS, "bulk names", users=[{"userid": "bulk1", "last_name": "Twin"},
                                                        {"userid": "bulk2", "last_name": "Twin"}]), "MFI-784"),
    }
    setup = task(USER, "uri owner", userid="user00006", directory_uri="user00006@example.com")
    run = runner.run([setup] + [dict(t, ignore_errors=True) for t, _rule in cases.values()])
    assert run.rc == 0, run
    for name, (_t, rule) in cases.items():
        step = run.steps[name]
        if rule is None:        # same names, another (empty) mail: allowed
            assert step["status"] == "ok" and step["writes"] > 0, (name, step)
            continue
        assert step["status"] == "failed" and step["writes"] == 0 and not step["diff"], (name, step)
        message = result(run, name)["msg"]
        assert rule in message and "Nothing was written" in message, (name, message)


# ------------------------------------------------------------------------------------- large answers
@pytest.mark.parametrize("mode", ["drop", "memory"])
def test_bulk_reads_survive_cut_off_answers(ansible14, sim14, mode):
    """CUCM 12.5 may cut a large answer off or answer "Maximum AXL Memory Allocation Consumed": the bulk read
    shrinks its pages and returns every user."""
    sim = sim14
    sim.faults(max_response_bytes=6000, too_large=mode)
    run = ansible14.run([task(USERS, "gathered", state="gathered", users=[], retry_delay=0.01)])
    assert run.rc == 0, run
    assert sorted(u["userid"] for u in result(run, "gathered")["users"]) == [
        u for (u,) in sim.sql("select userid from enduser order by userid")]
    stats = sim.stats()
    assert (stats["dropped"] if mode == "drop" else stats["faults"]) > 0
