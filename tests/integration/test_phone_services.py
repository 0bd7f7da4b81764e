"""cucm_phone_service, cucm_phone_service_subscription and their _info modules against the simulator.

Every claim is checked independently: the URL a phone would request through the simulator's
``/__sim__/effective-urls``, parameter values and subscription rows through SQL reads of its
database (telecasterservice, telecasterserviceparameter, telecastersubscribedservice,
telecastersubscribedparameter), writes through its counters and request log.  The Self Care
Portal's edit (which leaves the built URL stale) is ``POST /__sim__/selfcare/service-parameter``.
"""

import json

SERVICE = "voiceops.cucm.cucm_phone_service"
SERVICE_INFO = "voiceops.cucm.cucm_phone_service_info"
SUB = "voiceops.cucm.cucm_phone_service_subscription"
SUB_INFO = "voiceops.cucm.cucm_phone_service_subscription_info"
MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

PHONE, PHONE2, PHONE3 = "SEP0A0000000001", "SEP0A0000000002", "SEP0A0000000003"
PROFILE = "UDP_user00001"
IPPA_URL = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
DIR_URL = "http://apps.example.com/directory"
CANARY = "Cnry-Pw-4471x"          # the initial IP Phone Agent password a playbook sets
AGENT_PW = "Agnt-Own-5528q"       # the password the agent sets in Self Care
TABLES = ("telecasterservice", "telecasterserviceparameter", "telecastersubscribedservice",
          "telecastersubscribedparameter")


def ippa(**extra):
    options = dict(name="IPPA", description="UCCX IP Phone Agent", url=IPPA_URL, parameters=[
        {"name": "username", "display_name": "Agent ID", "required": True},
        {"name": "password", "display_name": "Agent password", "required": True, "password": True},
        {"name": "extension", "display_name": "Extension", "required": True}])
    options.update(extra)
    return {"name": "ippa", SERVICE: options, "register": "svc"}


def directory():
    return {"name": "directory", SERVICE: {"name": "Directory", "url": DIR_URL, "parameters": [
        {"name": "dept", "display_name": "Department", "default": "all"}]}}


def sub(device=PHONE, **options):
    options = dict(dict(device=device, service="IPPA"), **options)
    return {"name": "sub %s %s" % (options["device"], options["service"]), SUB: options, "register": "r"}


def agent(device=PHONE, password=CANARY, extension="2001", **extra):
    return sub(device, parameters=dict(username="agent1", password=password, extension=extension), **extra)


def expanded(template, device, query):
    url = template.replace("#DEVICENAME#", device)
    return url + ("&" if "?" in url else "?") + query


def agent_url(device, password, extension="2001"):
    return expanded(IPPA_URL, device, "username=agent1&password=%s&extension=%s" % (password, extension))


def effective(sim, device):
    """What the phone would request now: {subscription name: URL}."""
    got = sim.admin("GET", "effective-urls", params={"device": device})
    return dict((s["name"], s["url"]) for s in got["subscriptions"])


def values(sim, device, service="IPPA"):
    """{parameter: value} of the device's subscription(s) to a service, read from the database."""
    return dict(sim.sql(
        "select p.name, sp.value from telecastersubscribedparameter sp "
        "join telecasterserviceparameter p on p.pkid = sp.fktelecasterserviceparameter "
        "join telecastersubscribedservice ss on ss.pkid = sp.fktelecastersubscribedservice "
        "join telecasterservice s on s.pkid = ss.fktelecasterservice join device d on d.pkid = ss.fkdevice "
        "where d.name = ? and s.name = ?", (device, service)))


def rows(sim, device):
    """The device's subscription rows: [(pkid, service, name, index, label, serviceurl)] in row order."""
    return sim.sql(
        "select ss.pkid, s.name, ss.servicename, ss.urlbuttonindex, ss.urllabel, ss.serviceurl "
        "from telecastersubscribedservice ss join telecasterservice s on s.pkid = ss.fktelecasterservice "
        "join device d on d.pkid = ss.fkdevice where d.name = ? order by ss.rowid", (device,))


def snapshot(sim):
    return dict((t, sorted(sim.sql("select * from %s" % t))) for t in TABLES)


def writes(sim):
    return sim.stats()["writes"]


def operations(sim, mark):
    return [e["operation"] for e in sim.requests_since(mark)]


def selfcare(sim, device, value, parameter="password", service="IPPA"):
    sim.admin("POST", "selfcare/service-parameter",
              json={"device": device, "service": service, "parameter": parameter, "value": value})


def axl(sim, operation, inner):
    """A raw AXL request (to set up a state the modules would need many tasks for)."""
    body = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
            'envelope/" xmlns:ns="http://www.cisco.com/AXL/API/%s"><soapenv:Body><ns:%s>%s</ns:%s></soapenv:Body>'
            '</soapenv:Envelope>' % (sim.version, operation, inner, operation))
    resp = sim.http.post(sim.url, data=body.encode(), auth=("administrator", "ciscopsdt"),
                         headers={"Content-Type": "text/xml", "SOAPAction": '"CUCM:DB ver=%s %s"' % (sim.version, operation)})
    assert resp.status_code == 200, resp.text


def ok(run, changed=None):
    assert run.rc == 0, run
    results = [r for r in run.results if r["action"] != "ansible.builtin.debug"]
    if changed is not None:
        assert [r["result"]["changed"] for r in results] == changed, [(r["task"], r["result"].get("changed")) for r in results]
    return results


def write_ops(sim, mark):
    """The write operations sent since ``mark`` (what the tasks of a run changed), in order."""
    return [op for op in operations(sim, mark) if op == "executeSQLUpdate" or op.startswith(("add", "update", "remove"))]


def checked(task):
    return dict(task, check_mode=True)


def update_task():
    return {"name": "update subscriptions", SERVICE: {"name": "IPPA", "update_subscriptions": True}, "register": "u"}


# ------------------------------------------------------------------------------- the IPPA story (every version)
def test_ippa_end_to_end(ansible, sim):
    """Define the IP Phone Agent service, subscribe a phone and a device profile, converge, change a value,
    then the Self Care bug and its fix; a Directory subscription on the phone survives every step."""
    setup = [ippa(), directory(), sub(service="Directory", parameters={"dept": "sales"}),
             agent(name="Agent Login"), agent(PROFILE, device_type="device_profile")]
    ok(ansible.run(setup), changed=[True] * 5)
    assert effective(sim, PHONE) == {"Directory": DIR_URL + "?dept=sales", "Agent Login": agent_url(PHONE, CANARY)}
    assert effective(sim, PROFILE) == {"IPPA": agent_url(PROFILE, CANARY)}
    assert values(sim, PHONE) == values(sim, PROFILE) == {"username": "agent1", "password": CANARY, "extension": "2001"}
    assert sim.sql("select p.name, p.hidden, p.required from telecasterserviceparameter p join telecasterservice s on "
                   "s.pkid = p.fktelecasterservice where s.name = 'IPPA' order by p.rowid") == [
        ("username", "f", "t"), ("password", "t", "t"), ("extension", "f", "t")]
    directory_row = rows(sim, PHONE)[0]
    assert directory_row[1:] == ("Directory", "Directory", 0, "", DIR_URL + "?dept=sales")

    # the same again changes nothing; a new extension in the playbook reaches the phone's URL in the same
    # run, with exactly one write (the value; CUCM's rule RI-167 rebuilds the URL of a changed value)
    mark = sim.mark()
    ok(ansible.run(setup + [agent(name="Agent Login", extension="2002")]), changed=[False] * 5 + [True])
    assert write_ops(sim, mark) == ["executeSQLUpdate"]
    assert effective(sim, PHONE)["Agent Login"] == agent_url(PHONE, CANARY, "2002")
    assert rows(sim, PHONE)[0] == directory_row
    assert effective(sim, PROFILE) == {"IPPA": agent_url(PROFILE, CANARY)}

    # the agent changes the password in Self Care: the value changes, the phone's URL does not
    selfcare(sim, PHONE, AGENT_PW)
    assert values(sim, PHONE)["password"] == AGENT_PW
    assert effective(sim, PHONE)["Agent Login"] == agent_url(PHONE, CANARY, "2002")

    # check mode finds it (without showing a value), applying fixes it with one re-save, then it is fresh
    mark = sim.mark()
    run = ansible.run([checked(update_task()), update_task(), update_task()], diff=True, verbosity=4)
    predicted, applied, again = [r["result"] for r in ok(run, changed=[True, True, False])]
    assert predicted["subscriptions"] == {"stale": 1, "devices": [PHONE]}
    assert applied["subscriptions"] == {"stale": 1, "devices": [PHONE], "rebuilt_by_save": 1, "rebuilt_by_sql": 0}
    assert again["subscriptions"] == {"stale": 0, "devices": []}
    assert write_ops(sim, mark) == ["updatePhone"]          # the check-mode task and the re-run wrote nothing
    for secret in (AGENT_PW, CANARY):
        assert secret not in run.output and secret not in json.dumps(run.results)
    assert effective(sim, PHONE) == {"Directory": DIR_URL + "?dept=sales",
                                     "Agent Login": agent_url(PHONE, AGENT_PW, "2002")}
    assert rows(sim, PHONE)[0] == directory_row
    assert effective(sim, PROFILE) == {"IPPA": agent_url(PROFILE, CANARY)}


# ------------------------------------------------------------------------------- update_secrets
def test_update_secrets_on_create_keeps_the_agents_password_always_resets_it(ansible14, sim14):
    ok(ansible14.run([ippa(), agent()]))
    selfcare(sim14, PHONE, AGENT_PW)

    # on_create (the default): the agent's password stays, and the stale URL is rebuilt with it
    mark = sim14.mark()
    healed, again = [r["result"] for r in ok(ansible14.run([agent(), agent()], diff=True), changed=[True, False])]
    assert healed["url_rebuilt"] is True and again["url_rebuilt"] is False
    assert "password" not in healed["diff"]["after"]["parameters"]
    assert healed["subscription"]["parameters"] == {"username": "agent1", "password": MASK, "extension": "2001"}
    assert write_ops(sim14, mark) == ["updatePhone"]        # the re-save; no value written
    assert values(sim14, PHONE)["password"] == AGENT_PW
    assert effective(sim14, PHONE)["IPPA"] == agent_url(PHONE, AGENT_PW)

    # always: a deliberate reset, then nothing more to do
    reset = agent(password="Reset-Pw-3391", update_secrets="always")
    run = ansible14.run([reset, reset], diff=True)
    written, again = [r["result"] for r in ok(run, changed=[True, False])]
    assert written["diff"]["after"]["parameters"]["password"] == MASK
    assert "password" not in written["diff"]["before"]["parameters"]
    assert values(sim14, PHONE)["password"] == "Reset-Pw-3391"
    assert effective(sim14, PHONE)["IPPA"] == agent_url(PHONE, "Reset-Pw-3391")
    assert "Reset-Pw-3391" not in run.output and "Reset-Pw-3391" not in json.dumps(run.results)


# ------------------------------------------------------------------------------- secrets never shown
def test_password_values_never_shown(ansible14, sim14):
    canaries = ["Cnry-A-1931q", "Cnry-B-2842w", "Cnry-C-3753e", "Cnry-D-4664r", "Cnry-E-5575t", "Cnry-F-6486y"]
    tasks = [
        ippa(),
        agent(password=canaries[0], name="Agent Login"),
        agent(password=canaries[1], update_secrets="always", extension="2009"),
        {"name": "info", SUB_INFO: {"service": "IPPA"}, "register": "i"},
        {"name": "show", "ansible.builtin.debug": {"var": "r"}},
        # failures before the service is read (an option the module does not have, a bad choice, no
        # connection) and after it (an unknown parameter); then a task with a warning
        dict(agent(password=canaries[2], extention="1"), ignore_errors=True),
        dict(sub(parameters={"password": canaries[3]}, device_type="desk"), ignore_errors=True),
        dict(sub(parameters={"password": canaries[4]}, cucm_port=1, retry_budget=0), ignore_errors=True),
        dict(sub(parameters={"password": canaries[5], "extention": "1"}), ignore_errors=True),
        sub(parameters={"password": canaries[5]}, validate_certs=False, ca_path=None),
    ]
    run = ansible14.run(tasks, diff=True, verbosity=4)
    assert run.rc == 0, run
    failed = [r["result"]["msg"] for r in run.results if r["status"] == "failed"]
    assert len(failed) == 4, [(r["task"], r["status"]) for r in run.results]
    dumped = json.dumps(run.results)
    for canary in canaries + ["ciscopsdt"]:
        assert canary not in run.output, canary
        assert canary not in dumped, canary
    assert MASK in run.output
    assert "validate_certs is false" in run.output
    assert "extention" in failed[0] and "device_type" in failed[1] and "cannot connect" in failed[2]
    assert "parameters: service 'IPPA' has no parameter 'extention' (did you mean 'extension'?)" in failed[3]
    info = [r["result"] for r in run.results if r["task"] == "info"][0]
    assert [s["parameters"]["password"] for s in info["subscriptions"]] == [MASK]
    assert values(sim14, PHONE)["password"] == canaries[1]


# ------------------------------------------------------------------------------- bad input
def parameters(**changes):
    return dict(dict(username="a", password="Pw-Bad-1", extension="1"), **changes)


BAD_INPUT = [
    (sub("SEPFFFFFFFFFFFF", parameters=parameters()), "device: unknown phone 'SEPFFFFFFFFFFFF'"),
    (sub(PROFILE, parameters=parameters()),
     "device: 'UDP_user00001' is a device profile, not a phone; set device_type: device_profile"),
    (sub(service="IPPB"), "service: unknown IP phone service 'IPPB' (did you mean 'IPPA'?)"),
    (sub(parameters=dict(parameters(), extention="1")),
     "parameters: service 'IPPA' has no parameter 'extention' (did you mean 'extension'?)"),
    (sub(PHONE2, parameters={"username": "a", "password": "Pw-Bad-1"}), "parameters: service 'IPPA' requires 'extension'"),
    (sub(parameters=parameters(username="u" * 101)),
     "parameters: the value of 'username' is 101 characters long; CUCM allows at most 100"),
    (sub(parameters=parameters(username='a"b')),
     "parameters: the value of 'username' is not valid: at most 100 printable ASCII characters, no double quote"),
    (sub(parameters=parameters(username="a\\b")), "parameters: the value of 'username' contains a backslash"),
    (sub(service="Everyone"), "service: 'Everyone' is an enterprise subscription service"),
    (sub(name="N" * 33, parameters=parameters()), "name: '%s' is 33 characters long; CUCM allows at most 32" % ("N" * 33)),
    ({"name": "svc", SERVICE: {"name": "Everyone", "enterprise_subscription": False}},
     "enterprise_subscription: CUCM sets it only when a service is created"),
    # an exported service (password default masked) applied to a cluster that does not have it
    ({"name": "masked", SERVICE: {"name": "Fresh", "url": DIR_URL, "parameters": [
        {"name": "pin", "password": True, "default": MASK}]}},
     "parameters: the default of 'pin' is %s (how an export shows a password) and service 'Fresh' has no such" % MASK),
]


def test_bad_input_fails_before_any_write(ansible14, sim14):
    ok(ansible14.run([ippa(), {"name": "everyone", SERVICE: {"name": "Everyone", "url": DIR_URL,
                                                             "enterprise_subscription": True}}]))
    before, state = writes(sim14), snapshot(sim14)
    run = ansible14.run([dict(task, ignore_errors=True) for task, _m in BAD_INPUT])
    assert len(run.results) == len(BAD_INPUT)
    for (task, message), result in zip(BAD_INPUT, run.results):
        assert result["status"] == "failed", (task, result["result"])
        assert message in result["result"]["msg"], (message, result["result"]["msg"])
        assert "Nothing was written" in result["result"]["msg"]
    assert writes(sim14) == before
    assert snapshot(sim14) == state


def test_the_101st_subscription_is_refused(ansible14, sim14):
    ok(ansible14.run([ippa(), {"name": "filler", SERVICE: {"name": "Filler", "url": DIR_URL}}]))
    items = "".join("<service><telecasterServiceName>Filler</telecasterServiceName><name>F%d</name>"
                    "<urlButtonIndex>%d</urlButtonIndex></service>" % (i, i) for i in range(1, 101))
    axl(sim14, "updatePhone", "<name>%s</name><services>%s</services>" % (PHONE2, items))
    filled = rows(sim14, PHONE2)
    assert len(filled) == 100
    mark = sim14.mark()
    run = ansible14.run([dict(checked(agent(PHONE2)), ignore_errors=True), dict(agent(PHONE2), ignore_errors=True),
                         sub(PHONE2, service="Filler", url_button_index=7, url_label="seven")])
    assert [r["status"] for r in run.results] == ["failed", "failed", "ok"]
    for result in run.results[:2]:
        assert ("device: 'SEP0A0000000002' already has 100 IP phone service subscriptions, the most CUCM allows"
                in result["result"]["msg"])
    # one of the hundred can still change in place (every other one sent back as it was)
    assert write_ops(sim14, mark) == ["updatePhone"]
    after = rows(sim14, PHONE2)
    assert [r[:4] + r[5:] for r in after] == [r[:4] + r[5:] for r in filled]
    assert [r[4] for r in after if r[4]] == ["seven"]

    # deleting the service deletes its subscriptions
    ok(ansible14.run([{"name": "gone", SERVICE: {"name": "Filler", "state": "absent"}}]), changed=[True])
    assert rows(sim14, PHONE2) == []


# ------------------------------------------------------------------------------- the subscription's life
def test_subscription_lifecycle_keeps_other_subscriptions(ansible14, sim14):
    ok(ansible14.run([ippa(), directory(), sub(service="Directory", parameters={"dept": "sales"}),
                      sub(service="Directory", url_button_index=2, url_label="Dir", name="Dir button"),
                      agent(PROFILE, device_type="device_profile", name="Agent", url_button_index=1)]))
    others = rows(sim14, PHONE)
    assert [r[1:5] for r in others] == [("Directory", "Directory", 0, ""), ("Directory", "Dir button", 2, "Dir")]
    assert others[1][5] == DIR_URL + "?dept=all"        # a new subscription gets the service's defaults
    assert effective(sim14, PROFILE) == {"Agent": agent_url(PROFILE, CANARY)}

    # check mode predicts the create and writes nothing (the real create that follows still creates);
    # then a rename with a label (values kept) and one value changed (the others kept)
    run = ansible14.run([checked(agent()), agent(), agent(name="Agent Login", url_label="Agent"),
                         sub(parameters={"username": "agent9"}),
                         {"name": "info", SUB_INFO: {"device": PHONE}, "register": "i"},
                         {"name": "info", SUB_INFO: {"service": "IPPA", "device": PROFILE}, "register": "i"},
                         {"name": "info", SERVICE_INFO: {"name": "IPP%"}, "register": "i"}], diff=True)
    predicted, created, renamed, changed, by_device, by_service, services = [r["result"] for r in ok(run)]
    assert [predicted["changed"], created["changed"], renamed["changed"], changed["changed"]] == [True] * 4
    for result in (predicted, created):
        assert result["diff"]["before"] == {}
        assert result["diff"]["after"]["parameters"] == {"username": "agent1", "password": MASK, "extension": "2001"}
    assert predicted["subscription"]["uuid"] == "{00000000-0000-0000-0000-000000000000}"
    assert renamed["diff"]["before"]["name"] == "IPPA" and renamed["diff"]["after"]["name"] == "Agent Login"
    assert rows(sim14, PHONE)[:2] == others
    assert [r[2:5] for r in rows(sim14, PHONE)[2:]] == [("Agent Login", 0, "Agent")]
    assert values(sim14, PHONE) == {"username": "agent9", "password": CANARY, "extension": "2001"}
    assert effective(sim14, PHONE)["Agent Login"] == agent_url(PHONE, CANARY).replace("agent1", "agent9")

    # info: by device, by service and device, service definitions; in the modules' input shape
    found = by_device["subscriptions"]
    assert [(s["service"], s["name"], s["url_button_index"], s["stale"]) for s in found] == [
        ("Directory", "Directory", 0, False), ("Directory", "Dir button", 2, False), ("IPPA", "Agent Login", 0, False)]
    assert found[2]["parameters"] == {"username": "agent9", "password": MASK, "extension": "2001"}
    assert by_service["subscriptions"] == [{
        "device": PROFILE, "device_type": "device_profile", "service": "IPPA", "name": "Agent", "url_button_index": 1,
        "url_label": "", "parameters": {"username": "agent1", "password": MASK, "extension": "2001"}, "stale": False}]
    exported = services["services"]
    assert [s["name"] for s in exported] == ["IPPA"]
    # CUCM's order (the simulator's: newest first), not the declared one: parameters have no order in CUCM
    assert sorted(p["name"] for p in exported[0]["parameters"]) == ["extension", "password", "username"]

    # what was read, applied again, changes nothing; absent removes exactly this one subscription
    mark = sim14.mark()
    reusable = [dict((k, v) for k, v in s.items() if k != "stale") for s in found[:2]]
    run = ansible14.run([{"name": "apply", SUB: "{{ item }}", "loop": "{{ found }}"},
                         {"name": "apply", SERVICE: "{{ item }}", "loop": "{{ exported }}"},
                         sub(state="absent"), sub(state="absent")],
                        play_vars={"found": reusable, "exported": exported})
    ok(run, changed=[False, False, True, False])
    assert write_ops(sim14, mark) == ["updatePhone"]
    assert rows(sim14, PHONE) == others
    assert values(sim14, PHONE) == {}


# ------------------------------------------------------------------------------- service definitions
def test_service_parameters_and_update_subscriptions_after_a_url_change(ansible14, sim14):
    ok(ansible14.run([ippa(), agent(), agent(PHONE2), agent(PHONE2, name="Second", url_button_index=3),
                      agent(PROFILE, device_type="device_profile")]))

    # a parameter added is an addParameters; a re-ordered list is no change (parameters are compared by name:
    # CUCM keeps no order; was: the whole list sent again, and a change on every run)
    mark = sim14.mark()
    params = ippa()[SERVICE]["parameters"] + [{"name": "team", "display_name": "Team", "default": "blue"}]
    reordered = [params[3], params[0], params[1], params[2]]
    run = ansible14.run([ippa(parameters=params), ippa(parameters=reordered), ippa(parameters=reordered)], diff=True)
    added, moved, _again = [r["result"] for r in ok(run, changed=[True, False, False])]
    sent = [e["request"] for e in sim14.requests_since(mark) if e["operation"] == "updateIpPhoneServices"]
    assert len(sent) == 1
    assert "<addParameters>" in sent[0] and "<parameters>" not in sent[0]
    assert [p["name"] for p in added["diff"]["after"]["parameters"]] == ["username", "password", "extension", "team"]
    assert [p["name"] for p in added["diff"]["before"]["parameters"]] == ["username", "password", "extension"]
    assert values(sim14, PHONE) == {"username": "agent1", "password": CANARY, "extension": "2001"}

    # the service URL changes: every subscription is stale; predicted in check mode (in the same task
    # as the change), then fixed with one re-save per device, then fresh; a removed parameter that no
    # subscription has a value for leaves nothing stale
    new_url = "https://uccx2.example.com/ipphone/login.jsp?dev=#DEVICENAME#"
    task = ippa(url=new_url, parameters=reordered, update_subscriptions=True)
    mark = sim14.mark()
    run = ansible14.run([checked(task), task, task,
                         ippa(url=new_url, parameters=reordered[1:], update_subscriptions=True)])
    predicted, applied, again, removed = [r["result"] for r in ok(run, changed=[True, True, False, True])]
    devices = [PHONE, PHONE2, PROFILE]
    assert predicted["subscriptions"] == {"stale": 4, "devices": devices}
    assert applied["subscriptions"] == {"stale": 4, "devices": devices, "rebuilt_by_save": 4, "rebuilt_by_sql": 0}
    assert again["subscriptions"]["stale"] == removed["subscriptions"]["stale"] == 0
    ops = write_ops(sim14, mark)
    assert ops.count("updatePhone") == 2 and ops.count("updateDeviceProfile") == 1
    assert ops.count("updateIpPhoneServices") == 2 and len(ops) == 5
    query = "username=agent1&password=%s&extension=2001" % CANARY
    assert effective(sim14, PHONE2) == {"IPPA": expanded(new_url, PHONE2, query),
                                        "Second": expanded(new_url, PHONE2, query)}
    assert effective(sim14, PROFILE) == {"IPPA": expanded(new_url, PROFILE, query)}
    assert sim14.sql("select urltemplate from telecasterservice where name = 'IPPA'") == [(new_url,)]
