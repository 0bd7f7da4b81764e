"""The phone-service workflows against the simulator: the phone_services_self_service role (the IP
Phone Agent pattern), the identity role's phone services and subscriptions (through
playbooks/provision.yml), the leavers role's subscription step, playbooks/repair_phone_service_subscriptions.yml
(the Self Care stale-URL bug) and playbooks/ippa_password_self_service.yml (an AWX survey: agent ID and
new password), also run through ansible-runner the way AWX runs a job.

Playbooks are run as users run them (``ansible-playbook`` with the connection in the ``CUCM_*``
environment variables); what changed is checked by independent reads of the simulator's database
(``sim.sql``), the URLs a phone would request now (``/__sim__/effective-urls``), its write counter and
its request log, never by the playbook's own claims.  Secrets are canaries, looked for in every output.
"""

import json
import os
import subprocess
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from conftest import ANSIBLE_BIN, ANSIBLE_PYTHON, BIN
from test_workflows import cucm_env, playbook, recap_changed, task, write_yaml

ROLE = "voiceops.cucm.phone_services_self_service"
SERVICE = "voiceops.cucm.cucm_phone_service"
SUB = "voiceops.cucm.cucm_phone_service_subscription"
MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
PLACEHOLDER = "{00000000-0000-0000-0000-000000000000}"
IPPA_URL = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
DIR_URL = "http://apps.example.com/directory"
ROLE_NAME = "IP Phone Agent Self-Service"
GROUP = "IP Phone Agents"
INITIAL = "Init-Cnry-5150k"        # the initial IP Phone Agent password everyone gets
OWN = "Own-Cnry-6261m"             # user00004's own initial password (per-agent)
SELFCARE = "Self-Cnry-7372n"       # what an agent sets in the Self Care Portal


def phone(i):
    return "SEP%012X" % (0x0A0000000000 + i)


def profile(i):
    return "UDP_user%05d" % i


# ------------------------------------------------------------------------------- independent reads
def writes(sim):
    return sim.stats()["writes"]


def write_ops(sim, mark):
    return [e["operation"] for e in sim.requests_since(mark)
            if e["operation"] == "executeSQLUpdate" or e["operation"].startswith(("add", "update", "remove"))]


def subscriptions(sim):
    """{(device, service, button): subscription pkid}."""
    return dict(((d, s, b), pk) for pk, d, s, b in sim.sql(
        "select ss.pkid, d.name, s.name, ss.urlbuttonindex from telecastersubscribedservice ss "
        "join device d on d.pkid = ss.fkdevice join telecasterservice s on s.pkid = ss.fktelecasterservice"))


def parameter_rows(sim):
    """Every parameter value row: {(device, service, parameter): (row pkid, value)}."""
    return dict(((d, s, p), (pk, v)) for pk, d, s, p, v in sim.sql(
        "select sp.pkid, d.name, s.name, p.name, sp.value from telecastersubscribedparameter sp "
        "join telecasterserviceparameter p on p.pkid = sp.fktelecasterserviceparameter "
        "join telecastersubscribedservice ss on ss.pkid = sp.fktelecastersubscribedservice "
        "join telecasterservice s on s.pkid = ss.fktelecasterservice join device d on d.pkid = ss.fkdevice"))


def values(sim, device, service="IPPA"):
    return dict((p, v) for (d, s, p), (_pk, v) in parameter_rows(sim).items() if d == device and s == service)


def effective(sim, device):
    """What the phone would request now: {subscription name: {query parameter: decoded value}}."""
    got = sim.admin("GET", "effective-urls", params={"device": device})
    return dict((s["name"], dict(parse_qsl(urlsplit(s["url"]).query, keep_blank_values=True)))
                for s in got["subscriptions"])


def group_roles(sim, group):
    return sorted(r for (r,) in sim.sql("select r.name from functionroledirgroupmap m join dirgroup g on g.pkid = m.fkdirgroup "
                                        "join functionrole r on r.pkid = m.fkfunctionrole where g.name = ?", (group,)))


def group_members(sim, group):
    return sorted(u for (u,) in sim.sql("select u.userid from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser "
                                        "join dirgroup g on g.pkid = m.fkdirgroup where g.name = ?", (group,)))


def selfcare(sim, device, value, parameter="password", service="IPPA"):
    sim.admin("POST", "selfcare/service-parameter",
              json={"device": device, "service": service, "parameter": parameter, "value": value})


def no_secret(run, *secrets):
    dumped = json.dumps(run.results)
    for secret in secrets:
        assert secret not in run.output, secret
        assert secret not in dumped, secret


# ------------------------------------------------------------------------------- set-ups
IPPA_PARAMETERS = [{"name": "username", "display_name": "Agent ID", "required": True},
                   {"name": "password", "display_name": "Agent password", "required": True, "password": True},
                   {"name": "extension", "display_name": "Agent extension", "required": True}]


def services_setup(ansible, subscribed, ippa=True):
    """The IPPA (unless not ``ippa``) and Directory services, and subscriptions: ``subscribed`` is
    [(device, service, values)]."""
    tasks = [{"name": "ippa", SERVICE: {"name": "IPPA", "url": IPPA_URL, "parameters": IPPA_PARAMETERS}}] if ippa else []
    tasks.append({"name": "directory", SERVICE: {"name": "Directory", "url": DIR_URL,
                                                 "parameters": [{"name": "dept", "default": "all"}]}})
    for device, service, params in subscribed:
        options = {"device": device, "service": service, "parameters": params}
        if device.startswith("UDP_"):
            options["device_type"] = "device_profile"
        if service == "Directory":
            options["url_button_index"] = 2
        tasks.append({"name": "sub", SUB: options})
    run = ansible.run(tasks)
    assert run.rc == 0, run


def agent(i, password=INITIAL):
    return {"username": "user%05d" % i, "password": password, "extension": str(100000 + i)}


def role_playbook(path, role_vars):
    """A playbook applying the self-service role (the connection comes from CUCM_*)."""
    write_yaml(path, [{"name": "IP Phone Agent self-service", "hosts": "all", "gather_facts": False,
                       "connection": "local", "roles": [{"role": ROLE, "vars": role_vars}]}])
    return path


def self_service_vars(**extra):
    data = {"phone_services_self_service_service_url": IPPA_URL,
            "phone_services_self_service_initial_password": INITIAL,
            "phone_services_self_service_initial_passwords": {"user00004": OWN},
            "phone_services_self_service_agents": [
                {"userid": "user00003"},                                    # phone, profile, extension discovered
                {"userid": "user00004", "phones": [phone(4)], "extension": "4444"}]}
    data.update(extra)
    return data


# ------------------------------------------------------------------------------- the self-service role
@pytest.mark.cores
def test_self_service_role_check_apply_idempotent_self_care_and_leaving_agent(ansible14, sim14, tmp_path):
    """The IPPA pattern: check mode on a fresh cluster (pending, no write), apply, the same again
    (changed=0, zero writes), then an agent's Self Care password kept (its stale URL healed) while another
    agent leaves. A Directory subscription on an agent's phone is never touched."""
    ansible, sim = ansible14, sim14
    services_setup(ansible, [(phone(3), "Directory", {"dept": "sales"})], ippa=False)
    directory_before = parameter_rows(sim)
    play = role_playbook(tmp_path / "ippa.yml", self_service_vars())
    standard_roles = group_roles(sim, "Standard CCM End Users")

    writes_before = writes(sim)
    run = playbook(ansible, str(play), "--check", "--diff")
    assert run.rc == 0, run
    assert writes(sim) == writes_before
    summary = task(run, "Summary")["msg"]
    assert summary["check_mode"] is True and summary["service_changed"] and summary["role_changed"]
    assert summary["pending_in_check_mode"] == [
        "group IP Phone Agents: roles", "subscription user00003: %s" % phone(3),
        "subscription user00003: %s" % profile(3), "subscription user00004: %s" % phone(4)]
    assert task(run, "Define the phone service")["service"]["uuid"] == PLACEHOLDER
    no_secret(run, INITIAL, OWN)

    run = playbook(ansible, str(play), "--diff", "-vvvv")
    assert run.rc == 0, run
    no_secret(run, INITIAL, OWN)
    summary = task(run, "Summary")["msg"]
    assert summary["subscriptions_changed"] == ["user00003: %s" % phone(3), "user00003: %s" % profile(3),
                                                "user00004: %s" % phone(4)]
    assert summary["repaired"] == {"stale": 0, "devices": []}
    # the service, with a masked password parameter
    assert sim.sql("select p.name, p.hidden, p.required from telecasterserviceparameter p join telecasterservice s on "
                   "s.pkid = p.fktelecasterservice where s.name = 'IPPA' order by p.rowid") == [
        ("username", "f", "t"), ("password", "t", "t"), ("extension", "f", "t")]
    # the role grants the Phone Services web pages, read and update (bits 1 + 2)
    assert sim.sql("select t.name, m.permission from functionrole r join functionroleresourcemap m on m.fkfunctionrole = "
                   "r.pkid join typeresource t on t.enum = m.tkresource where r.name = ?", (ROLE_NAME,)) == [
        ("Phone Services web pages", 3)]
    # the group: a copy of Standard CCM End Users plus the role, with the agents
    assert group_roles(sim, GROUP) == sorted(standard_roles + [ROLE_NAME])
    assert group_members(sim, GROUP) == ["user00003", "user00004"]
    # the subscriptions with their values, and what the phones request
    assert values(sim, phone(3)) == values(sim, profile(3)) == agent(3)
    assert values(sim, phone(4)) == {"username": "user00004", "password": OWN, "extension": "4444"}
    assert effective(sim, phone(3))["IPPA"] == dict(agent(3), dev=phone(3))
    assert effective(sim, profile(3))["IPPA"] == dict(agent(3), dev=profile(3))
    assert effective(sim, phone(4))["IPPA"]["password"] == OWN
    assert {k: v for k, v in parameter_rows(sim).items() if k[1] == "Directory"} == \
        {k: v for k, v in directory_before.items() if k[1] == "Directory"}

    # the same again: nothing to do, not one write
    writes_now = writes(sim)
    run = playbook(ansible, str(play))
    assert run.rc == 0, run
    assert recap_changed(run) == 0 and writes(sim) == writes_now

    # user00003 changes the password in Self Care: the value changes, the phone's URL does not. The next run
    # keeps the agent's password (update_secrets on_create) and heals the URL; user00004 stops being an
    # agent: its subscription and membership go, nothing else
    selfcare(sim, phone(3), SELFCARE)
    assert effective(sim, phone(3))["IPPA"]["password"] == INITIAL
    before = parameter_rows(sim)
    leaving = self_service_vars(phone_services_self_service_agents=[
        {"userid": "user00003"}, {"userid": "user00004", "phones": [phone(4)], "state": "absent"}])
    mark = sim.mark()
    run = playbook(ansible, str(role_playbook(tmp_path / "leave.yml", leaving)))
    assert run.rc == 0, run
    no_secret(run, INITIAL, OWN, SELFCARE)
    summary = task(run, "Summary")["msg"]
    assert summary["subscriptions_changed"] == ["user00003: %s" % phone(3)]
    assert summary["subscriptions_removed"] == ["user00004: %s (absent)" % phone(4)]
    assert summary["repaired"] == {"stale": 0, "devices": []}
    # one re-save heals the URL (no value written), one device write removes the subscription, one
    # group update removes the member
    assert write_ops(sim, mark) == ["updateUserGroup", "updatePhone", "updatePhone"]
    assert values(sim, phone(3))["password"] == SELFCARE
    assert effective(sim, phone(3))["IPPA"]["password"] == SELFCARE
    assert group_members(sim, GROUP) == ["user00003"]
    assert parameter_rows(sim) == {k: v for k, v in before.items() if k[0] != phone(4)}


def test_self_service_role_refuses_bad_agents_before_any_write(ansible14, sim14, tmp_path):
    requests = sim14.stats()["requests"]
    run = playbook(ansible14, str(role_playbook(tmp_path / "none.yml", {"phone_services_self_service_agents": []})))
    assert run.rc != 0 and "set phone_services_self_service_service_url" in run.failed[-1]["result"]["msg"]
    assert sim14.stats()["requests"] == requests

    writes_before = writes(sim14)
    bad = self_service_vars(phone_services_self_service_discover=False, phone_services_self_service_agents=[
        {"userid": "nobody", "phones": [phone(1)], "extension": "1"}, {"userid": "user00005", "extension": "5"},
        {"userid": "user00006", "phones": [phone(6)]},
        {"userid": "user00007", "phones": [phone(9)], "extension": "7"},
        {"userid": "user00008", "phones": [phone(9)], "extension": "8"}])
    run = playbook(ansible14, str(role_playbook(tmp_path / "bad.yml", bad)))
    assert run.rc != 0
    msg = run.failed[-1]["result"]["msg"]
    assert run.failed[-1]["task"].endswith("Check the agents (nothing has been written)")
    assert "agent 'nobody': unknown end user" in msg
    assert "agent 'user00005': no phone or device profile" in msg
    assert "agent 'user00006': no extension" in msg and msg.endswith("Nothing was written.")
    assert "device '%s' is declared for more than one agent (user00007, user00008)" % phone(9) in msg
    assert writes(sim14) == writes_before


# ------------------------------------------------------------------------------- the identity role
def test_identity_phone_services_and_subscriptions_through_provision(ansible14, sim14, tmp_path):
    state = tmp_path / "state" / "localhost"
    write_yaml(state / "phone_services.yml", {"phone_services": [
        {"name": "IPPA", "url": IPPA_URL, "parameters": IPPA_PARAMETERS},
        {"name": "Directory", "url": DIR_URL, "parameters": [{"name": "dept", "default": "all"}]}]})
    write_yaml(state / "subscriptions.yml", {"subscriptions": [
        {"device": phone(7), "service": "IPPA", "name": "Agent Login", "parameters": agent(7)},
        {"device": profile(7), "device_type": "device_profile", "service": "IPPA", "parameters": agent(7)},
        {"device": phone(7), "service": "Directory", "url_button_index": 2, "url_label": "Dir",
         "parameters": {"dept": "sales"}}]})
    writes_before = writes(sim14)

    run = playbook(ansible14, "provision.yml", "--check", "--diff")
    assert run.rc == 0, run
    assert writes(sim14) == writes_before
    summary = task(run, "Summary")["msg"]
    assert summary["services_changed"] == ["IPPA", "Directory"]
    assert summary["pending_in_check_mode"] == [
        "subscription %s: IPPA" % phone(7), "subscription %s: IPPA" % profile(7),
        "subscription %s: Directory (button 2)" % phone(7)]
    no_secret(run, INITIAL)

    run = playbook(ansible14, "provision.yml", "--diff", "-vvv")
    assert run.rc == 0, run
    no_secret(run, INITIAL)
    summary = task(run, "Summary")["msg"]
    assert summary["subscriptions_changed"] == ["%s: IPPA" % phone(7), "%s: IPPA" % profile(7),
                                                "%s: Directory (button 2)" % phone(7)]
    assert values(sim14, phone(7)) == values(sim14, profile(7)) == agent(7)
    assert effective(sim14, phone(7)) == {"Agent Login": dict(agent(7), dev=phone(7)), "Directory": {"dept": "sales"}}
    # one task converges the subscriptions (no loop, so no loop item holds a value)
    converged = task(run, "Converge the phone-service subscriptions")
    assert "results" not in converged and converged["counts"]["created"] == 3

    writes_now = writes(sim14)
    run = playbook(ansible14, "provision.yml")
    assert run.rc == 0, run
    assert recap_changed(run) == 0 and writes(sim14) == writes_now

    # a Self Care edit is healed by the declared update_subscriptions, the Directory service is deleted
    # (and its subscription with it), and a subscription is removed
    selfcare(sim14, profile(7), SELFCARE)
    write_yaml(state / "phone_services.yml", {"phone_services": [
        {"name": "IPPA", "update_subscriptions": True}, {"name": "Directory", "state": "absent"}]})
    write_yaml(state / "subscriptions.yml", {"subscriptions": [
        {"device": phone(7), "service": "IPPA", "state": "absent"}]})
    run = playbook(ansible14, "provision.yml")
    assert run.rc == 0, run
    summary = task(run, "Summary")["msg"]
    assert summary["subscriptions_repaired"] == {"IPPA": 1}
    assert summary["services_deleted"] == ["Directory"]
    assert summary["subscriptions_changed"] == ["%s: IPPA (absent)" % phone(7)]
    assert set(subscriptions(sim14)) == {(profile(7), "IPPA", 0)}
    assert effective(sim14, profile(7))["IPPA"]["password"] == SELFCARE


# ------------------------------------------------------------------------------- leavers
def test_leavers_remove_the_subscriptions_of_exactly_the_leavers(ansible14, sim14, tmp_path):
    # user00005 and user00007 leave; user00006 stays. Each has IPPA on phone and profile; user00005 and
    # user00006 have a Directory subscription on their phones too
    subscribed = [(dev(i), "IPPA", agent(i)) for i in (5, 6, 7) for dev in (phone, profile)]
    subscribed += [(phone(i), "Directory", {"dept": "d%d" % i}) for i in (5, 6)]
    services_setup(ansible14, subscribed)
    before_subs, before_rows = subscriptions(sim14), parameter_rows(sim14)
    leavers_devices = {phone(5), profile(5), phone(7), profile(7)}
    report = tmp_path / "report.yml"
    extra = {"leavers_userids": "user00005,user00007", "leavers_report_file": str(report)}

    # check mode, limited to the IPPA subscriptions: the plan, no write
    writes_before = writes(sim14)
    run = playbook(ansible14, "deprovision_leavers.yml", "--check",
                   extra_vars=dict(extra, leavers_subscription_services="IPPA"))
    assert run.rc == 0, run
    assert writes(sim14) == writes_before and subscriptions(sim14) == before_subs
    planned = yaml.safe_load(report.read_text())
    assert planned["counts"]["subscriptions_removed"] == 4
    assert {e["userid"]: e["subscriptions_removed"] for e in planned["leavers"]} == {
        "user00005": ["%s: IPPA" % phone(5), "%s: IPPA" % profile(5)],
        "user00007": ["%s: IPPA" % phone(7), "%s: IPPA" % profile(7)]}

    # every service (the default): exactly the leavers' subscriptions go, first
    mark = sim14.mark()
    run = playbook(ansible14, "deprovision_leavers.yml", extra_vars=extra)
    assert run.rc == 0, run
    assert subscriptions(sim14) == {k: v for k, v in before_subs.items() if k[0] not in leavers_devices}
    assert parameter_rows(sim14) == {k: v for k, v in before_rows.items() if k[0] not in leavers_devices}
    assert set(subscriptions(sim14)) == {(phone(6), "IPPA", 0), (profile(6), "IPPA", 0), (phone(6), "Directory", 2)}
    ops = write_ops(sim14, mark)
    # one device write per subscription, before the users lose their groups and devices
    assert ops[:5] == ["updatePhone", "updatePhone", "updatePhone", "updateDeviceProfile", "updateDeviceProfile"]
    assert not {r[0] for r in sim14.sql("select userid from enduser")} & {"user00005", "user00007"}
    done = yaml.safe_load(report.read_text())
    assert done["counts"]["subscriptions_removed"] == 5 and done["counts"]["failed"] == 0
    assert {e["userid"]: e["subscriptions_removed"] for e in done["leavers"]} == {
        "user00005": ["%s: Directory (button 2)" % phone(5), "%s: IPPA" % phone(5), "%s: IPPA" % profile(5)],
        "user00007": ["%s: IPPA" % phone(7), "%s: IPPA" % profile(7)]}

    # a service name the cluster does not have fails before anything is written
    writes_now, kept = writes(sim14), subscriptions(sim14)
    run = playbook(ansible14, "deprovision_leavers.yml",
                   extra_vars={"leavers_userids": ["user00006"], "leavers_subscription_services": ["IPPA", "IPAA"]})
    assert run.rc != 0
    assert "unknown phone service(s) IPAA; the cluster has IPPA, Directory" in run.failed[-1]["result"]["msg"] or \
        "unknown phone service(s) IPAA; the cluster has Directory, IPPA" in run.failed[-1]["result"]["msg"]
    assert writes(sim14) == writes_now and subscriptions(sim14) == kept


# ------------------------------------------------------------------------------- the repair playbook
def test_repair_playbook_heals_the_self_care_stale_urls(ansible14, sim14, tmp_path):
    services_setup(ansible14, [(phone(1), "IPPA", agent(1)), (profile(2), "IPPA", agent(2)),
                               (phone(3), "IPPA", agent(3)), (phone(1), "Directory", {"dept": "sales"})])
    # Self Care edits: two IPPA passwords (a phone and a profile), a Directory value on the first phone
    selfcare(sim14, phone(1), SELFCARE)
    selfcare(sim14, profile(2), SELFCARE + "2")
    selfcare(sim14, phone(1), "support", parameter="dept", service="Directory")
    stale = {phone(1): {"IPPA": INITIAL, "Directory": "sales"}, profile(2): {"IPPA": INITIAL}}
    assert effective(sim14, phone(1))["IPPA"]["password"] == INITIAL
    assert effective(sim14, phone(1))["Directory"]["dept"] == "sales"
    report = tmp_path / "repair.yml"

    # check mode: counts them, writes nothing; unknown names fail before any write
    writes_before = writes(sim14)
    run = playbook(ansible14, "repair_phone_service_subscriptions.yml", "--check",
                   extra_vars={"repair_report_file": str(report)})
    assert run.rc == 0, run
    assert writes(sim14) == writes_before
    found = yaml.safe_load(report.read_text())
    assert found["check_mode"] is True
    assert found["services"] == {"Directory": {"stale": 1, "devices": [phone(1)]},
                                 "IPPA": {"stale": 2, "devices": [phone(1), profile(2)]}}
    assert found["counts"] == {"services": 2, "stale": 3, "devices": 2, "rebuilt_by_sql": 0, "failed": 0}
    assert task(run, "Rebuild the stale subscription URLs of each service")["changed"] is True
    run = playbook(ansible14, "repair_phone_service_subscriptions.yml", extra_vars={"repair_services": "IPPA, Nope"})
    assert run.rc != 0 and "unknown phone service(s) Nope" in run.failed[-1]["result"]["msg"]
    assert writes(sim14) == writes_before
    assert effective(sim14, phone(1))["IPPA"]["password"] == stale[phone(1)]["IPPA"]

    # the repair: each device with stale subscriptions saved once, which rebuilds all its subscriptions
    # (Directory comes first: the phone's stale IPPA URL is rebuilt with it); every URL fresh afterwards
    mark = sim14.mark()
    run = playbook(ansible14, "repair_phone_service_subscriptions.yml", extra_vars={"repair_report_file": str(report)})
    assert run.rc == 0, run
    done = yaml.safe_load(report.read_text())
    assert done["services"] == {
        "Directory": {"stale": 1, "devices": [phone(1)], "rebuilt_by_save": 1, "rebuilt_by_sql": 0},
        "IPPA": {"stale": 1, "devices": [profile(2)], "rebuilt_by_save": 1, "rebuilt_by_sql": 0}}
    stats = task(run, "Record the report (AWX job artifacts, by cluster)")["ansible_stats"]
    assert stats["data"]["phone_service_repair"]["localhost"]["counts"]["devices"] == 2
    assert write_ops(sim14, mark) == ["updatePhone", "updateDeviceProfile"]
    assert effective(sim14, phone(1)) == {"IPPA": dict(agent(1, SELFCARE), dev=phone(1)), "Directory": {"dept": "support"}}
    assert effective(sim14, profile(2))["IPPA"] == dict(agent(2, SELFCARE + "2"), dev=profile(2))
    assert effective(sim14, phone(3))["IPPA"] == dict(agent(3), dev=phone(3))
    no_secret(run, INITIAL, SELFCARE)

    # a list limits the repair to those services; fresh subscriptions cost no write
    selfcare(sim14, phone(3), SELFCARE)
    selfcare(sim14, phone(1), "finance", parameter="dept", service="Directory")
    mark = sim14.mark()
    run = playbook(ansible14, "repair_phone_service_subscriptions.yml", extra_vars={"repair_services": "IPPA"})
    assert run.rc == 0, run
    assert task(run, "Report what was found and repaired")["msg"]["services"] == {
        "IPPA": {"stale": 1, "devices": [phone(3)], "rebuilt_by_save": 1, "rebuilt_by_sql": 0}}
    assert write_ops(sim14, mark) == ["updatePhone"]
    assert effective(sim14, phone(3))["IPPA"]["password"] == SELFCARE
    assert effective(sim14, phone(1))["Directory"]["dept"] == "support"          # not in the list: still stale


# ------------------------------------------------------------------------------- the IPPA survey playbook
AGENTS = [(3, [phone(3), profile(3)]), (4, [phone(4), profile(4)]), (5, [phone(5)])]


def survey_setup(ansible, sim):
    """Three agents subscribed to IPPA; user00003 also has a Directory subscription, and an IPPA
    subscription on user00005's phone carries someone else's ID."""
    subscribed = [(device, "IPPA", agent(i)) for i, devices in AGENTS for device in devices]
    subscribed += [(phone(3), "Directory", {"dept": "sales"}), (phone(6), "IPPA", agent(6))]
    services_setup(ansible, subscribed)
    return parameter_rows(sim)


def extravars_file(path, answers):
    """Extra variables the way AWX writes a job's survey answers: every value tagged !unsafe."""
    path.write_text("---\n" + "".join("%s: !unsafe %s\n" % (k, json.dumps(v)) for k, v in answers.items()))
    return path


@pytest.mark.cores
def test_ippa_survey_changes_only_that_agents_subscriptions(ansible14, sim14, tmp_path):
    canary = "Svy-{{Cnry}}-8483p"       # Jinja markers too: an unsafe survey answer is never templated
    before = survey_setup(ansible14, sim14)
    answers = extravars_file(tmp_path / "answers.yml", {"ippa_agent_id": "user00003", "ippa_new_password": canary})

    writes_before = writes(sim14)
    run = playbook(ansible14, "ippa_password_self_service.yml", "--check", "-e", "@%s" % answers)
    assert run.rc == 0, run
    assert writes(sim14) == writes_before and parameter_rows(sim14) == before
    assert [(s["device"], s["changed"]) for s in task(run, "Report the subscriptions changed")["msg"]["subscriptions"]] == [
        (phone(3), True), (profile(3), True)]
    no_secret(run, canary)

    run = playbook(ansible14, "ippa_password_self_service.yml", "-vvvv", "--diff", "-e", "@%s" % answers)
    assert run.rc == 0, run
    no_secret(run, canary)
    write = task(run, "Write the new password to the agent's subscriptions (no_log)")
    assert write["censored"].startswith("the output has been hidden")
    report = task(run, "Report the subscriptions changed")["msg"]
    assert report["agent"] == "user00003" and report["subscriptions"] == [
        {"device": phone(3), "device_type": "phone", "changed": True, "failed": False},
        {"device": profile(3), "device_type": "device_profile", "changed": True, "failed": False}]
    after = parameter_rows(sim14)
    changed = {k for k in before if after.get(k) != before[k]}
    # exactly the password rows of user00003's two IPPA subscriptions changed (in place), nothing else
    assert changed == {(phone(3), "IPPA", "password"), (profile(3), "IPPA", "password")}
    assert set(after) == set(before)
    for key in changed:
        assert after[key] == (before[key][0], canary)
    for device in (phone(3), profile(3)):
        assert effective(sim14, device)["IPPA"] == dict(agent(3, canary), dev=device)
    assert effective(sim14, phone(3))["Directory"] == {"dept": "sales"}

    # an unknown agent, an agent without a subscription, a password CUCM cannot store: refused, no write
    writes_now = writes(sim14)
    for answers, message in (
            ({"ippa_agent_id": "nobody", "ippa_new_password": "Any-Pw-1"}, "there is no end user 'nobody'"),
            ({"ippa_agent_id": "user00008", "ippa_new_password": "Any-Pw-1"}, "carries agent ID 'user00008'"),
            ({"ippa_agent_id": "user00004", "ippa_new_password": 'Bad"Cnry'}, "only printable ASCII"),
            ({"ippa_agent_id": "user00004"}, "ippa_new_password: it is missing")):
        run = playbook(ansible14, "ippa_password_self_service.yml", "-e", "@%s" % extravars_file(tmp_path / "a.yml", answers))
        assert run.rc != 0
        assert message in run.failed[-1]["result"]["msg"] and "Nothing was written" in run.failed[-1]["result"]["msg"]
        no_secret(run, 'Bad"Cnry')
    assert writes(sim14) == writes_now


def test_ippa_survey_job_through_ansible_runner_holds_no_secret(ansible14, sim14, collections_path, tmp_path):
    """The survey job as AWX runs it: a private data dir, the credential's CUCM_* environment, the
    survey answers in env/extravars (tagged !unsafe, as AWX writes them), verbosity 4 and diff mode; no
    artifact holds the new password."""
    canary = "Awx-{{Cnry}}-9594q"
    before = survey_setup(ansible14, sim14)
    pdd = tmp_path / "pdd"
    project = pdd / "project"
    project.mkdir(parents=True)
    (project / "ippa_password_self_service.yml").write_text(
        "---\n- name: IP Phone Agent password\n  ansible.builtin.import_playbook: voiceops.cucm.ippa_password_self_service\n")
    (pdd / "inventory").mkdir()
    (pdd / "inventory" / "hosts").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={ANSIBLE_PYTHON}\n")
    (pdd / "env").mkdir()
    env = dict(cucm_env(sim14), ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_FORCE_COLOR="False",
               ANSIBLE_RETRY_FILES_ENABLED="False")
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(env))
    extravars_file(pdd / "env" / "extravars", {"ippa_service": "IPPA", "ippa_agent_id": "user00004",
                                               "ippa_new_password": canary})
    (pdd / "env" / "cmdline").write_text("-vvvv --diff")

    run_env = dict(os.environ, PATH=f"{ANSIBLE_BIN}:{BIN}:{os.environ.get('PATH', '')}")
    for key in list(run_env):
        if key.startswith(("CUCM_", "ANSIBLE_")):
            del run_env[key]
    proc = subprocess.run([str(BIN / "ansible-runner"), "run", str(pdd), "-p", "ippa_password_self_service.yml",
                           "--ident", "job77"], capture_output=True, text=True, env=run_env, timeout=600, check=False)
    artifacts = pdd / "artifacts" / "job77"
    stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else proc.stdout
    assert proc.returncode == 0, stdout[-3000:] + proc.stderr
    assert (artifacts / "status").read_text() == "successful"

    after = parameter_rows(sim14)
    assert {k for k in before if after[k] != before[k]} == {(phone(4), "IPPA", "password"), (profile(4), "IPPA", "password")}
    assert values(sim14, profile(4))["password"] == canary
    events = [json.loads(p.read_text()) for p in sorted((artifacts / "job_events").glob("*.json"))]
    stats = [e for e in events if e["event"] == "playbook_on_stats"][-1]["event_data"]["artifact_data"]
    assert [s["device"] for s in stats["ippa_password"]["localhost"]["subscriptions"]] == [phone(4), profile(4)]
    assert "-vvvv" in stdout or "task path:" in stdout         # the job really ran at verbosity 4

    files = [p for p in artifacts.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        # ansible-runner's own launch record ('command') holds the job's environment (the AXL password),
        # which AWX keeps only in the private data dir it deletes (docs/awx.md); the survey answers reach
        # ansible-playbook as a file (-e @env/extravars), so not even that record holds the new password
        assert canary not in path.read_text(errors="replace"), f"the new password leaked into {path.relative_to(pdd)}"
