"""The reliability and security campaign (issue 9): bad input, hostile input on the SQL paths, faults,
secrets, TLS, concurrency and the release gates, every case run here and recorded as a row of
``docs/reliability.md`` (written by the last test of the campaign to finish; see reliability_support).

Each test batches its cases into few ansible-playbook runs (one task per case, ``ignore_errors``)
against the real simulator; what each task wrote is read independently after it by the ``sim_probe``
callback (the simulator's counters and its database, table by table).  A test fails if any of its
rows fails; the rows are saved either way, so the report shows what failed.
"""

import json
import random
import shutil
import subprocess
import threading
import time
from pathlib import Path

import yaml

from reliability_support import (
    MASK, Runner, case_tasks, changed_tables, db_diff, normalized, raw_axl, read_back, read_back_task,
    results_by_task, snippet, whole)

USER = "voiceops.cucm.cucm_end_user"
USER_INFO = "voiceops.cucm.cucm_end_user_info"
USERS = "voiceops.cucm.cucm_end_users"
GROUP = "voiceops.cucm.cucm_user_group"
GROUP_INFO = "voiceops.cucm.cucm_user_group_info"
ROLE = "voiceops.cucm.cucm_role"
ROLE_INFO = "voiceops.cucm.cucm_role_info"
SERVICE = "voiceops.cucm.cucm_phone_service"
SERVICE_INFO = "voiceops.cucm.cucm_phone_service_info"
SUB = "voiceops.cucm.cucm_phone_service_subscription"
SUB_INFO = "voiceops.cucm.cucm_phone_service_subscription_info"
LEAVER_DEVICES = "voiceops.cucm.cucm_leaver_devices"
MODULES = (USER, USER_INFO, USERS, GROUP, GROUP_INFO, ROLE, ROLE_INFO, SERVICE, SERVICE_INFO, SUB, SUB_INFO)

PHONE, PHONE2, PROFILE = "SEP0A0000000001", "SEP0A0000000002", "UDP_user00001"
STD, CTI = "Standard CCM End Users", "Standard CTI Enabled"
ADMIN_APP = "Cisco Call Manager Administration"
PSWP = "Phone Services web pages"
IPPA_URL = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
DIR_URL = "http://apps.example.com/directory"
IPPA_PARAMETERS = [{"name": "username", "display_name": "Agent ID", "required": True},
                   {"name": "password", "display_name": "Agent password", "required": True, "password": True},
                   {"name": "extension", "display_name": "Extension", "required": True}]
FAST = {"retry_delay": 0.01}


def is_write(operation):
    return operation == "executeSQLUpdate" or operation.startswith(("add", "update", "remove"))


def short(module):
    return module.rsplit(".", 1)[-1]


def task(module, label="t", /, **options):
    return {"name": label, module: options, "register": "r"}


def ippa(**extra):
    options = dict(name="IPPA", description="UCCX IP Phone Agent", url=IPPA_URL, parameters=IPPA_PARAMETERS)
    options.update(extra)
    return task(SERVICE, "ippa", **options)


def msg_of(result):
    return (result or {}).get("result", {}).get("msg") or ""


def has_traceback(result):
    text = json.dumps((result or {}).get("result", {}))
    return "Traceback (most recent call last)" in text or "unexpected error" in text


# ===================================================================================== 1. bad input
def _bad_input_cases():
    """``(id, module, options, option named, extra text expected, what the case is)``."""
    u = dict(userid="relbad", last_name="Bad")
    cases = [
        # cucm_end_user
        ("E01", USER, dict(u, max_desk_pickup_wait_time="soon"), "max_desk_pickup_wait_time", "", "wrong type (int)"),
        ("E03", USER, dict(u, middle_name="m" * 65), "middle_name", "65 bytes", "over the DB limit (64)"),
        ("E05", USER, dict(u, self_service_id="5" * 51), "self_service_id", "51 bytes", "over the XSD limit (String50)"),
        ("E06", USER, dict(u, userid="u" * 129), "userid", "129 bytes", "over the DB limit (128)"),
        ("E07", USER, dict(u, userid="ü" * 65), "userid", "130 bytes", "65 letters = 130 UTF-8 bytes"),
        ("E08", USER, dict(u, state="gone"), "state", "", "bad enum"),
        ("E10", USER, dict(u, groups={"add": ["No Such Group"]}), "groups", "unknown access control group",
         "unknown group"),
        ("E11", USER, dict(u, associated_devices={"add": ["SEPFFFFFFFFFFFF"]}), "associated_devices", "unknown phone",
         "unknown device"),
        ("E12", USER, dict(u, presence_group="Nope PG"), "presence_group", "unknown presence group",
         "unknown presence group"),
        ("E16", USER, dict(u, groups={"set": [STD], "add": [CTI]}), "groups", "cannot be combined",
         "conflicting options: set + add"),
        ("E18", USER, dict(u, pin="12ab"), "pin", "digits only", "PIN with letters"),
        ("E19", USER, dict(u, pin="١٢٣٤"), "pin", "digits only", "unicode where not allowed (Arabic-Indic digits)"),
        ("E20", USER, dict(u, userid=""), "userid", "must not be empty", "empty name"),
        ("E22", USER, dict(u, associated_devices={"set": [PHONE]},
                           primary_extension={"pattern": "100002", "partition": "Internal_PT"}),
         "primary_extension", "is not a line", "line of another user's phone"),
        ("E23", USER, dict(userid="relbad", first_name="No Last"), "last_name", "creating it needs", "create without "
         "the required option"),
        ("E24", USER, dict(u, titel="typo"), "titel", "Unsupported parameters", "unknown option"),
        ("E25", USER, dict(u, groups={"add": [""]}), "groups", "empty names", "empty name in a list"),
        ("E26", USER, dict(userid="user00001", department="Elsewhere"), "department", "LDAP",
         "conflict: directory-owned field of an LDAP user"),
        ("E27", USER, dict(u, groups="Standard CCM End Users"), "groups", "", "wrong type (text for add/remove/set)"),
        # cucm_end_users
        ("B01", USERS, dict(users=[u], users_file="/tmp/x.json"), "users_file", "mutually exclusive",
         "mutually exclusive options"),
        ("B02", USERS, dict(users_file="/nonexistent/users.json"), "users_file", "does not exist", "missing file"),
        ("B03", USERS, dict(users_file="{{ bad_dir }}/broken.json"), "users_file", "cannot be read",
         "malformed JSON"),
        ("B05", USERS, dict(users_file="{{ bad_dir }}/badint.csv"), "max_desk_pickup_wait_time",
         "users_file line 2", "CSV cell of the wrong type"),
        ("B07", USERS, dict(users_file="{{ bad_dir }}/dupes.json"), "users[1]", "declared more than once",
         "the same userid twice"),
        ("B09", USERS, dict(state="overridden", users=[u]), "scope", "", "overridden without scope"),
        ("B10", USERS, dict(users=[u], concurrency=0), "concurrency", "between 1 and 8", "out of range"),
        ("B12", USERS, dict(users=[dict(u, pin="1234")]), "pin", "only read from users_file", "inline secret"),
        ("B13", USERS, dict(state="overridden", scope={"userid": "user%"}, users=[{"userid": "user00003"}],
                            max_deletions=3),
         "max_deletions", "would delete", "overridden beyond max_deletions"),
        ("B14", USERS, dict(users=[dict(u, groups={"add": ["No Such Group"]})]), "groups",
         "unknown access control group", "unknown group in a bulk item"),
        # cucm_user_group
        ("G01", GROUP, dict(name="Grp'x", members={"add": ["user00003"]}), "name", "not valid", "quote in a name"),
        ("G02", GROUP, dict(name="G" * 129), "name", "129 bytes", "over the DB limit (128)"),
        ("G03", GROUP, dict(name="Grüppe"), "name", "not valid", "unicode where not allowed"),
        ("G04", GROUP, dict(name="Relgrp", roles={"add": ["Nope Role"]}), "roles", "unknown role", "unknown role"),
        ("G05", GROUP, dict(name="Relgrp", members={"add": ["nobody"]}), "members", "unknown end user",
         "unknown user"),
        ("G08", GROUP, dict(name="Relgrp", copy_from="No Such Group"), "copy_from", "no access control group",
         "unknown group to copy"),
        ("G09", GROUP, dict(name=STD, roles={"add": [CTI]}), "roles", "standard group",
         "roles of a standard group"),
        ("G10", GROUP, dict(name="Relgrp", members=["user00003"]), "members", "", "wrong type (list for add/remove/set)"),
        # cucm_role
        ("R01", ROLE, dict(name="Rôle ☎", description="x"), "name", "not valid", "unicode where not allowed"),
        ("R03", ROLE, dict(name="Relrole", description="d" * 129), "description", "129 bytes",
         "over the DB limit (128)"),
        ("R04", ROLE, dict(name="Relrole", application="Cisco Call Manager Admin"), "application",
         "unknown application", "unknown application"),
        ("R05", ROLE, dict(name="Relrole", resources={"add": [{"name": "Phone Service web pages",
                                                               "permission": "read"}]}),
         "resources", "unknown resource", "unknown resource"),
        ("R06", ROLE, dict(name="Relrole", resources={"add": [{"name": PSWP, "permission": "write"}]}), "permission",
         "", "bad enum"),
        ("R09", ROLE, dict(name="Relrole", copy_from="No Such Role"), "copy_from", "no role", "unknown role to copy"),
        ("R10", ROLE, dict(name="Relrole", detach_from_groups="maybe"), "detach_from_groups", "", "wrong type (bool)"),
        ("R11", ROLE, dict(name="", description="x"), "name", "must not be empty", "empty name"),
        # cucm_phone_service
        ("S01", SERVICE, dict(name="Relsvc", url=DIR_URL, category="Audio"), "category", "", "bad enum"),
        ("S03", SERVICE, dict(name="Relsvc", url='http://x/"q"'), "url", "not valid", "double quote in a URL"),
        ("S05", SERVICE, dict(name="N" * 33, url=DIR_URL), "name", "at most 32", "over the limit of an XML service"),
        ("S07", SERVICE, dict(name="Relsvc", url=DIR_URL, parameters=[{"name": "a"}, {"name": "a"}]), "parameters",
         "more than once", "duplicate parameter"),
        ("S10", SERVICE, dict(name="Relsvc", url=DIR_URL, enterprise_subscription=True, parameters=[{"name": "a"}]),
         "parameters", "enterprise subscription", "conflicting options"),
        ("S11", SERVICE, dict(name="Relsvc", description="no url"), "url", "needs url", "missing url"),
        ("S12", SERVICE, dict(name="Everyone", enterprise_subscription=False), "enterprise_subscription",
         "only when a service is created", "create-only option changed"),
        ("S14", SERVICE, dict(name="Relsvc", url=DIR_URL, parameters="a"), "parameters", "", "wrong type (list)"),
        # cucm_phone_service_subscription
        ("P01", SUB, dict(device="SEPFFFFFFFFFFFF", service="IPPA"), "device", "unknown phone", "unknown device"),
        ("P02", SUB, dict(device=PHONE, service="IPPA", device_type="desk"), "device_type", "", "bad enum"),
        ("P03", SUB, dict(device=PHONE, service="IPPB"), "service", "unknown IP phone service", "unknown service"),
        ("P04", SUB, dict(device=PHONE, service="IPPA", parameters={"username": "a", "password": "Pw-Bad-1", "extension": "1",
                                                                    "extention": "1"}),
         "parameters", "no parameter 'extention'", "unknown parameter"),
        ("P05", SUB, dict(device=PHONE2, service="IPPA", parameters={"username": "a"}), "parameters", "requires",
         "required parameter missing"),
        ("P06", SUB, dict(device=PHONE, service="IPPA", parameters={"username": "u" * 101}), "parameters",
         "at most 100", "over the DB limit (100)"),
        ("P08", SUB, dict(device=PHONE, service="IPPA", parameters={"username": "agent ☎"}), "parameters",
         "not valid", "unicode where not allowed (printable ASCII only)"),
        ("P10", SUB, dict(device=PHONE, service="IPPA", url_button_index=-1), "url_button_index",
         "must be 0", "out of range"),
        ("P12", SUB, dict(device=PROFILE, service="IPPA"), "device_type", "is a device profile",
         "device of the other type"),
        ("P13", SUB, dict(device=PHONE, service="IPPA", url_button_index=1, parameters={
            "username": "a", "password": "Pw-Bad-1", "extension": "1"}), "url_button_index",
         "already used", "button taken by another subscription"),
        ("P14", SUB, dict(device=PHONE, service="Everyone"), "service", "enterprise subscription",
         "enterprise subscription service"),
        # cucm_leaver_devices
        ("L01", LEAVER_DEVICES, dict(userids=[]), "userids", "at least one", "empty list"),
        ("L02", LEAVER_DEVICES, dict(userids=["user00001", ""]), "userids", "is empty", "empty name in a list"),
        ("L03", LEAVER_DEVICES, dict(userids=["a\\b"]), "userids", "backslash", "backslash (refused for SQL)"),
        ("L04", LEAVER_DEVICES, dict(userids=["user00001"], kinds=["printer"]), "kinds", "", "bad enum"),
        ("L05", LEAVER_DEVICES, dict(userids=["user00001"], kinds=[]), "kinds", "at least one", "empty list"),
        # info modules and the connection options
        ("I01", USER_INFO, dict(userid="user%", page_size="many"), "page_size", "", "wrong type (int)"),
        ("I05", SUB_INFO, dict(), "device", "one of", "neither device nor service"),
        ("I06", ROLE_INFO, dict(name="Standard\nCCM"), "name", "control character", "line break in a pattern"),
        ("C01", USER, dict(u, axl_version="13.0"), "axl_version", "", "bad enum (connection option)"),
        ("C04", USER, dict(u, ca_path="/nonexistent/ca.pem"), "ca_path", "does not exist", "missing CA file"),
        ("C05", SERVICE_INFO, dict(cucm_host=None), "cucm_host", "missing", "required connection option missing"),
    ]
    return [dict(id=i, module=m, task=task(m, **o), option=opt, text=t, what=w) for i, m, o, opt, t, w in cases]


def _bad_files(folder):
    folder.mkdir(exist_ok=True)
    (folder / "broken.json").write_text('{"users": [{"userid": "a",}]}')
    (folder / "users.txt").write_text("userid\nrelbad\n")
    (folder / "badint.csv").write_text("userid,last_name,max_desk_pickup_wait_time\nrelbad,Bad,soon\n")
    (folder / "scalar.yml").write_text("just text\n")
    (folder / "dupes.json").write_text(json.dumps([{"userid": "relbad", "last_name": "A"},
                                                   {"userid": "relbad", "last_name": "B"}]))
    (folder / "notdict.json").write_text(json.dumps(["relbad"]))
    return folder


def test_bad_input(runner, sim14, rec, tmp_path):
    setup = [ippa(), task(SERVICE, "directory", name="Directory", url=DIR_URL),
             task(SERVICE, "everyone", name="Everyone", url=DIR_URL, enterprise_subscription=True),
             task(SUB, "taken", device=PHONE, service="Directory", url_button_index=1, url_label="Dir")]
    run = runner.run(setup)
    assert run.rc == 0, run
    cases = _bad_input_cases()
    before = whole(sim14)
    conn = runner.connection()
    tasks = []
    for case in cases:
        t = dict(case["task"], name="case %s" % case["id"], ignore_errors=True)
        options = t[case["module"]]
        if "cucm_host" in options and options["cucm_host"] is None:
            options.pop("cucm_host")
            t["module_defaults"] = {"group/voiceops.cucm.cucm": dict((k, v) for k, v in conn.items() if k != "cucm_host")}
        tasks.append(t)
    run = runner.run(tasks, play_vars={"bad_dir": str(_bad_files(tmp_path / "bad"))})
    results = results_by_task(run)
    for case in cases:
        name = "case %s" % case["id"]
        result, step = results.get(name), run.steps.get(name, {})
        msg = msg_of(result)
        failed = (result or {}).get("status") == "failed"
        names_option = case["option"] in msg and case["text"] in msg
        wrote = step.get("writes", "?")
        tables = changed_tables(step) if step else ["?"]
        ok = failed and names_option and wrote == 0 and not tables and not has_traceback(result)
        rec.add(case["id"], "bad-input", short(case["module"]),
                "%s: fails naming `%s`%s; 0 writes; DB unchanged" % (
                    case["what"], case["option"], " (%s)" % case["text"] if case["text"] else ""),
                "%s: \"%s\"; writes %s; tables changed: %s" % (
                    "failed" if failed else (result or {}).get("status"), snippet(msg, 220), wrote,
                    ", ".join(tables) or "none"),
                ok)
    ok = whole(sim14) == before
    rec.add("E-all", "bad-input", "all", "the database after all %d cases equals the database before them" % len(cases),
            "equal" if ok else "differs: %s" % snippet(db_diff(before, whole(sim14)), 300), ok)
    rec.verify()


# ===================================================================================== 2. hostile input
ROLE_OK = "Ro -- le /x (1)"
GROUP_OK = "Grp -- x_1.0"
SVC_PARAM = "a;b--c"
HOSTILE_IDS = ["o'hare", "x'; delete from enduser; --", "100%_user"]


def _hostile_cases():
    """``(id, module, options, expected, what)``: expected is ``("fail", option, [texts])`` or
    ``("ok", tables the task may change, check)`` where check is ``(sql, params, rows)`` read afterwards."""
    pw = "Pw'; delete from telecastersubscribedparameter; --"

    def fail(option, *texts):
        return ("fail", option, list(texts))

    def ok(added, query=None, params=(), rows=None):
        return ("ok", dict(added), (query, params, rows) if query else None)

    role_q = "select name, description from functionrole where name = ?"
    cases = [
        ("H01", ROLE, dict(name="Ro'le", description="h"), fail("name", "\"Ro'le\" is not valid"), "role name: quote"),
        ("H02", ROLE, dict(name="x' OR '1'='1", description="h"), fail("name", "is not valid"), "role name: injection"),
        ("H03", ROLE, dict(name=ROLE_OK, description="h"), ok({"functionrole": 1}, role_q, (ROLE_OK,), [(ROLE_OK, "h")]),
         "role name: -- / ( ) allowed, stored exactly"),
        ("H04", ROLE, dict(name="Hostile D1", description="it's \"q\" ''2''"),
         ok({"functionrole": 1}, role_q, ("Hostile D1",), [("Hostile D1", "it's \"q\" ''2''")]), "description: quotes"),
        ("H05", ROLE, dict(name="Hostile D2", description="'; delete from functionrole; --"),
         ok({"functionrole": 1}, role_q, ("Hostile D2",), [("Hostile D2", "'; delete from functionrole; --")]),
         "description: injection"),
        ("H06", ROLE, dict(name="Hostile D3", description="100% _x_ /* c */ {c}"),
         ok({"functionrole": 1}, role_q, ("Hostile D3",), [("Hostile D3", "100% _x_ /* c */ {c}")]),
         "description: wildcards, comment, braces"),
        ("H07", ROLE, dict(name="Hostile D4", description="Ü – 電話 ✓"),
         ok({"functionrole": 1}, role_q, ("Hostile D4",), [("Hostile D4", "Ü – 電話 ✓")]), "description: non-ASCII"),
        ("H08", ROLE, dict(name="Hostile D5", description="back\\slash"), fail("description", "backslash"),
         "description: backslash"),
        ("H09", ROLE, dict(name="Hostile D6", description="line\nbreak"), fail("description", "control character"),
         "description: line break"),
        ("H10", ROLE, dict(name="Hostile R", resources={"add": [{"name": n, "permission": "read"} for n in (
            PSWP + "' OR '1'='1", "Phone%", "Phone_Services web pages", PSWP + "; --")]}),
         fail("resources", *["unknown resource %r" % n for n in (PSWP + "' OR '1'='1", "Phone%",
                                                                 "Phone_Services web pages", PSWP + "; --")]),
         "resource names: injection, wildcards, comment"),
        ("H11", ROLE, dict(name="Hostile A", application=ADMIN_APP + "' OR '1'='1"),
         fail("application", "unknown application"), "application: injection"),
        ("H12", ROLE, dict(name="Hostile A", application="Cisco%"), fail("application", "unknown application 'Cisco%'"),
         "application: wildcard"),
        ("H13", ROLE, dict(name="Hostile C", copy_from="Standard%' --"), fail("copy_from", "no role"),
         "role copy_from: wildcard + comment"),
        ("H14", GROUP, dict(name="Hostile C", copy_from=STD + "' OR '1'='1"), fail("copy_from", "no access control group"),
         "group copy_from: injection"),
        ("H15", GROUP, dict(name="Grp';--"), fail("name", "is not valid"), "group name: injection"),
        ("H16", GROUP, dict(name=GROUP_OK, members={"add": ["user00007"]}),
         ok({"dirgroup": 1, "enduserdirgroupmap": 1}, "select name from dirgroup where name = ?", (GROUP_OK,), [(GROUP_OK,)]),
         "group name: -- _ . allowed, stored exactly"),
        ("H17", GROUP, dict(name="Hostile M", members={"add": ["o'hara"]}),
         ok({"dirgroup": 1, "enduserdirgroupmap": 1},
            "select u.userid from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser join dirgroup g on "
            "g.pkid = m.fkdirgroup where g.name = ?", ("Hostile M",), [("o'hara",)]), "group member: quote in a userid"),
        ("H18", GROUP, dict(name="Hostile M", members={"add": ["user00003' OR '1'='1", "user%", "user0000_"]}),
         fail("members", "unknown end user \"user00003' OR '1'='1\"", "unknown end user 'user%'",
              "unknown end user 'user0000_'"), "group members: injection, wildcards"),
        ("H19", GROUP, dict(name="Hostile M", members={"add": ["user\\3"]}), fail("members", "backslash"),
         "group member: backslash"),
        ("H20", GROUP, dict(name="Hostile M", roles={"add": ["Standard%", STD + "'--"]}),
         fail("roles", "unknown role 'Standard%'", "unknown role \"Standard CCM End Users'--\""),
         "group roles: wildcard, quote + comment"),
        ("H21", GROUP, dict(name="Hostile M", roles={"add": [ROLE_OK]}),
         ok({"functionroledirgroupmap": 1}, "select r.name from functionroledirgroupmap m join functionrole r on "
            "r.pkid = m.fkfunctionrole join dirgroup g on g.pkid = m.fkdirgroup where g.name = ?", ("Hostile M",),
            [(ROLE_OK,)]), "group role: a role name with -- and /"),
        ("H22", SUB, dict(device=PHONE, service="IPPA", parameters={"password' OR '1'='1": "x"}),
         fail("parameters", "no parameter \"password' OR '1'='1\""), "subscription parameter name: injection"),
        ("H23", SUB, dict(device=PHONE, service="IPPA", parameters={
            "username": "o'brien; --", "password": pw, "extension": "100% _1_"}),
         ok({"telecastersubscribedservice": 1, "telecastersubscribedparameter": 3},
            "select p.name, sp.value from telecastersubscribedparameter sp join telecasterserviceparameter p on "
            "p.pkid = sp.fktelecasterserviceparameter join telecastersubscribedservice ss on ss.pkid = "
            "sp.fktelecastersubscribedservice join device d on d.pkid = ss.fkdevice where d.name = ? order by p.name",
            (PHONE,), [("extension", "100% _1_"), ("password", pw), ("username", "o'brien; --")]),
         "subscription parameter values: quotes, injection, wildcards (SQL inserts)"),
        ("H24", SUB, dict(device=PHONE, service="IPPA", parameters={"username": "a\\b"}), fail("parameters", "backslash"),
         "subscription parameter value: backslash"),
        ("H25", SERVICE, dict(name="Hostile Svc", url=DIR_URL, parameters=[{"name": SVC_PARAM, "default": "d' OR '1'='1"}]),
         ok({"telecasterservice": 1, "telecasterserviceparameter": 1},
            "select name, defaultvalue from telecasterserviceparameter where name = ?", (SVC_PARAM,),
            [(SVC_PARAM, "d' OR '1'='1")]), "service parameter name with ; and --, default with quotes"),
        ("H26", SUB, dict(device=PHONE2, service="Hostile Svc", parameters={SVC_PARAM: "v'; --"}),
         ok({"telecastersubscribedservice": 1, "telecastersubscribedparameter": 1},
            "select sp.value from telecastersubscribedparameter sp join telecasterserviceparameter p on "
            "p.pkid = sp.fktelecasterserviceparameter where p.name = ?", (SVC_PARAM,), [("v'; --",)]),
         "subscription to that parameter: value with quote and comment"),
        ("H27", USERS, dict(users_file="{{ hostile_dir }}/users.json", default_pin="24680"),
         ok({"enduser": 3, "credential": 6, "enduserdirgroupmap": 3}, "select userid from enduser where userid in (?, ?, ?) "
            "order by userid", tuple(HOSTILE_IDS), sorted((u,) for u in HOSTILE_IDS)),
         "users_file userids with quotes, injection, wildcards (created)"),
        ("H28", USERS, dict(users_file="{{ hostile_dir }}/backslash.json"), fail("userid", "backslash"),
         "users_file userid: backslash"),
        ("H29", USERS, dict(state="overridden", scope={"userid": "zz' OR '1'='1"}, users=[], allow_empty=True,
                            max_deletions=0),
         ok({}), "overridden scope: injection (matches no user, deletes none)"),
        ("H30", USERS, dict(state="deleted", users=[{"userid": "nobody' OR '1'='1"}, {"userid": "user%"}]), ok({}),
         "deleted: injection and wildcard userids (no such users, deletes none)"),
        ("H33", LEAVER_DEVICES, dict(userids=["x'; delete from device; --", "nobody' OR '1'='1", "user%"]), ok({}),
         "leaver devices: injection and wildcard userids (no such users, deletes none)"),
        ("H31", USER, dict(userid="relx", last_name="X", groups={"add": [STD + "' OR '1'='1"]}),
         fail("groups", "unknown access control group"), "end user reference: injection"),
        ("H32", USER, dict(userid="o'neil; --", last_name="O'Neil", presence_group="Standard Presence group"),
         ok({"enduser": 1, "credential": 2, "enduserdirgroupmap": 1}, "select userid, lastname from enduser where userid = ?",
            ("o'neil; --",), [("o'neil; --", "O'Neil")]), "end user: quote and comment in a userid (create)"),
    ]
    return [dict(id=i, module=m, task=task(m, **o), expected=e, what=w) for i, m, o, e, w in cases]


# info-module patterns: (id, module, options, result key, expected names)
HOSTILE_INFO = [
    ("H40", ROLE_INFO, dict(name="%' OR '1'='1"), "roles", []),
    ("H41", ROLE_INFO, dict(name="Ro -- le%"), "roles", [ROLE_OK]),
    ("H42", GROUP_INFO, dict(name="x' OR '1'='1"), "groups", []),
    ("H43", GROUP_INFO, dict(name="Grp -- %", members=True), "groups", [GROUP_OK]),
    ("H44", USER_INFO, dict(userid="o'hara"), "users", ["o'hara"]),
    ("H45", USER_INFO, dict(userid="%' OR '1'='1"), "users", []),
    ("H46", SUB_INFO, dict(device=PHONE + "' OR '1'='1"), "subscriptions", []),
    ("H47", SUB_INFO, dict(service="IPPA' --"), "subscriptions", []),
    ("H48", SERVICE_INFO, dict(name="%' OR '1'='1"), "services", []),
    ("H49", USERS, dict(state="gathered", scope={"userid": "%' OR '1'='1"}), "users", []),
]


def _names(key, value):
    field = {"roles": "name", "groups": "name", "users": "userid", "subscriptions": "device", "services": "name"}[key]
    return sorted(item[field] for item in value or [])


def test_hostile_input(runner, sim14, rec, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    # distinct mails: CUCM wants first name + last name + mail unique across users (MFI-784)
    (folder / "users.json").write_text(json.dumps({"users": [{"userid": u, "last_name": "Hostile", "pin": "13579",
                                                              "mail": "hostile%d@example.com" % i, "groups": {"set": [STD]}}
                                                             for i, u in enumerate(HOSTILE_IDS)]}))
    (folder / "backslash.json").write_text(json.dumps([{"userid": "a\\b", "last_name": "B"}]))
    run = runner.run([ippa(), task(USER, "o'hara", userid="o'hara", last_name="Hostile")])
    assert run.rc == 0, run
    cases = _hostile_cases()
    info = [dict(id=i, module=m, task=task(m, **o), key=k, names=n) for i, m, o, k, n in HOSTILE_INFO]
    before = whole(sim14)
    run = runner.run(case_tasks(cases) + case_tasks(info), play_vars={"hostile_dir": str(folder)})
    results = results_by_task(run)
    expected_tables = set()
    for case in cases:
        name = "case %s" % case["id"]
        result, step = results.get(name), run.steps.get(name, {})
        msg, status = msg_of(result), (result or {}).get("status")
        diff = step.get("diff", {"?": None})
        removed = sorted(t for t, d in diff.items() if d and d["removed"])
        kind = case["expected"][0]
        if kind == "fail":
            option, texts = case["expected"][1:]
            good = status == "failed" and "%s:" % option in msg and all(t in msg for t in texts) and not diff \
                and step.get("writes") == 0 and not has_traceback(result)
            expected = "refused naming `%s`; 0 writes; no row changed" % option
            observed = "%s: \"%s\"; writes %s; tables changed: %s" % (
                status, snippet(msg, 200), step.get("writes"), ", ".join(sorted(diff)) or "none")
        else:
            added, check = case["expected"][1:]
            stored = sim14.sql(check[0], check[1]) if check else None
            got = dict((t, len(d["added"])) for t, d in diff.items())
            good = status == "ok" and got == added and not removed and (check is None or stored == check[2])
            expected_tables |= set(diff)
            expected = "accepted; %s; rows added: %s (the target's), none removed" % (
                "stored exactly: %s" % snippet(check[2], 120) if check else "nothing written",
                ", ".join("%s %d" % kv for kv in sorted(added.items())) or "none")
            observed = "%s (changed=%s); read back: %s; rows added: %s; removed rows in: %s" % (
                status, (result or {}).get("result", {}).get("changed"), snippet(stored, 120) if check else "-",
                ", ".join("%s %d" % (t, len(d["added"])) for t, d in sorted(diff.items())) or "none",
                ", ".join(removed) or "none")
        rec.add(case["id"], "hostile", short(case["module"]), "%s: %s" % (case["what"], expected), observed, good)
    for case in info:
        name = "case %s" % case["id"]
        result, step = results.get(name), run.steps.get(name, {})
        found = _names(case["key"], (result or {}).get("result", {}).get(case["key"]))
        good = (result or {}).get("status") == "ok" and found == case["names"] and not step.get("diff") \
            and step.get("writes") == 0
        pattern = next(iter(case["task"][case["module"]].values())) if case["module"] != USERS else \
            case["task"][USERS]["scope"]["userid"]
        rec.add(case["id"], "hostile", short(case["module"]),
                "pattern %r: finds exactly %s; 0 writes" % (pattern, case["names"] or "nothing"),
                "%s: found %s; writes %s" % ((result or {}).get("status"), found or "nothing", step.get("writes")), good)
    after = whole(sim14)
    changed = set(db_diff(before, after))
    good = changed == expected_tables and not any(db_diff(before, after)[t][0] for t in changed)
    rec.add("H-all", "hostile", "all", "whole database before vs after all cases: only the tables of the accepted "
            "cases changed, no row removed", "tables changed: %s" % ", ".join(sorted(changed)), good)
    rec.verify()


# ===================================================================================== 3. faults
def _family_tasks():
    """One task per module family, each with several requests and at least one write; ``(name, task)``."""
    agent = {"username": "agent1", "password": "Fault-Pw-1", "extension": "2001"}
    users = [{"userid": "relbulk%d" % i, "last_name": "Bulk", "mail": "relbulk%d@example.com" % i,     # MFI-784
              "groups": {"set": [STD, CTI]}} for i in (1, 2, 3)]
    users += [{"userid": "user0001%d" % i, "title": "Bulk title %d" % i} for i in (1, 2)]
    return [
        ("F-service", ippa()),
        ("F-subscription", task(SUB, device=PHONE, service="IPPA", name="Agent", parameters=agent)),
        ("F-user-create", task(USER, userid="relfault", last_name="Fault", mail="relfault@example.com",
                               groups={"set": [STD, CTI]}, pin="24680")),
        ("F-user-update", task(USER, userid="user00005", title="Faulted", groups={"add": [CTI]})),
        ("F-bulk", task(USERS, users=users, concurrency=1)),
        ("F-group-create", task(GROUP, name="Relfault Group", roles={"add": [STD]}, members={"add": ["user00003"]})),
        ("F-group-update", task(GROUP, name="Relfault Group", members={"add": ["user00004", "user00006"]})),
        ("F-role", task(ROLE, name="Relfault Role", description="fault", application=ADMIN_APP, resources={
            "set": [{"name": PSWP, "permission": "read_update"}, {"name": "User web pages", "permission": "read"}]})),
    ]


def _family_module(name):
    return short(_module_of(dict(_family_tasks())[name]))


def _family_run(runner, sim, faults=None, arm=None):
    """Run the family tasks from the seeded state (``arm``: simulator switches set before each task)."""
    sim.reset()
    sim.faults(**(faults or {}))
    tasks = []
    for name, t in _family_tasks():
        if arm:
            tasks.append({"name": "arm " + name, "ansible.builtin.uri": {
                "url": sim.base + "/__sim__/faults", "method": "POST", "body_format": "json", "body": arm,
                "ca_path": sim.cert, "use_proxy": False}})
        tasks.append(dict(t, name=name))
    run = runner.run(tasks, connection=runner.connection(**FAST))
    stats = sim.stats()
    state = normalized(sim)
    sim.reset()
    return run, stats, state


def _changed(run, name):
    return results_by_task(run).get(name, {}).get("result", {}).get("changed")


def _state_diff(base, state):
    return sorted(t for t in set(base) | set(state) if base.get(t) != state.get(t))


def _throttling_seed(writes, rate, skip=()):
    """A seed under which the simulator throttles at least one write of every family: it draws one number
    per write attempt, in order, from ``random.Random(seed)`` (docs/simulator.md), so this is exact."""
    for seed in range(1, 1000):
        draws = random.Random(seed)
        counts = []
        for count in writes:
            throttled = 0
            for _write in range(count):
                while draws.random() < rate:
                    throttled += 1
            counts.append(throttled)
        if seed not in skip and all(counts):
            return seed
    raise AssertionError("no seed throttles every family")


def test_faults_throttle_storms(runner, sim14, rec):
    base, _base_stats, base_state = _family_run(runner, sim14)
    assert base.rc == 0, base
    writes = [base.steps[name]["writes"] for name, _t in _family_tasks()]
    first = _throttling_seed(writes, 0.6)
    for body, seed in (("html", first), ("soap", _throttling_seed(writes, 0.6, skip=(first,)))):
        run, stats, state = _family_run(runner, sim14, dict(throttle_writes=0.6, throttle_body=body, random_seed=seed))
        results = results_by_task(run)
        for name, _t in _family_tasks():
            b, s = base.steps[name], run.steps.get(name, {})
            good = results.get(name, {}).get("status") == "ok" and s.get("throttled", 0) > 0 \
                and s.get("requests") == b["requests"] + s.get("throttled") and s.get("writes") == b["writes"] \
                and _changed(run, name) == _changed(base, name)
            rec.add("F-503-%s %s" % (body, name[2:]), "faults", _family_module(name),
                    "503 storm (%s body, 60%% of writes): converges; requests = fault-free run's + throttled; writes = "
                    "fault-free run's (no duplicate); changed as without faults" % body.upper(),
                    "%s, changed=%s; throttled %s; requests %s = %s + %s; writes %s (fault-free %s)" % (
                        results.get(name, {}).get("status"), _changed(run, name), s.get("throttled"), s.get("requests"),
                        b["requests"], s.get("throttled"), s.get("writes"), b["writes"]), good)
        differs = _state_diff(base_state, state)
        rec.add("F-503-%s state" % body, "faults", "all",
                "database after the storm = after the fault-free run (pkids aside): nothing lost, nothing doubled",
                "equal" if not differs else "differs in %s" % ", ".join(differs), not differs and stats["throttled"] > 0)
    rec.verify()


def test_faults_drop_after_commit_and_session_expiry(runner, sim14, rec):
    base, _base_stats, base_state = _family_run(runner, sim14)
    assert base.rc == 0, base
    # each family's first write is committed, then the connection drops without an answer
    run, stats, state = _family_run(runner, sim14, arm={"drop_after_commit": 1})
    results = results_by_task(run)
    for name, _t in _family_tasks():
        b, s = base.steps[name], run.steps.get(name, {})
        good = results.get(name, {}).get("status") == "ok" and s.get("dropped") == 1 and s.get("writes") == b["writes"] \
            and _changed(run, name) == _changed(base, name)
        rec.add("F-drop %s" % name[2:], "faults", _family_module(name),
                "first write committed, answer lost: re-read, no write repeated (writes = fault-free run's), "
                "changed as without faults",
                "%s, changed=%s; dropped %s; writes %s (fault-free %s); requests %s (fault-free %s)" % (
                    results.get(name, {}).get("status"), _changed(run, name), s.get("dropped"), s.get("writes"),
                    b["writes"], s.get("requests"), b["requests"]), good)
    differs = _state_diff(base_state, state)
    rec.add("F-drop state", "faults", "all", "database after the drops = after the fault-free run (pkids aside): no "
            "duplicate, no half-made object", "equal" if not differs else "differs in %s" % ", ".join(differs),
            not differs and stats["dropped"] == len(_family_tasks()))

    # the session cookie expires between every two requests (idle 0.15 s, 0.25 s latency)
    run, stats, state = _family_run(runner, sim14, dict(session_idle_s=0.05, latency_ms=100))
    results = results_by_task(run)
    for name, _t in _family_tasks():
        b, s = base.steps[name], run.steps.get(name, {})
        good = results.get(name, {}).get("status") == "ok" and s.get("requests") == b["requests"] \
            and s.get("auth_basic") == s.get("requests") and s.get("requests", 0) > 1 and s.get("unauthorized") == 0 \
            and s.get("writes") == b["writes"] and _changed(run, name) == _changed(base, name)
        rec.add("F-session %s" % name[2:], "faults", _family_module(name),
                "session cookie expired before each request (idle limit 0.05 s, answers 0.1 s late): transparent "
                "re-authentication, same requests and writes",
                "%s, changed=%s; requests %s (fault-free %s), each re-authenticated with Basic: %s; 401s %s; writes %s" % (
                    results.get(name, {}).get("status"), _changed(run, name), s.get("requests"), b["requests"],
                    s.get("auth_basic"), s.get("unauthorized"), s.get("writes")), good)
    differs = _state_diff(base_state, state)
    rec.add("F-session state", "faults", "all", "database = after the fault-free run (pkids aside)",
            "equal" if not differs else "differs in %s" % ", ".join(differs), not differs)
    rec.verify()


# ----------------------------------------------------------------------------------- races with a second client
class SecondClient(threading.Thread):
    """Waits until the simulator has received the module's read (``operation``'s count goes up: the
    simulator counts a request when it starts processing it, and holds every answer back by its
    latency), then does ``action`` through its own AXL connection, so it lands after the module's
    read and before the module's write."""

    def __init__(self, sim, operation, action):
        super().__init__(daemon=True)
        self.sim, self.operation, self.action = sim, operation, action
        self.start_count = sim.stats()["by_operation"].get(operation, 0)
        self.done = threading.Event()
        self.answer = None
        self.error = None

    def run(self):
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline:
                if self.sim.stats()["by_operation"].get(self.operation, 0) > self.start_count:
                    self.answer = raw_axl(self.sim, *self.action)
                    return
                time.sleep(0.01)
            self.error = "the module's %s never came" % self.operation
        except Exception as exc:  # pylint: disable=broad-exception-caught
            self.error = repr(exc)
        finally:
            self.done.set()


def _raw_service(name, url):
    return ("addIpPhoneServices", "<ipPhoneServices><serviceName>%s</serviceName><asciiServiceName>%s</asciiServiceName>"
                                  "<serviceUrl>%s</serviceUrl><serviceCategory>XML Service</serviceCategory><serviceType>"
                                  "Standard IP Phone Service</serviceType><enabled>true</enabled></ipPhoneServices>"
            % (name, name, url))


RACES = [
    # id, module, options, setup (raw AXL, before the race), the module's read operation the second client waits
    # for, the second client's request, the axlcode expected, independent read (sql, params, rows it must leave)
    ("F-5007 user", USER, dict(userid="user00009", last_name="Nine", title="Raced"), None, "getUser",
     ("removeUser", "<userid>user00009</userid>"), "5007",
     ("select userid from enduser where userid = ?", ("user00009",), [])),
    ("F-239 user", USER, dict(userid="relrace", last_name="Race", title="Mine"), None, "getUser",
     ("addUser", "<user><lastName>Other</lastName><userid>relrace</userid>"
                 "<presenceGroupName>Standard Presence group</presenceGroupName></user>"), "-239",
     ("select lastname, title from enduser where userid = ?", ("relrace",), [("Other", "")])),
    ("F-5007 group", GROUP, dict(name="Relrace Group", members={"add": ["user00003"]}),
     ("addUserGroup", "<userGroup><name>Relrace Group</name></userGroup>"), "executeSQLQuery",
     ("removeUserGroup", "<name>Relrace Group</name>"), "5007",
     ("select name from dirgroup where name = ?", ("Relrace Group",), [])),
    ("F-239 group", GROUP, dict(name="Relrace New", members={"add": ["user00004"]}), None, "executeSQLQuery",
     ("addUserGroup", "<userGroup><name>Relrace New</name></userGroup>"), "-239",
     ("select count(*) from dirgroup where name = ?", ("Relrace New",), [(1,)])),
    ("F-5007 service", SERVICE, dict(name="Relrace Gone", url=DIR_URL, description="Raced"), _raw_service("Relrace Gone", DIR_URL),
     "getIpPhoneServices", ("removeIpPhoneServices", "<serviceName>Relrace Gone</serviceName>"), "5007",
     ("select name from telecasterservice where name = ?", ("Relrace Gone",), [])),
    ("F-239 service", SERVICE, dict(name="Relrace Svc", url=DIR_URL), None, "getIpPhoneServices",
     _raw_service("Relrace Svc", "http://other.example.com/"), "-239",
     ("select urltemplate from telecasterservice where name = ?", ("Relrace Svc",), [("http://other.example.com/",)])),
]


def test_faults_races_with_a_second_client(runner, sim14, rec):
    """One play per kind of race: the three families' races (each waits for a different read operation,
    so the three second clients cannot confuse the tasks), then the same declarations run twice more."""
    for kind in ("5007", "-239"):
        # the group's race first: the end user's create also sends an executeSQLQuery (its reference check)
        races = sorted((r for r in RACES if r[6] == kind), key=lambda r: r[1] != GROUP)
        tasks, others = [], []
        for case_id, module, options, setup, operation, action, _code, (query, params, _rows) in races:
            if setup:
                assert raw_axl(sim14, *setup)[0] == 200
            tasks += [dict(task(module, **options), name=case_id, ignore_errors=True),
                      read_back_task(sim14, "read back " + case_id, query, params)]
        tasks.append({"name": "latency off", "ansible.builtin.uri": {
            "url": sim14.base + "/__sim__/faults", "method": "POST", "body_format": "json", "body": {"latency_ms": 0},
            "ca_path": sim14.cert, "use_proxy": False}})
        for case_id, module, options, *_rest in races:
            tasks += [dict(task(module, **options), name=case_id + " again"),
                      dict(task(module, **options), name=case_id + " once more")]
        sim14.faults(latency_ms=700)
        mark = sim14.mark()
        for case_id, module, options, setup, operation, action, *_rest in races:
            others.append(SecondClient(sim14, operation, action))
            others[-1].start()
        run = runner.run(tasks)
        for other in others:
            other.done.wait(30)
        sim14.faults(latency_ms=0)
        results = results_by_task(run)
        entries = sim14.requests_since(mark)
        for (case_id, module, options, _setup, operation, action, code, (_q, _p, rows)), other in zip(races, others):
            result = results.get(case_id, {})
            msg = msg_of(result)
            status, _text = other.answer or (None, other.error)
            after = read_back(run, "read back " + case_id)
            good = result.get("status") == "failed" and code in msg and "another client" in msg \
                and not has_traceback(result) and status == 200 and after == rows
            what = "deleted" if code == "5007" else "created"
            rec.add(case_id, "faults", short(module),
                    "object %s by a second client between the module's read and its write: fails saying so (axlcode "
                    "%s), no traceback, the other client's change kept (read back: %s)" % (what, code, rows),
                    "%s: \"%s\"; other client's %s: HTTP %s; read back: %s" % (
                        result.get("status"), snippet(msg, 240), action[0], status, after), good)
            changed = [results.get(case_id + s, {}).get("result", {}).get("changed") for s in (" again", " once more")]
            rec.add(case_id + " rerun", "faults", short(module), "the same declaration run again (after the race) "
                    "converges: changed, then unchanged", "changed %s" % changed, changed == [True, False])
        refused = [(e["operation"], e["status"]) for e in entries if is_write(e["operation"]) and e["status"] == 500]
        rec.add("F-%s writes" % kind.strip("-"), "faults", "all", "each module's one write was refused by CUCM "
                "(%d refused writes, nothing else failed)" % len(races),
                "refused: %s" % ", ".join("%s" % o for o, _s in refused), len(refused) == len(races))
    rec.verify()


# ----------------------------------------------------------------------------------- reads, connections, timeouts
READS = [
    ("F-large user_info", task(USER_INFO, userid="user%"), "users"),
    ("F-large users gathered", task(USERS, state="gathered", scope={"userid": "%"}), "users"),
    ("F-large group_info", task(GROUP_INFO, name="%", members=True), "groups"),
    ("F-large role_info", task(ROLE_INFO, name="%"), "roles"),
    ("F-large service_info", task(SERVICE_INFO, name="%"), "services"),
    ("F-large subscription_info", task(SUB_INFO, service="IPPA"), "subscriptions"),
]


def _module_of(t):
    return next(k for k in t if k.startswith("voiceops."))


def test_faults_oversized_reads_refused_connections_timeouts(runner, sim14, rec):
    agent = {"username": "agent1", "password": "Large-Pw-1", "extension": "2001"}
    setup = [ippa()] + [task(SUB, device="SEP0A00000000%02d" % i, service="IPPA", parameters=agent) for i in range(1, 5)]
    assert runner.run(setup).rc == 0
    for i in range(1, 26):
        assert raw_axl(sim14, *_raw_service("Relarge %02d" % i, DIR_URL))[0] == 200
    tasks = [dict(t, name=name) for name, t, _k in READS]
    normal = runner.run(tasks)
    limit = 1500
    sim14.faults(max_response_bytes=limit)
    mark = sim14.mark()
    small = runner.run([dict(t, ignore_errors=True) for t in tasks])
    sim14.faults(max_response_bytes=8 * 1024 * 1024)
    too_large = sum(1 for e in sim14.requests_since(mark) if "Query request too large" in e["response"])
    for name, t, key in READS:
        a = results_by_task(normal).get(name, {})
        b = results_by_task(small).get(name, {})
        same = a.get("result", {}).get(key) == b.get("result", {}).get(key) and a.get("result", {}).get(key) is not None
        step = small.steps.get(name, {})
        good = b.get("status") == "ok" and same and step.get("writes") == 0 and step.get("faults", 0) > 0
        rec.add(name, "faults", short(_module_of(t)),
                "answers over %d bytes refused (\"Query request too large\"): completes in smaller pages, same result "
                "as with 8 MB" % limit,
                "%s: \"%s\"; refused as too large %s times; result %s the 8 MB run's; requests %s (8 MB: %s)" % (
                    b.get("status"), snippet(msg_of(b), 160), step.get("faults"), "equals" if same else "DIFFERS from",
                    step.get("requests"), normal.steps.get(name, {}).get("requests")), good)
    rec.add("F-large bite", "faults", "all", "the limit was hit (some answers refused as too large)",
            "%d answers refused" % too_large, too_large > 0)

    # connection refused: a port nothing listens on; every module
    closed = _closed_port()
    mine = dict(runner.connection(cucm_port=closed, retry_budget=5), **FAST)
    options = {USER: dict(userid="x", last_name="X"), USER_INFO: dict(userid="x"), USERS: dict(users=[{"userid": "x"}]),
               GROUP: dict(name="X"), GROUP_INFO: {}, ROLE: dict(name="X"), ROLE_INFO: {}, SERVICE: dict(name="X", url=DIR_URL),
               SERVICE_INFO: {}, SUB: dict(device=PHONE, service="IPPA"), SUB_INFO: dict(device=PHONE)}
    before = sim14.stats()["requests"]
    run = runner.run([dict(task(m, **options[m]), name="refused " + short(m), ignore_errors=True) for m in MODULES],
                     connection=mine)
    for m in MODULES:
        result = results_by_task(run).get("refused " + short(m), {})
        msg = msg_of(result)
        good = result.get("status") == "failed" and "cannot connect" in msg and str(closed) in msg \
            and not has_traceback(result)
        rec.add("F-refused %s" % short(m), "faults", short(m), "connection refused: fails clearly (cannot connect, "
                "names host and port), no traceback", "%s: \"%s\"" % (result.get("status"), snippet(msg, 220)), good)
    rec.add("F-refused requests", "faults", "all", "no request reached the simulator",
            "%d requests" % (sim14.stats()["requests"] - before), sim14.stats()["requests"] == before)

    # timeouts: every answer 2.5 s late, timeout 1 s, retry budget 3 s
    sim14.faults(latency_ms=2500)
    slow = dict(runner.connection(timeout=1, retry_budget=3), **FAST)
    cases = [("F-timeout user", task(USER, userid="user00004", title="Slow")),
             ("F-timeout subscription", task(SUB, device=PHONE, service="IPPA", parameters=agent))]
    started = time.monotonic()
    run = runner.run([dict(t, name=name, ignore_errors=True) for name, t in cases], connection=slow)
    took = time.monotonic() - started
    sim14.faults(latency_ms=0)
    for name, t in cases:
        result = results_by_task(run).get(name, {})
        msg = msg_of(result)
        step = run.steps.get(name, {})
        good = result.get("status") == "failed" and "no answer" in msg and "timed out" in msg \
            and not has_traceback(result) and step.get("writes") == 0
        rec.add(name, "faults", short(_module_of(t)), "answers slower than the timeout: fails clearly within the retry "
                "budget, no traceback, nothing written",
                "%s: \"%s\"; writes %s" % (result.get("status"), snippet(msg, 220), step.get("writes")), good)
    rec.add("F-timeout time", "faults", "all", "two timed-out tasks end within their budgets (< 30 s in all)",
            "%.1f s" % took, took < 30)
    rec.verify()


def _closed_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ===================================================================================== 4. secrets
AXL_PASSWORD = "ciscopsdt"        # the simulator's AXL password: a secret of every module (cucm_password)
CANARIES = {
    "end user password": "Cnry-UPw-7341x", "end user PIN": "73419265", "end user digest": "Cnry-Dig-5519q",
    "end user PIN (invalid)": "7341z", "bulk default_password": "Cnry-DPw-2281w", "bulk default_pin": "22816604",
    "users_file password": "Cnry-FPw-9034e", "users_file PIN": "90348817", "users_file digest": "Cnry-FDg-4410r",
    "inline (refused) password": "Cnry-IPw-6612t", "inline (refused) PIN": "66120934",
    "subscription password (create)": "Cnry-SPw-3307y", "subscription password (always)": "Cnry-SPw-3308u",
    "subscription password (unknown option)": "Cnry-SPw-3309i", "subscription password (bad enum)": "Cnry-SPw-3310o",
    "subscription password (no connection)": "Cnry-SPw-3311p", "subscription password (unknown parameter)":
    "Cnry-SPw-3312a", "subscription password (warning)": "Cnry-SPw-3313s",
    "service password parameter default": "Cnry-SDf-8801d", "service password default (bad enum)": "Cnry-SDf-8802f",
    "wrong AXL password": "Axl-Wrong-Pw-5521g", "identity role: service password default": "Cnry-RDf-1193h",
    "identity role: subscription password": "Cnry-RSp-2204j", "AXL password": AXL_PASSWORD,
}


def _with(base, **changes):
    out = dict(base)
    out.update(changes)
    return out


def _secret_tasks(folder):
    c = CANARIES
    (folder / "users.json").write_text(json.dumps({"users": [
        {"userid": "relsec1", "last_name": "Sec", "password": c["users_file password"], "pin": c["users_file PIN"],
         "digest_credentials": c["users_file digest"]},
        {"userid": "relsec2", "last_name": "Sec", "mail": "user00005@example.com", "pin": c["users_file PIN"]}]}))
    user = dict(userid="relsecret", last_name="Secret", password=c["end user password"], pin=c["end user PIN"],
                digest_credentials=c["end user digest"])
    agent = {"username": "agent1", "extension": "2001"}
    secret_param = [{"name": "username"}, {"name": "password", "password": True, "default": c["service password parameter default"]}]
    return [
        ("create user", task(USER, **user)),
        ("update user always", task(USER, **_with(user, update_password="always", title="x"))),
        ("check mode", dict(task(USER, **_with(user, userid="relsecret2", mail="relsecret2@example.com")),    # MFI-784
                            check_mode=True)),
        ("unknown group", task(USER, **_with(user, userid="relsecret3", groups={"add": ["No Such Group"]}))),
        ("invalid PIN", task(USER, **_with(user, userid="relsecret4", pin=c["end user PIN (invalid)"]))),
        ("bulk defaults", task(USERS, users=[{"userid": "relbulk", "last_name": "B"}],
                               default_password=c["bulk default_password"], default_pin=c["bulk default_pin"])),
        ("bulk file (one user fails)", task(USERS, users_file=str(folder / "users.json"), update_password="always")),
        ("bulk inline secrets", task(USERS, users=[{"userid": "relinline", "last_name": "I",
                                                    "password": c["inline (refused) password"],
                                                    "pin": c["inline (refused) PIN"]}])),
        ("service", ippa()),
        ("service with a password default", task(SERVICE, name="Secret Svc", url=DIR_URL, parameters=secret_param)),
        ("service password default, bad enum", task(SERVICE, name="Secret Svc", url=DIR_URL, category="Audio", parameters=[
            {"name": "password", "password": True, "default": c["service password default (bad enum)"]}])),
        ("service info", task(SERVICE_INFO, name="%")),
        ("subscribe", task(SUB, device=PHONE, service="IPPA", parameters=dict(
            agent, password=c["subscription password (create)"]))),
        ("subscribe always", task(SUB, device=PHONE, service="IPPA", update_secrets="always", parameters=dict(
            agent, password=c["subscription password (always)"]))),
        ("subscribe unknown option", task(SUB, device=PHONE, service="IPPA", extention="1", parameters=dict(
            agent, password=c["subscription password (unknown option)"]))),
        ("subscribe bad enum", task(SUB, device=PHONE, service="IPPA", device_type="desk", parameters=dict(
            agent, password=c["subscription password (bad enum)"]))),
        ("subscribe no connection", task(SUB, device=PHONE, service="IPPA", cucm_port=1, retry_budget=0, parameters=dict(
            agent, password=c["subscription password (no connection)"]))),
        ("subscribe unknown parameter", task(SUB, device=PHONE, service="IPPA", parameters=dict(
            agent, extention="1", password=c["subscription password (unknown parameter)"]))),
        ("subscribe with a warning", task(SUB, device=PHONE2, service="IPPA", validate_certs=False, ca_path=None,
                                          parameters=dict(agent, password=c["subscription password (warning)"]))),
        ("subscription info", task(SUB_INFO, service="IPPA")),
        ("wrong AXL password", task(USER_INFO, userid="x", cucm_password=c["wrong AXL password"])),
    ] + [("read with " + short(m), task(m, **o)) for m, o in (
        (USER_INFO, dict(userid="relsecret")), (GROUP, dict(name="Relsecret", members={"add": ["relsecret"]})),
        (GROUP_INFO, dict(name="Rel%", members=True)), (ROLE, dict(name="Relsecret", description="s")),
        (ROLE_INFO, dict(name="Rel%")), (USERS, dict(state="gathered", scope={"userid": "relse%"})))]


def _leaks(text):
    return sorted(name for name, value in CANARIES.items() if value in text)


def _files_text(folder):
    """Every file under ``folder``: ``{relative path: text}``."""
    out = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            out[str(path.relative_to(folder))] = path.read_bytes().decode("utf-8", "replace")
    return out


def test_secrets_every_module(runner, sim14, rec, tmp_path):
    folder = tmp_path / "secrets"
    folder.mkdir()
    tasks = _secret_tasks(folder)
    log = tmp_path / "ansible.log"
    play = [dict(t, name=name, ignore_errors=True) for name, t in tasks]
    play += [{"name": "show everything registered", "ansible.builtin.debug": {"var": "vars"}}]
    play = [p for t in play for p in (t, {"name": "show " + t["name"], "ansible.builtin.debug": {"var": "r"}})
            if "register" in t or p is t]
    run = runner.run(play, diff=True, verbosity=4, env={"ANSIBLE_LOG_PATH": str(log)})
    results = results_by_task(run)
    statuses = dict((name, results.get(name, {}).get("status")) for name, _t in tasks)
    expected_failures = {"unknown group", "invalid PIN", "bulk file (one user fails)", "bulk inline secrets",
                         "service password default, bad enum", "subscribe unknown option", "subscribe bad enum",
                         "subscribe no connection", "subscribe unknown parameter", "wrong AXL password"}
    failed = set(n for n, s in statuses.items() if s == "failed")
    rec.add("SEC-run", "secrets", "all", "the play ran: the %d tasks meant to fail failed (their messages are searched "
            "too), the others passed" % len(expected_failures),
            "failed: %s" % ", ".join(sorted(failed)), failed == expected_failures)
    places = {"stdout and stderr (default callback, -vvvv, --diff)": run.output,
              "registered results and task results (result log, incl. diffs, warnings, messages)": json.dumps(run.results),
              "Ansible's log file (ANSIBLE_LOG_PATH)": log.read_text() if log.exists() else ""}
    for place, text in places.items():
        leaks = _leaks(text)
        rec.add("SEC-%s" % place.split(" ", 1)[0].lower().replace("'s", ""), "secrets", "all 11 modules",
                "%d canaries (%s): 0 occurrences in %s" % (len(CANARIES), ", ".join(CANARIES), place),
                "%d characters searched; found: %s" % (len(text), ", ".join(leaks) or "none"), not leaks and text)
    for module in MODULES:
        names = [name for name, t in tasks if _module_of(t) == module]
        text = json.dumps([results.get(n) for n in names] + [results.get("show " + n) for n in names])
        mine = sorted(set(k for k, v in CANARIES.items() if v in json.dumps([t for n, t in tasks if n in names])) |
                      {"AXL password"})
        leaks = _leaks(text)
        rec.add("SEC-%s" % short(module), "secrets", short(module),
                "its %d tasks (%s), given %s: none of the %d canaries in their results, failure messages, diffs and "
                "registered values" % (len(names), ", ".join(names), ", ".join(mine), len(CANARIES)),
                "failed: %s; found: %s" % (", ".join(n for n in names if statuses.get(n) == "failed") or "none",
                                           ", ".join(leaks) or "none"),
                names and not leaks)
    shown = [w for r in run.results for w in r["result"].get("warnings", [])]
    rec.add("SEC-masked", "secrets", "end_user, subscription",
            "written secrets are reported, masked: diffs show %s, the warning is shown" % MASK,
            "mask in output: %s; warnings: %s" % (MASK in run.output, snippet("; ".join(shown), 160)),
            MASK in run.output and any("validate_certs is false" in w for w in shown))
    rec.verify()


def test_secrets_ansible_runner_and_role(runner, sim14, rec, tmp_path):
    """One play through ansible-runner (private data dir, every file it writes searched), and the identity
    role with its secrets (default password and PIN, a users_file with per-user secrets)."""
    import ansible_runner
    c = CANARIES
    secrets_file = tmp_path / "secrets.yml"      # outside the private data dir: the canaries enter as variables
    secrets_file.write_text(yaml.safe_dump({"vault_pw": c["end user password"], "vault_pin": c["end user PIN"],
                                            "vault_default_pw": c["bulk default_password"],
                                            "vault_default_pin": c["bulk default_pin"],
                                            "vault_sub_pw": c["subscription password (create)"],
                                            "vault_role_default": c["identity role: service password default"],
                                            "vault_role_sub": c["identity role: subscription password"]}))
    users_file = tmp_path / "role-users.json"
    users_file.write_text(json.dumps([{"userid": "relrole1", "last_name": "Role1", "password": c["users_file password"],
                                       "pin": c["users_file PIN"], "digest_credentials": c["users_file digest"]},
                                      {"userid": "relrole2", "last_name": "Role"}]))
    data = tmp_path / "runner"
    (data / "project").mkdir(parents=True)
    play = [{"name": "secrets through ansible-runner", "hosts": "localhost", "gather_facts": False,
             "vars_files": [str(secrets_file)],
             "module_defaults": {"group/voiceops.cucm.cucm": runner.connection()},
             "tasks": [
                 task(USER, "user", userid="relrunner", last_name="Runner", password="{{ vault_pw }}", pin="{{ vault_pin }}"),
                 dict(task(USER, "user fails", userid="relrunner2", last_name="R", pin="{{ vault_pin }}",
                           groups={"add": ["No Such Group"]}), ignore_errors=True),
                 ippa(),
                 task(SUB, "subscribe", device=PHONE, service="IPPA", parameters={
                     "username": "a", "password": "{{ vault_sub_pw }}", "extension": "1"}),
                 {"name": "the identity role", "ansible.builtin.include_role": {"name": "voiceops.cucm.identity"},
                  "vars": {"identity_users_file": str(users_file), "identity_default_password": "{{ vault_default_pw }}",
                           "identity_default_pin": "{{ vault_default_pin }}",
                           "identity_groups": [{"name": "Relrunner Group", "roles": {"add": [STD]}}],
                           "identity_phone_services": [{"name": "Role Svc", "url": DIR_URL, "parameters": [
                               {"name": "user"}, {"name": "pw", "password": True, "default": "{{ vault_role_default }}"}]}],
                           "identity_subscriptions": [{"device": PHONE2, "service": "Role Svc", "parameters": {
                               "user": "a", "pw": "{{ vault_role_sub }}"}}]}},
                 {"name": "show", "ansible.builtin.debug": {"var": "r"}}]}]
    (data / "project" / "play.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    env = dict((k, v) for k, v in runner.env(tmp_path / "unused.jsonl").items()
               if (k.startswith("ANSIBLE_") or k == "PATH")
               and k not in ("ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_CALLBACK_PLUGINS"))
    result = ansible_runner.run(private_data_dir=str(data), playbook="play.yml", inventory="localhost ansible_connection=local",
                                verbosity=4, envvars=env, quiet=True, cmdline="--diff")
    files = _files_text(data)
    written = dict((p, t) for p, t in files.items() if p != "project/play.yml")
    events = [e for e in result.events if e.get("event") in ("runner_on_ok", "runner_on_failed")]
    role_ok = all(any(e["event_data"].get("task", "").startswith(name) and e["event"] == "runner_on_ok" for e in events)
                  for name in ("Converge the end users", "Converge the phone services", "Converge the phone-service"))
    rec.add("SEC-runner run", "secrets", "end_user, subscription, identity role",
            "the play ran through ansible-runner (status successful; the identity role converged its users, phone "
            "service and subscription, all with secrets)",
            "status %s, rc %s; %d task events; role's user, service and subscription tasks ok: %s; relrole1 exists: %s" % (
                result.status, result.rc, len(events), role_ok,
                bool(sim14.sql("select 1 from enduser where userid = 'relrole1'"))),
            result.status == "successful" and role_ok and sim14.sql("select 1 from enduser where userid = 'relrole1'"))
    leaks = dict((p, _leaks(t)) for p, t in written.items() if _leaks(t))
    rec.add("SEC-runner artifacts", "secrets", "end_user, subscription, identity role",
            "0 occurrences in every file ansible-runner wrote in its private data directory (%d files: artifacts, "
            "job events, stdout, ...)" % len(written),
            "%d files, %d characters searched; leaks: %s" % (
                len(written), sum(len(t) for t in written.values()), snippet(leaks, 300) if leaks else "none"),
            not leaks and len(written) > 5)
    stdout = files.get(next((p for p in files if p.endswith("/stdout")), ""), "")
    rec.add("SEC-runner stdout", "secrets", "all", "the run's stdout artifact holds the -vvvv output (module invocations)",
            "%d characters, 'invocation' in it: %s" % (len(stdout), "invocation" in stdout), "invocation" in stdout)
    rec.verify()


# ===================================================================================== 5. TLS
TLS_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
REFUSED = "TLS certificate verification failed"


def _other_bundle(folder):
    """A CA bundle without the simulator's certificate (the system's, copied; or one self-signed CA)."""
    system = Path("/etc/ssl/certs/ca-certificates.crt")
    bundle = folder / "other-ca.pem"
    if system.exists():
        shutil.copyfile(system, bundle)
    else:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Other CA", "-days", "2",
                        "-keyout", str(folder / "other.key"), "-out", str(bundle)], check=True, capture_output=True)
    return bundle


def _hashed_dir(folder, cert):
    """A directory of hashed certificates (OpenSSL's c_rehash layout) holding the simulator's certificate."""
    directory = folder / "capath"
    directory.mkdir()
    digest = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", cert], check=True, capture_output=True,
                            text=True).stdout.strip()
    shutil.copyfile(cert, directory / ("%s.0" % digest))
    return directory


def test_tls(sim14, rec, tmp_path, collections_path):
    runner = Runner(sim14, tmp_path, collections_path, unset=TLS_VARIABLES)
    other, cert = str(_other_bundle(tmp_path)), sim14.cert
    everything_other = dict((v, other) for v in TLS_VARIABLES)
    # (id, what, connection overrides, task environment, expected: "ok" | "ok+warning" | "refused")
    cases = [
        ("T01", "default verification, no ca_path (the simulator's certificate is self-signed)", dict(ca_path=None), {},
         "refused"),
        ("T02", "ca_path: the simulator's certificate", {}, {}, "ok"),
        ("T03", "ca_path: a directory of hashed certificates holding it", dict(ca_path=str(_hashed_dir(tmp_path, cert))),
         {}, "ok"),
        ("T04", "ca_path: a CA bundle without it", dict(ca_path=other), {}, "refused"),
        ("T05", "validate_certs: false", dict(ca_path=None, validate_certs=False), {}, "ok+warning"),
        ("T06", "validate_certs: false, the three variables set to a bundle without it",
         dict(ca_path=None, validate_certs=False),
         everything_other, "ok+warning"),
    ]
    n = 7
    for variable in TLS_VARIABLES:
        cases.append(("T%02d" % n, "%s = a bundle without it; ca_path given: ca_path wins" % variable, {},
                      {variable: other}, "ok"))
        cases.append(("T%02d" % (n + 1), "%s = a bundle without it; no ca_path" % variable, dict(ca_path=None),
                      {variable: other}, "refused"))
        n += 2
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        cases.append(("T%02d" % n, "%s = the simulator's certificate; no ca_path: requests' variables are never "
                      "used" % variable, dict(ca_path=None), {variable: cert}, "refused"))
        n += 1
    cases.append(("T%02d" % n, "SSL_CERT_FILE = the simulator's certificate; no ca_path: that is OpenSSL's own system "
                  "trust store, which a task without ca_path uses (documented)", dict(ca_path=None),
                  {"SSL_CERT_FILE": cert}, "ok"))
    tasks = []
    for case_id, _what, overrides, environment, _expected in cases:
        options = dict(userid="user00003")
        for key, value in overrides.items():
            options[key] = value
        t = dict(task(USER_INFO, **options), name=case_id, ignore_errors=True)
        if "ca_path" in overrides and overrides["ca_path"] is None:
            t[USER_INFO]["ca_path"] = "{{ omit }}"
        if environment:
            t["environment"] = environment
        tasks.append(t)
    connection = runner.connection()
    run = runner.run(tasks, connection=connection)
    results = results_by_task(run)
    for case_id, what, overrides, environment, expected in cases:
        result, step = results.get(case_id, {}), run.steps.get(case_id, {})
        msg = msg_of(result)
        warned = any("validate_certs is false" in w for w in result.get("result", {}).get("warnings", []))
        if expected == "refused":
            good = result.get("status") == "failed" and REFUSED in msg and "ca_path" in msg and step.get("requests") == 0 \
                and not has_traceback(result)
            want = "refused before any request, with a clear message naming ca_path"
        else:
            good = result.get("status") == "ok" and len(result.get("result", {}).get("users", [])) == 1 \
                and warned == (expected == "ok+warning")
            want = "works" + (" and warns that certificates are not checked" if expected == "ok+warning" else "")
        rec.add(case_id, "tls", "cucm_end_user_info", "%s: %s" % (what, want),
                "%s%s; requests %s%s" % (result.get("status"), ": \"%s\"" % snippet(msg, 200) if msg else "",
                                         step.get("requests"), "; warned" if warned else ""), good)
    rec.add("T-env", "tls", "all", "the play ran with %s unset in the controller's environment" % ", ".join(TLS_VARIABLES),
            "unset: %s" % ", ".join(v for v in TLS_VARIABLES if v not in runner.env(tmp_path / "x.jsonl")),
            all(v not in runner.env(tmp_path / "x.jsonl") for v in TLS_VARIABLES))
    rec.verify()


# ===================================================================================== 6. concurrency
def _parallel(runners, plays, folder):
    """Run one play per runner at once, their module tasks started together: each play first says it is
    ready, then waits for the go (a file this function creates once every play is ready)."""
    go = folder / "go"
    if go.exists():
        go.unlink()
    runs = [None] * len(runners)

    def go_tasks(i):
        ready = {"path": str(folder / ("ready%d" % i)), "state": "touch", "mode": "0644"}
        return [{"name": "ready", "ansible.builtin.file": ready},
                {"name": "wait for the go", "ansible.builtin.wait_for": {"path": str(go), "timeout": 120, "sleep": 0}}]

    def play(i):
        runs[i] = runners[i].run(go_tasks(i) + plays[i])

    threads = [threading.Thread(target=play, args=(i,)) for i in range(len(runners))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not all((folder / ("ready%d" % i)).exists() for i in range(len(runners))):
        time.sleep(0.05)
    go.touch()
    for thread in threads:
        thread.join()
    for i in range(len(runners)):
        (folder / ("ready%d" % i)).unlink()
    return runs


def test_concurrency(sim14, rec, tmp_path, collections_path):
    runners = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        runners.append(Runner(sim14, tmp_path / name, collections_path))
    assert runners[0].run([task(GROUP, name="Relconc Group", roles={"add": [STD]})]).rc == 0

    # two runs add different members to one group; both read before either writes (the simulator's
    # write barrier holds each run's first write until the other run's has arrived)
    sim14.faults(latency_ms=100, write_barrier=2)
    mark = sim14.mark()
    runs = _parallel(runners, [[task(GROUP, name="Relconc Group", members={"add": [u]})] for u in ("user00011", "user00012")],
                     tmp_path)
    sim14.faults(latency_ms=0, write_barrier=0)
    entries = sim14.requests_since(mark)
    first_write = next((i for i, e in enumerate(entries) if e["operation"] == "updateUserGroup"), len(entries))
    reads_before = sum(1 for e in entries[:first_write] if e["operation"] == "executeSQLQuery" and "dirgroup" in e["request"])
    members = sorted(r[0] for r in sim14.sql(
        "select u.userid from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser join dirgroup g on "
        "g.pkid = m.fkdirgroup where g.name = 'Relconc Group'"))
    changed = [r.results[-1]["result"].get("changed") if r.results else None for r in runs]
    rec.add("K1", "concurrency", "cucm_user_group", "two runs add user00011 and user00012 to one group at once (both "
            "read the group before either writes): both members present, both runs changed",
            "rc %s; changed %s; group reads before the first write: %d; members: %s" % (
                [r.rc for r in runs], changed, reads_before, members),
            [r.rc for r in runs] == [0, 0] and changed == [True, True] and reads_before >= 2
            and members == ["user00011", "user00012"])

    # two runs converge overlapping user sets at once: different fields, and group additions
    a_users = [dict(userid="user%05d" % i, department="Dept-A", groups={"add": [CTI]}) for i in range(3, 13)]
    b_users = [dict(userid="user%05d" % i, title="Title-B") for i in range(8, 18)]
    before = dict((r[0], r[1:]) for r in sim14.sql("select userid, department, title from enduser"))
    snapshot = whole(sim14)
    sim14.faults(latency_ms=150, write_barrier=2)
    mark = sim14.mark()
    runs = _parallel(runners, [[task(USERS, users=a_users, concurrency=2)], [task(USERS, users=b_users, concurrency=2)]],
                     tmp_path)
    sim14.faults(latency_ms=0, write_barrier=0)
    order = "".join("A" if "Dept-A" in e["request"] else "B" for e in sim14.requests_since(mark)
                    if e["operation"] == "updateUser" and e["status"] == 200)
    overlapped = "A" in order[:order.rindex("B")] and "B" in order[:order.rindex("A")] if "A" in order and "B" in order \
        else False
    rows = dict((r[0], r[1:]) for r in sim14.sql("select userid, department, title from enduser"))
    groups = dict((u, sorted(r[0] for r in sim14.sql(
        "select g.name from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser join dirgroup g on "
        "g.pkid = m.fkdirgroup where u.userid = ?", (u,)))) for u in ("user%05d" % i for i in range(1, 21)))
    wrong = []
    for i in range(1, 21):
        u = "user%05d" % i
        want = ("Dept-A" if 3 <= i <= 12 else before[u][0], "Title-B" if 8 <= i <= 17 else before[u][1])
        if rows[u] != want:
            wrong.append("%s %s" % (u, rows[u]))
        if (CTI in groups[u]) != (3 <= i <= 12) or STD not in groups[u]:
            wrong.append("%s groups %s" % (u, groups[u]))
    tables = sorted(db_diff(snapshot, whole(sim14)))
    if tables != ["enduser", "enduserdirgroupmap"]:
        wrong.append("tables changed: %s" % tables)
    counts = [r.results[-1]["result"].get("counts") if r.results else None for r in runs]
    rec.add("K2", "concurrency", "cucm_end_users", "two bulk runs at once, users 3-12 (department, +group) and 8-17 "
            "(title), writes interleaved: every declared field and group on every user, nothing else changed",
            "rc %s; counts %s; write order %s; wrong: %s" % ([r.rc for r in runs], counts, order, wrong or "none"),
            [r.rc for r in runs] == [0, 0] and overlapped and not wrong
            and [c and c["updated"] for c in counts] == [10, 10])
    rec.verify()
