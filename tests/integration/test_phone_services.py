"""cucm_phone_service, cucm_phone_service_subscription and their _info modules against the simulator.

Every claim is checked independently: the URL a phone would request through the simulator's
``/__sim__/effective-urls``, parameter values and subscription rows through SQL reads of its
database (telecasterservice, telecasterserviceparameter, telecastersubscribedservice,
telecastersubscribedparameter), writes through its counters and request log.  The Self Care
Portal's edit (which leaves the built URL stale) is ``POST /__sim__/selfcare/service-parameter``.
"""

import json

import pytest

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
                   "s.pkid = p.fktelecasterservice where s.name = 'IPPA' order by p.sortorder") == [
        ("username", "f", "t"), ("password", "t", "t"), ("extension", "f", "t")]
    directory_row = rows(sim, PHONE)[0]
    assert directory_row[1:] == ("Directory", "Directory", 0, "", DIR_URL + "?dept=sales")

    # the same again: nothing changes, nothing is written
    before = writes(sim)
    ok(ansible.run(setup), changed=[False] * 5)
    assert writes(sim) == before

    # a new extension in the playbook reaches the phone's URL in the same run
    ok(ansible.run([agent(name="Agent Login", extension="2002")]), changed=[True])
    assert effective(sim, PHONE)["Agent Login"] == agent_url(PHONE, CANARY, "2002")
    assert rows(sim, PHONE)[0] == directory_row
    assert effective(sim, PROFILE) == {"IPPA": agent_url(PROFILE, CANARY)}

    # the agent changes the password in Self Care: the value changes, the phone's URL does not
    selfcare(sim, PHONE, AGENT_PW)
    assert values(sim, PHONE)["password"] == AGENT_PW
    assert effective(sim, PHONE)["Agent Login"] == agent_url(PHONE, CANARY, "2002")

    # check mode finds it without showing the value and writes nothing
    before = writes(sim)
    run = ansible.run([{"name": "update", SERVICE: {"name": "IPPA", "update_subscriptions": True}}], check=True,
                      diff=True, verbosity=4)
    result = ok(run, changed=[True])[0]["result"]
    assert result["subscriptions"] == {"stale": 1, "devices": [PHONE]}
    for secret in (AGENT_PW, CANARY):
        assert secret not in run.output and secret not in json.dumps(run.results)
    assert writes(sim) == before

    # applied: the phone's URL carries the agent's password; the profile and the directory are untouched
    mark = sim.mark()
    result = ok(ansible.run([{"name": "update", SERVICE: {"name": "IPPA", "update_subscriptions": True}}]),
                changed=[True])[0]["result"]
    assert result["subscriptions"] == {"stale": 1, "devices": [PHONE], "rebuilt_by_save": 1, "rebuilt_by_sql": 0}
    assert effective(sim, PHONE) == {"Directory": DIR_URL + "?dept=sales",
                                     "Agent Login": agent_url(PHONE, AGENT_PW, "2002")}
    assert rows(sim, PHONE)[0] == directory_row
    assert operations(sim, mark).count("updatePhone") == 1
    assert "updateDeviceProfile" not in operations(sim, mark)

    # fresh now: nothing to do
    before = writes(sim)
    ok(ansible.run([{"name": "update", SERVICE: {"name": "IPPA", "update_subscriptions": True}}]), changed=[False])
    assert writes(sim) == before


# ------------------------------------------------------------------------------- update_secrets
def test_update_secrets_on_create_keeps_the_agents_password_always_resets_it(ansible14, sim14):
    ok(ansible14.run([ippa(), agent()]))
    selfcare(sim14, PHONE, AGENT_PW)

    # on_create (the default): the agent's password stays; the stale URL is rebuilt with it
    run = ansible14.run([agent(extension="2001")], diff=True)
    result = ok(run, changed=[True])[0]["result"]
    assert result["url_rebuilt"] is True
    assert values(sim14, PHONE)["password"] == AGENT_PW
    assert effective(sim14, PHONE)["IPPA"] == agent_url(PHONE, AGENT_PW)
    assert "password" not in result["diff"]["after"]["parameters"]
    before = writes(sim14)
    result = ok(ansible14.run([agent()]), changed=[False])[0]["result"]
    assert result["url_rebuilt"] is False and writes(sim14) == before
    assert result["subscription"]["parameters"] == {"username": "agent1", "password": MASK, "extension": "2001"}

    # always: a deliberate reset
    run = ansible14.run([agent(password="Reset-Pw-3391", update_secrets="always")], diff=True)
    result = ok(run, changed=[True])[0]["result"]
    assert result["diff"]["after"]["parameters"]["password"] == MASK
    assert "password" not in result["diff"]["before"]["parameters"]
    assert values(sim14, PHONE)["password"] == "Reset-Pw-3391"
    assert effective(sim14, PHONE)["IPPA"] == agent_url(PHONE, "Reset-Pw-3391")
    assert "Reset-Pw-3391" not in run.output
    before = writes(sim14)
    ok(ansible14.run([agent(password="Reset-Pw-3391", update_secrets="always")]), changed=[False])
    assert writes(sim14) == before


# ------------------------------------------------------------------------------- secrets never shown
def test_password_values_never_shown(ansible14, sim14):
    canaries = ["Cnry-A-1931q", "Cnry-B-2842w", "Cnry-C-3753e", "Cnry-D-4664r", "Cnry-E-5575t", "Cnry-F-6486y"]
    tasks = [
        ippa(),
        agent(password=canaries[0], name="Agent Login"),
        agent(password=canaries[1], update_secrets="always", extension="2009"),
        agent(PROFILE, device_type="device_profile", password=canaries[2]),
        {"name": "info device", SUB_INFO: {"device": PHONE}, "register": "i1"},
        {"name": "info service", SUB_INFO: {"service": "IPPA"}, "register": "i2"},
        {"name": "show", "ansible.builtin.debug": {"var": "r"}},
        # failures before the service is read (an option the module does not have, a bad choice, no
        # connection) and after (an unknown parameter); then a task with a warning
        dict(agent(password=canaries[3], extention="1"), ignore_errors=True),
        dict(sub(parameters={"password": canaries[4], "extention": "1"}), ignore_errors=True),
        dict(sub(parameters={"password": canaries[4]}, device_type="desk"), ignore_errors=True),
        dict(sub(parameters={"password": canaries[5]}, cucm_port=1, retry_budget=0), ignore_errors=True),
        dict(sub(parameters={"password": canaries[5]}, validate_certs=False, ca_path=None)),
    ]
    run = ansible14.run(tasks, diff=True, verbosity=4)
    assert run.rc == 0, run
    statuses = [(r["task"], r["status"]) for r in run.results]
    assert [s for _t, s in statuses].count("failed") == 4, statuses
    dumped = json.dumps(run.results)
    for canary in canaries + ["ciscopsdt"]:
        assert canary not in run.output, canary
        assert canary not in dumped, canary
    assert MASK in run.output
    assert "validate_certs is false" in run.output
    failed = [r["result"]["msg"] for r in run.results if r["status"] == "failed"]
    assert "extention" in failed[0]                                              # unsupported parameter
    assert "parameters: service 'IPPA' has no parameter 'extention' (did you mean 'extension'?)" in failed[1]
    assert "device_type" in failed[2]
    assert failed[3]
    info = [r["result"] for r in run.results if r["task"].startswith("info")]
    assert info[0]["subscriptions"][0]["parameters"]["password"] == MASK
    assert all(s["parameters"]["password"] == MASK for s in info[1]["subscriptions"])
    assert values(sim14, PHONE)["password"] == canaries[1]


# ------------------------------------------------------------------------------- bad input
BAD_INPUT = [
    (sub("SEPFFFFFFFFFFFF", parameters={"username": "a", "password": "p", "extension": "1"}),
     "device: unknown phone 'SEPFFFFFFFFFFFF'"),
    (sub(PROFILE, parameters={"username": "a", "password": "p", "extension": "1"}),
     "device: 'UDP_user00001' is a device profile, not a phone; set device_type: device_profile"),
    (sub(service="IPPB"), "service: unknown IP phone service 'IPPB' (did you mean 'IPPA'?)"),
    (sub(parameters={"username": "a", "password": "p", "extention": "1"}),
     "parameters: service 'IPPA' has no parameter 'extention' (did you mean 'extension'?)"),
    (sub(PHONE2, parameters={"username": "a", "password": "p"}), "parameters: service 'IPPA' requires 'extension'"),
    (sub(parameters={"username": "u" * 101, "password": "p", "extension": "1"}),
     "parameters: the value of 'username' is 101 characters long; CUCM allows at most 100"),
    (sub(parameters={"username": 'a"b', "password": "p", "extension": "1"}),
     "parameters: the value of 'username' is not valid: at most 100 printable ASCII characters, no double quote"),
    (sub(service="Everyone"), "service: 'Everyone' is an enterprise subscription service"),
    (sub(name="N" * 33, parameters={"username": "a", "password": "p", "extension": "1"}),
     "name: '%s' is 33 characters long; CUCM allows at most 32" % ("N" * 33)),
    (sub(PHONE3, service="Directory", url_button_index=1), "url_button_index: button 1 of 'SEP0A0000000003' is "
                                                            "already used by subscription 'IPPA' (service 'IPPA')"),
    (sub(url_label="a&b", parameters={"username": "a", "password": "p", "extension": "1"}), "url_label:"),
    ({"name": "svc", SERVICE: {"name": "Everyone", "enterprise_subscription": False}},
     "enterprise_subscription: CUCM sets it only when a service is created"),
    ({"name": "svc", SERVICE: {"name": "New", "url": DIR_URL, "parameters": [{"name": "a b"}]}},
     "parameters: name 'a b' of parameter 'a b' is not valid"),
    ({"name": "svc", SERVICE: {"name": "New", "url": DIR_URL, "enterprise_subscription": True,
                               "parameters": [{"name": "x"}]}}, "parameters: an enterprise subscription service"),
    ({"name": "svc", SERVICE: {"name": "New"}}, "url: a service needs url or secure_url"),
    ({"name": "svc", SERVICE: {"name": "New", "url": DIR_URL + '"'}}, "url: "),
]


def test_bad_input_fails_before_any_write(ansible14, sim14):
    ok(ansible14.run([ippa(), directory(),
                      {"name": "everyone", SERVICE: {"name": "Everyone", "url": DIR_URL, "enterprise_subscription": True}},
                      agent(PHONE3, url_button_index=1)]))
    before, state = writes(sim14), snapshot(sim14)
    run = ansible14.run([dict(task, ignore_errors=True) for task, _m in BAD_INPUT])
    assert len(run.results) == len(BAD_INPUT)
    for (task, message), result in zip(BAD_INPUT, run.results):
        assert result["status"] == "failed", (task, result["result"])
        assert message in result["result"]["msg"], (message, result["result"]["msg"])
        assert "Nothing was written" in result["result"]["msg"] or message.startswith("url: ")
    assert writes(sim14) == before
    assert snapshot(sim14) == state


def test_the_101st_subscription_is_refused(ansible14, sim14):
    ok(ansible14.run([ippa(), {"name": "filler", SERVICE: {"name": "Filler", "url": DIR_URL}}]))
    items = "".join("<service><telecasterServiceName>Filler</telecasterServiceName><name>F%d</name>"
                    "<urlButtonIndex>%d</urlButtonIndex></service>" % (i, i) for i in range(1, 101))
    axl(sim14, "updatePhone", "<name>%s</name><services>%s</services>" % (PHONE2, items))
    assert len(rows(sim14, PHONE2)) == 100
    before, state = writes(sim14), snapshot(sim14)
    for check in (True, False):
        run = ansible14.run([agent(PHONE2)], check=check)
        assert run.rc != 0
        assert ("device: 'SEP0A0000000002' already has 100 IP phone service subscriptions, the most CUCM allows"
                in run.failed[0]["result"]["msg"])
    assert writes(sim14) == before and snapshot(sim14) == state
    # one of the hundred changes in place: still allowed
    ok(ansible14.run([sub(PHONE2, service="Filler", url_button_index=7, url_label="seven")]), changed=[True])
    assert len(rows(sim14, PHONE2)) == 100


# ------------------------------------------------------------------------------- the subscription's life
def test_subscription_lifecycle_keeps_other_subscriptions(ansible14, sim14):
    ok(ansible14.run([ippa(), directory(), sub(service="Directory", parameters={"dept": "sales"}),
                      sub(service="Directory", url_button_index=2, url_label="Dir", name="Dir button")]))
    others = rows(sim14, PHONE)
    assert [r[1:5] for r in others] == [("Directory", "Directory", 0, ""), ("Directory", "Dir button", 2, "Dir")]
    assert others[1][5] == DIR_URL + "?dept=all"        # a new subscription gets the service's defaults

    # check mode and diff: predicted, nothing written
    before = writes(sim14)
    run = ansible14.run([agent()], check=True, diff=True)
    result = ok(run, changed=[True])[0]["result"]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["parameters"] == {"username": "agent1", "password": MASK, "extension": "2001"}
    assert result["subscription"]["uuid"] == "{00000000-0000-0000-0000-000000000000}"
    assert writes(sim14) == before and len(rows(sim14, PHONE)) == 2

    ok(ansible14.run([agent()]), changed=[True])
    assert rows(sim14, PHONE)[:2] == others

    # rename and label: the values stay (CUCM may replace the row; the module writes them back)
    run = ansible14.run([agent(name="Agent Login", url_label="Agent")], diff=True)
    result = ok(run, changed=[True])[0]["result"]
    assert result["diff"]["before"]["name"] == "IPPA" and result["diff"]["after"]["name"] == "Agent Login"
    assert rows(sim14, PHONE)[:2] == others
    assert [r[2:5] for r in rows(sim14, PHONE)[2:]] == [("Agent Login", 0, "Agent")]
    assert values(sim14, PHONE) == {"username": "agent1", "password": CANARY, "extension": "2001"}
    assert effective(sim14, PHONE)["Agent Login"] == agent_url(PHONE, CANARY)

    # undeclared parameters keep their values; a declared one changes
    ok(ansible14.run([sub(parameters={"username": "agent9"})]), changed=[True])
    assert values(sim14, PHONE) == {"username": "agent9", "password": CANARY, "extension": "2001"}
    assert effective(sim14, PHONE)["Agent Login"] == agent_url(PHONE, CANARY).replace("agent1", "agent9")

    # info: by device and by service, in the module's input shape, applied again changes nothing
    run = ansible14.run([{"name": "info", SUB_INFO: {"device": PHONE}, "register": "i"}])
    found = ok(run)[0]["result"]["subscriptions"]
    assert [(s["service"], s["name"], s["url_button_index"], s["stale"]) for s in found] == [
        ("Directory", "Directory", 0, False), ("Directory", "Dir button", 2, False), ("IPPA", "Agent Login", 0, False)]
    assert found[2]["parameters"] == {"username": "agent9", "password": MASK, "extension": "2001"}
    reusable = [dict((k, v) for k, v in s.items() if k != "stale") for s in found[:2]]
    before = writes(sim14)
    ok(ansible14.run([{"name": "apply", SUB: "{{ item }}", "loop": "{{ found }}"}], play_vars={"found": reusable}),
       changed=[False])
    assert writes(sim14) == before

    # absent removes exactly this one
    ok(ansible14.run([sub(state="absent")]), changed=[True])
    assert rows(sim14, PHONE) == others
    assert values(sim14, PHONE) == {}
    ok(ansible14.run([sub(state="absent")]), changed=[False])


def test_device_profile_subscription_and_service_info(ansible14, sim14):
    ok(ansible14.run([ippa(), agent(PROFILE, device_type="device_profile", name="Agent", url_button_index=1)]))
    assert effective(sim14, PROFILE) == {"Agent": agent_url(PROFILE, CANARY)}
    run = ansible14.run([{"name": "info", SUB_INFO: {"service": "IPPA", "device": PROFILE}, "register": "i"},
                         {"name": "services", SERVICE_INFO: {"name": "IPP%"}, "register": "s"}])
    subs, services = [r["result"] for r in ok(run)]
    assert subs["subscriptions"] == [{
        "device": PROFILE, "device_type": "device_profile", "service": "IPPA", "name": "Agent", "url_button_index": 1,
        "url_label": "", "parameters": {"username": "agent1", "password": MASK, "extension": "2001"}, "stale": False}]
    exported = services["services"]
    assert [s["name"] for s in exported] == ["IPPA"]
    assert [p["name"] for p in exported[0]["parameters"]] == ["username", "password", "extension"]
    before = writes(sim14)
    ok(ansible14.run([{"name": "apply", SERVICE: "{{ item }}", "loop": "{{ exported }}"}],
                     play_vars={"exported": exported}), changed=[False])
    assert writes(sim14) == before


# ------------------------------------------------------------------------------- service definitions
def test_service_parameters_and_update_subscriptions_after_a_url_change(ansible14, sim14):
    ok(ansible14.run([ippa(), agent(), agent(PHONE2), agent(PHONE2, name="Second", url_button_index=3),
                      agent(PROFILE, device_type="device_profile")]))

    # a parameter added at the end is an addParameters; the subscribers keep their values
    mark = sim14.mark()
    params = ippa()[SERVICE]["parameters"] + [{"name": "team", "display_name": "Team", "default": "blue"}]
    ok(ansible14.run([ippa(parameters=params)]), changed=[True])
    assert operations(sim14, mark).count("updateIpPhoneServices") == 1
    sent = [e["request"] for e in sim14.requests_since(mark) if e["operation"] == "updateIpPhoneServices"][0]
    assert "addParameters" in sent and "<parameters>" not in sent
    assert values(sim14, PHONE) == {"username": "agent1", "password": CANARY, "extension": "2001"}

    # re-ordered: the whole list, matched by name (values kept)
    reordered = [params[3], params[0], params[1], params[2]]
    run = ansible14.run([ippa(parameters=reordered)], diff=True)
    result = ok(run, changed=[True])[0]["result"]
    assert [p["name"] for p in result["diff"]["after"]["parameters"]] == ["team", "username", "password", "extension"]
    assert values(sim14, PHONE)["password"] == CANARY
    ok(ansible14.run([ippa(parameters=reordered)]), changed=[False])

    # the service URL changes: every subscription is stale; check mode predicts it in the same task
    new_url = "https://uccx2.example.com/ipphone/login.jsp?dev=#DEVICENAME#"
    task = ippa(url=new_url, parameters=reordered, update_subscriptions=True)
    before = writes(sim14)
    result = ok(ansible14.run([task], check=True), changed=[True])[0]["result"]
    assert result["subscriptions"] == {"stale": 4, "devices": [PHONE, PHONE2, PROFILE]}
    assert writes(sim14) == before

    mark = sim14.mark()
    result = ok(ansible14.run([task]), changed=[True])[0]["result"]
    assert result["subscriptions"] == {"stale": 4, "devices": [PHONE, PHONE2, PROFILE], "rebuilt_by_save": 4,
                                       "rebuilt_by_sql": 0}
    ops = operations(sim14, mark)
    assert ops.count("updatePhone") == 2 and ops.count("updateDeviceProfile") == 1     # one re-save per device
    assert effective(sim14, PHONE2) == {
        "IPPA": expanded(new_url, PHONE2, "username=agent1&password=%s&extension=2001" % CANARY),
        "Second": expanded(new_url, PHONE2, "username=agent1&password=%s&extension=2001" % CANARY)}
    before = writes(sim14)
    ok(ansible14.run([task]), changed=[False])
    assert writes(sim14) == before

    # a removed parameter leaves its name in the URLs until they are rebuilt
    task = ippa(url=new_url, parameters=reordered[1:], update_subscriptions=True)
    result = ok(ansible14.run([task]), changed=[True])[0]["result"]
    assert result["subscriptions"]["stale"] == 0          # 'team' had no values: nothing carried it
    assert sorted(values(sim14, PHONE)) == ["extension", "password", "username"]

    # delete
    ok(ansible14.run([{"name": "gone", SERVICE: {"name": "IPPA", "state": "absent"}}]), changed=[True])
    assert sim14.sql("select count(*) from telecasterservice where name = 'IPPA'") == [(0,)]
    assert rows(sim14, PHONE) == []
