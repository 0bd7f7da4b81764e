"""Issue 12, phone services: secrets where they must not be (class 8) and half-done work reported as done (class 9,
the subscription part).  Rows of the reliability campaign (categories ``secret-leaks`` and ``half-done``).

- The simulator's request log (documented as masked; a CI artifact) must hold no phone-service password, in
  requests (SQL text, subscription URLs, ``<default>``) or answers.
- Re-declaring a service's parameters without ``password: true`` must not silently unmark a password parameter
  (after which every agent's password would show): refused, with zero writes, unless ``unmark_passwords``.
- A misspelt password parameter or a password given as a list or dict must not be echoed at -vvv.
- After a dropped answer on the last value write (or on the URL's rebuild), a subscription must not stay stale
  while the task reports ok.
"""

import json

from reliability_support import read_back, read_back_task, results_by_task, snippet

SERVICE = "voiceops.cucm.cucm_phone_service"
SERVICE_INFO = "voiceops.cucm.cucm_phone_service_info"
SUB = "voiceops.cucm.cucm_phone_service_subscription"
SUB_INFO = "voiceops.cucm.cucm_phone_service_subscription_info"
PHONE, PHONE2 = "SEP0A0000000001", "SEP0A0000000002"
IPPA_URL = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
CANARIES = {
    "service password default": "Cnry-Def-8812a", "subscription password (create)": "Cnry-Sub-8813b",
    "subscription password (always)": "Cnry-Sub-8814c", "Self Care password": "Cnry-Own-8815d",
    "misspelt parameter": "Cnry-Typo-8816e", "password as a list": "Cnry-Lst-8817f",
    "password as a dict": "Cnry-Dct-8818g", "misspelt sub-option default": "Cnry-Opt-8819h",
    "default as a list": "Cnry-DLs-8820i", "unmarked service default": "Cnry-Unm-8821j",
}


def task(module, label, /, **options):
    return {"name": label, module: options, "register": "r"}


def ippa(label="ippa", parameters=None, **extra):
    parameters = parameters or [
        {"name": "username", "display_name": "Agent ID", "required": True},
        {"name": "password", "display_name": "Agent password", "required": True, "password": True,
         "default": CANARIES["service password default"]},
        {"name": "extension", "display_name": "Extension", "required": True}]
    return task(SERVICE, label, name="IPPA", url=IPPA_URL, parameters=parameters, **extra)


def agent(label, device=PHONE, password=None, **extra):
    return task(SUB, label, device=device, service="IPPA", parameters={
        "username": "agent1", "password": password or CANARIES["subscription password (create)"], "extension": "2001"},
        **extra)


def leaks(text):
    return sorted(name for name, value in CANARIES.items() if value in text)


def status(run, name):
    return results_by_task(run).get(name, {}).get("status")


def msg(run, name):
    return results_by_task(run).get(name, {}).get("result", {}).get("msg") or ""


def stale_urls(sim):
    """Subscriptions whose stored URL does not carry their values: [(device, url, values)]."""
    out = []
    for pkid, device, url in sim.sql("select ss.pkid, d.name, ss.serviceurl from telecastersubscribedservice ss "
                                     "join device d on d.pkid = ss.fkdevice"):
        pairs = sim.sql("select p.name, sp.value from telecastersubscribedparameter sp join telecasterserviceparameter p "
                        "on p.pkid = sp.fktelecasterserviceparameter where sp.fktelecastersubscribedservice = ?", (pkid,))
        if any("%s=%s" % (name, value.replace(" ", "%20")) not in (url or "") for name, value in pairs):
            out.append((device, url, dict(pairs)))
    return out


# ===================================================================================== secrets
def test_secret_leaks_request_log_phone_services(runner, sim14, rec):
    """Every phone-service secret path through the simulator's request log: a password default declared, read back
    and masked; a subscription created and rewritten (update_secrets: always); its values read by
    cucm_phone_service_subscription_info; an agent's Self Care password healed into the URL and repaired (SQL
    reads of values and URLs, re-saves)."""
    sim = sim14
    mark = sim.mark()
    run = runner.run([
        ippa(), task(SERVICE_INFO, "service info", name="IPPA"),
        agent("create"), agent("rewrite", password=CANARIES["subscription password (always)"], update_secrets="always"),
        task(SUB_INFO, "sub info", device=PHONE),
        {"name": "self care", "ansible.builtin.uri": {
            "url": "%s/__sim__/selfcare/service-parameter" % sim.base, "method": "POST", "body_format": "json",
            "ca_path": sim.cert, "body": {"device": PHONE, "service": "IPPA", "parameter": "password",
                                          "value": CANARIES["Self Care password"]}}},
        agent("heal", password=CANARIES["subscription password (always)"]),
        {"name": "self care 2", "ansible.builtin.uri": {
            "url": "%s/__sim__/selfcare/service-parameter" % sim.base, "method": "POST", "body_format": "json",
            "ca_path": sim.cert, "body": {"device": PHONE, "service": "IPPA", "parameter": "password",
                                          "value": CANARIES["Self Care password"] + "2"}}},
        ippa("repair", update_subscriptions=True),
    ])
    entries = sim.requests_since(mark)
    ops = sorted(set(e["operation"] for e in entries))
    rec.add("SL-log-run", "secret-leaks", "phone_service, subscription", "the play converges (service, subscription, "
            "rewrite, info, heal, repair) and its exchanges are in the request log",
            "rc %s; %d exchanges logged (%s)" % (run.rc, len(entries), ", ".join(ops)),
            run.rc == 0 and len(entries) > 10 and "executeSQLUpdate" in ops and "updatePhone" in ops)
    for side in ("request", "response"):
        text = "\n".join(e[side] for e in entries)
        found = leaks(text)
        rec.add("SL-log-%s" % side, "secret-leaks", "simulator --request-log",
                "0 occurrences of the 5 password values (default, create, always, two Self Care edits) in the logged "
                "%ss (SQL text, updatePhone, <default>, URLs, query rows)" % side,
                "%d characters searched; found: %s" % (len(text), ", ".join(found) or "none"), not found and text)
    masked = sum(e["request"].count("********") + e["response"].count("********") for e in entries)
    rec.add("SL-log-masked", "secret-leaks", "simulator --request-log", "the secrets are masked (********), the "
            "log keeps everything else (the agent's user ID is readable)",
            "%d masks; agent1 readable: %s" % (masked, any("agent1" in e["request"] + e["response"] for e in entries)),
            masked > 0 and any("agent1" in e["request"] + e["response"] for e in entries))
    rec.verify()


def test_secret_leaks_unmarking_a_password_parameter(runner, sim14, rec):
    """A re-declaration that leaves password: true out must not unmark the parameter silently."""
    sim = sim14
    plain = [{"name": "username", "display_name": "Agent ID", "required": True},
             {"name": "password", "display_name": "Agent password", "required": True},
             {"name": "extension", "display_name": "Extension", "required": True}]
    run = runner.run([ippa(), agent("create"),
                      dict(ippa("unmark", parameters=plain), ignore_errors=True),
                      dict(ippa("unmark check", parameters=plain), ignore_errors=True, check_mode=True),
                      task(SUB_INFO, "info after refusal", device=PHONE),
                      ippa("unmark on purpose", parameters=plain, unmark_passwords=True),
                      ippa("again", parameters=plain)])
    refused, checked = run.steps.get("unmark", {}), run.steps.get("unmark check", {})
    rec.add("SL-unmark-refused", "secret-leaks", "cucm_phone_service",
            "parameters declared without password: true for a password parameter: refused naming unmark_passwords, "
            "0 writes, no table changed (check mode too)",
            "status %s/%s, writes %s/%s, tables %s; %s" % (
                refused.get("status"), checked.get("status"), refused.get("writes"), checked.get("writes"),
                sorted(refused.get("diff") or {}), snippet(msg(run, "unmark"))),
            refused.get("status") == checked.get("status") == "failed" and refused.get("writes") == 0
            and checked.get("writes") == 0 and not refused.get("diff") and "unmark_passwords" in msg(run, "unmark"))
    info = results_by_task(run).get("info after refusal", {}).get("result", {}).get("subscriptions") or [{}]
    rec.add("SL-unmark-still-secret", "secret-leaks", "cucm_phone_service_subscription_info",
            "after the refusal the password is still a password: _info masks it",
            "password shown as %r" % (info[0].get("parameters", {}).get("password"),),
            info[0].get("parameters", {}).get("password") == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER")
    warned = results_by_task(run).get("unmark on purpose", {}).get("result", {}).get("warnings") or []
    rec.add("SL-unmark-explicit", "secret-leaks", "cucm_phone_service",
            "unmark_passwords: true unmarks it, with a warning that its values are no longer secrets; the next run "
            "without the option is no change",
            "status %s, hidden now %s, warning: %s; again: changed %s" % (
                status(run, "unmark on purpose"),
                sim.sql("select hidden from telecasterserviceparameter where name = 'password'"),
                snippet("; ".join(warned), 120), results_by_task(run).get("again", {}).get("result", {}).get("changed")),
            status(run, "unmark on purpose") == "ok" and any("unmark_passwords" in w for w in warned)
            and sim.sql("select hidden from telecasterserviceparameter where name = 'password'") == [("f",)]
            and results_by_task(run).get("again", {}).get("result", {}).get("changed") is False)
    rec.verify()


def test_secret_leaks_misspelt_and_malformed_secrets_at_vvv(runner, sim14, rec):
    """A misspelt password parameter, a password given as a list or a dict (subscriptions), a misspelt password
    sub-option and a default given as a list (services): the task fails, writes nothing, and the value is nowhere
    in -vvv output or the results."""
    c = CANARIES
    bad_service = [{"name": "user", "display_name": "User"},
                   {"name": "pw", "display_name": "PW", "pasword": True, "default": c["misspelt sub-option default"]}]
    list_default = [{"name": "pw", "display_name": "PW", "password": True, "default": [c["default as a list"]]}]
    cases = {
        "SL-typo-param": task(SUB, "misspelt parameter", device=PHONE, service="IPPA", parameters={
            "username": "agent1", "pasword": c["misspelt parameter"], "extension": "2001"}),
        "SL-list-param": task(SUB, "password as a list", device=PHONE, service="IPPA", parameters={
            "username": "agent1", "password": [c["password as a list"]], "extension": "2001"}),
        "SL-dict-param": task(SUB, "password as a dict", device=PHONE, service="IPPA", parameters={
            "username": "agent1", "password": {"value": c["password as a dict"]}, "extension": "2001"}),
        "SL-typo-suboption": task(SERVICE, "misspelt sub-option", name="Other", url=IPPA_URL, parameters=bad_service),
        "SL-list-default": task(SERVICE, "default as a list", name="Other2", url=IPPA_URL, parameters=list_default),
    }
    setup = ippa()
    run = runner.run([setup] + [dict(t, ignore_errors=True) for t in cases.values()], verbosity=3, diff=True)
    text = run.output + json.dumps(run.results)
    for case, t in cases.items():
        name = t["name"]
        step = run.steps.get(name, {})
        mine = [k for k, v in CANARIES.items() if v in json.dumps(t)]
        found = [k for k in mine if CANARIES[k] in text]
        if case == "SL-list-default":
            # ansible-core turns a list given for a str option into its text; the module then stores that text as
            # the password parameter's default: it must be hidden as one
            rec.add(case, "secret-leaks", t_module(t), "%s: %s appears nowhere in -vvv output, diffs or results "
                    "(ansible-core makes the list a text, stored as the password default)" % (name, ", ".join(mine)),
                    "status %s; found: %s" % (step.get("status"), ", ".join(found) or "none"), not found)
            continue
        rec.add(case, "secret-leaks", t_module(t), "%s: the task fails (message names the option), 0 writes, and %s "
                "appears nowhere in -vvv output, diffs or results" % (name, ", ".join(mine)),
                "status %s, writes %s; %s; found: %s" % (
                    step.get("status"), step.get("writes"), snippet(msg(run, name), 90), ", ".join(found) or "none"),
                step.get("status") == "failed" and step.get("writes") == 0 and not found)
    rec.verify()


def t_module(t):
    return next(k for k in t if k.startswith("voiceops.")).rsplit(".", 1)[-1]


# ===================================================================================== half-done work
def test_half_done_dropped_last_value_write(runner, sim14, rec):
    """The simulator drops the answer of the subscription's last value write (committed, unanswered): the task
    reads again, rebuilds the URL and reports truthfully; the same with the answer of the URL's rebuild dropped,
    and of a heal's re-save."""
    sim = sim14
    assert runner.run([ippa()]).rc == 0
    url_of = ("select ss.serviceurl from telecastersubscribedservice ss join device d on d.pkid = ss.fkdevice "
              "where d.name = '%s'")
    outcomes = []
    # writes of a create: updatePhone (1), three value INSERTs (2-4), the re-save that rebuilds the URL (5)
    for case, device, drop, what in (("HD-last-value", PHONE, 4, "the last value write"),
                                     ("HD-rebuild", PHONE2, 5, "the URL rebuild (re-save)")):
        sim.faults(drop_after_commit=drop)
        run = runner.run([agent("create", device=device), read_back_task(sim, "url", url_of % device),
                          agent("again", device=device)])
        sim.faults(drop_after_commit=0)
        first = results_by_task(run).get("create", {}).get("result", {})
        url = (read_back(run, "url") or [("",)])[0][0] or ""
        stale = [s for s in stale_urls(sim) if s[0] == device]
        rec.add(case, "half-done", "cucm_phone_service_subscription",
                "answer of %s dropped: the task is ok and changed, the URL carries the values right after it (no "
                "stale subscription), the next run changes nothing" % what,
                "status %s, changed %s, dropped %s; URL has the values: %s; stale: %s; again changed: %s" % (
                    status(run, "create"), first.get("changed"), sim.stats()["dropped"],
                    "username=agent1" in url, len(stale), results_by_task(run).get("again", {}).get("result", {}).get(
                        "changed")),
                status(run, "create") == "ok" and first.get("changed") is True and "username=agent1" in url
                and "extension=2001" in url and not stale
                and results_by_task(run).get("again", {}).get("result", {}).get("changed") is False)
        outcomes.append(url)
    # a heal (unchanged subscription, stale after Self Care) whose re-save answer is dropped
    sim.admin("POST", "selfcare/service-parameter", json={"device": PHONE, "service": "IPPA", "parameter": "password",
                                                          "value": CANARIES["Self Care password"]})
    sim.faults(drop_after_commit=1)
    run = runner.run([agent("heal"), agent("heal again")])
    sim.faults(drop_after_commit=0)
    healed = results_by_task(run).get("heal", {}).get("result", {})
    stale = [s for s in stale_urls(sim) if s[0] == PHONE]
    values = dict(sim.sql("select p.name, sp.value from telecastersubscribedparameter sp join telecasterserviceparameter "
                          "p on p.pkid = sp.fktelecasterserviceparameter join telecastersubscribedservice ss on "
                          "ss.pkid = sp.fktelecastersubscribedservice join device d on d.pkid = ss.fkdevice "
                          "where d.name = ?", (PHONE,)))
    rec.add("HD-heal", "half-done", "cucm_phone_service_subscription",
            "a Self Care edit left the URL stale; the heal's re-save answer is dropped: the task reads again and "
            "reports truthfully (ok, changed, URL rebuilt), the agent's password is kept, nothing stale afterwards",
            "status %s, changed %s, url_rebuilt %s; stale %d; agent's password kept: %s" % (
                status(run, "heal"), healed.get("changed"), healed.get("url_rebuilt"), len(stale),
                values.get("password") == CANARIES["Self Care password"]),
            status(run, "heal") == "ok" and healed.get("changed") is True and not stale
            and values.get("password") == CANARIES["Self Care password"])
    rec.verify()
