"""cucm_end_user and cucm_end_user_info against the simulator, verified by independent reads."""

import json
import sys

import pytest
from lxml import etree

from conftest import ROOT

sys.path.insert(0, str(ROOT / "simulator"))
from cucm_axl_sim.seed import credential_digest  # noqa: E402

USER = "voiceops.cucm.cucm_end_user"
INFO = "voiceops.cucm.cucm_end_user_info"
PHONE3, DN3 = "SEP0A0000000003", "100003"
PHONE4, DN4 = "SEP0A0000000004", "100004"
CANARY_PASSWORD = "Cnry-Pw-8817x!"
CANARY_PIN = "88172635"


def user_task(**options):
    options.setdefault("userid", "jdoe")
    return {"name": "user", USER: options, "register": "r"}


def jdoe(**extra):
    base = dict(userid="jdoe", first_name="Jane", last_name="Doe", mail="jdoe@example.com",
                telephone_number="+15551230001", department="Sales",
                associated_devices={"set": [PHONE3]}, primary_extension={"pattern": DN3, "partition": "Internal_PT"},
                groups={"add": ["Standard CCM End Users"]})
    base.update(extra)
    return user_task(**base)


def row(sim, userid, columns="firstname, lastname, mailid, department, title"):
    rows = sim.sql(f"select {columns} from enduser where userid = ?", (userid,))
    return rows[0] if rows else None


def groups_of(sim, userid):
    return sorted(r[0] for r in sim.sql(
        "select g.name from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser "
        "join dirgroup g on g.pkid = m.fkdirgroup where u.userid = ?", (userid,)))


def devices_of(sim, userid):
    return sorted(r[0] for r in sim.sql(
        "select d.name from enduserdevicemap m join enduser u on u.pkid = m.fkenduser "
        "join device d on d.pkid = m.fkdevice where u.userid = ? and m.tkuserassociation = 1", (userid,)))


def primary_extension_of(sim, userid):
    rows = sim.sql(
        "select n.dnorpattern, rp.name from endusernumplanmap m join enduser u on u.pkid = m.fkenduser "
        "join numplan n on n.pkid = m.fknumplan left join routepartition rp on rp.pkid = n.fkroutepartition "
        "where u.userid = ? and m.tkdnusage = 1", (userid,))
    return rows[0] if rows else None


def credential(sim, userid, kind):
    rows = sim.sql("select c.credentials, u.pkid from credential c join enduser u on u.pkid = c.fkenduser "
                   "where u.userid = ? and c.tkcredential = ?", (userid, {"password": 3, "pin": 4}[kind]))
    return rows[0] if rows else None


def writes(sim):
    return sim.stats()["writes"]


def request_children(entry):
    """Local names of the children of the AXL request element of a logged request."""
    root = etree.fromstring(entry["request"].encode())
    return [etree.QName(c).localname for c in root[0][0]]


# ------------------------------------------------------------------------------- lifecycle
def test_create_rerun_change_one_field_check_diff_delete(ansible, sim):
    run = ansible.run([jdoe()])
    assert run.rc == 0, run
    assert run.result()["changed"] is True
    assert row(sim, "jdoe") == ("Jane", "Doe", "jdoe@example.com", "Sales", "")
    assert groups_of(sim, "jdoe") == ["Standard CCM End Users"]
    assert devices_of(sim, "jdoe") == [PHONE3]
    assert primary_extension_of(sim, "jdoe") == (DN3, "Internal_PT")
    assert run.result()["user"]["uuid"].startswith("{")

    # re-run: unchanged, zero writes
    before = writes(sim)
    run = ansible.run([jdoe()])
    assert run.rc == 0, run
    assert run.result()["changed"] is False
    assert writes(sim) == before

    # check mode + diff on one changed field: predicted change, zero writes, diff of declared options only
    run = ansible.run([jdoe(title="Team Lead")], check=True, diff=True)
    assert run.rc == 0, run
    result = run.result()
    assert result["changed"] is True
    assert writes(sim) == before
    assert row(sim, "jdoe")[4] == ""
    declared = {"userid", "first_name", "last_name", "mail", "telephone_number", "department",
                "associated_devices", "primary_extension", "groups", "title"}
    assert set(result["diff"]["after"]) == declared
    assert set(result["diff"]["before"]) == declared
    assert result["diff"]["before"]["title"] == "" and result["diff"]["after"]["title"] == "Team Lead"

    # apply: exactly one updateUser carrying only that field
    mark = sim.mark()
    run = ansible.run([jdoe(title="Team Lead")])
    assert run.rc == 0 and run.result()["changed"] is True, run
    updates = [e for e in sim.requests_since(mark) if e["operation"] == "updateUser"]
    assert len(updates) == 1
    assert request_children(updates[0]) == ["userid", "title"]
    assert writes(sim) == before + 1
    assert row(sim, "jdoe")[4] == "Team Lead"

    # delete, then delete again
    run = ansible.run([user_task(state="absent")], diff=True)
    assert run.rc == 0 and run.result()["changed"] is True, run
    assert run.result()["diff"] == {"before": {"userid": "jdoe", "state": "present"},
                                    "after": {"userid": "jdoe", "state": "absent"}}
    assert row(sim, "jdoe") is None
    before = writes(sim)
    run = ansible.run([user_task(state="absent")])
    assert run.rc == 0 and run.result()["changed"] is False, run
    assert writes(sim) == before


def test_check_mode_create_writes_nothing(ansible, sim):
    before = writes(sim)
    run = ansible.run([jdoe()], check=True, diff=True)
    assert run.rc == 0, run
    assert run.result()["changed"] is True
    assert run.result()["diff"]["before"] == {}
    assert run.result()["user"]["uuid"] == "{00000000-0000-0000-0000-000000000000}"
    assert row(sim, "jdoe") is None
    assert writes(sim) == before


# ------------------------------------------------------------------------------- lists
@pytest.mark.parametrize("option, reader, a, b", [
    ("groups", groups_of, "Standard CTI Enabled", "Standard CCM End Users"),
    ("associated_devices", devices_of, PHONE4, PHONE3),
])
def test_list_add_remove_set(ansible, sim, option, reader, a, b):
    base = dict(userid="jdoe", last_name="Doe")
    steps = [
        ({"add": [b]}, [b], True),
        ({"add": [a]}, sorted([a, b]), True),
        ({"add": [a]}, sorted([a, b]), False),
        ({"remove": [b]}, [a], True),
        ({"remove": [b]}, [a], False),
        ({"set": [b, a]}, sorted([a, b]), True),
        ({"set": [a, b]}, sorted([a, b]), False),
        ({"set": []}, [], True),
        ({"set": []}, [], False),
    ]
    for spec, expected, changed in steps:
        run = ansible.run([user_task(**dict(base, **{option: spec}))])
        assert run.rc == 0, run
        assert run.result()["changed"] is changed, (spec, run)
        assert reader(sim, "jdoe") == expected, spec


def test_removing_a_device_keeps_the_other_users_of_it(ansible, sim):
    """A device another user also controls stays with that user."""
    run = ansible.run([user_task(last_name="Doe", associated_devices={"set": [PHONE3]}),
                       user_task(last_name="Doe", associated_devices={"remove": [PHONE3]})])
    assert run.rc == 0, run
    assert devices_of(sim, "jdoe") == []
    assert devices_of(sim, "user00003") == [PHONE3]


# ------------------------------------------------------------------------------- secrets
def test_update_password_on_create_and_always(ansible, sim):
    run = ansible.run([jdoe(password=CANARY_PASSWORD, pin=CANARY_PIN)])
    assert run.rc == 0, run
    digest, pkid = credential(sim, "jdoe", "pin")
    assert digest == credential_digest(pkid, CANARY_PIN)
    assert credential(sim, "jdoe", "password")[0] == credential_digest(pkid, CANARY_PASSWORD)

    before = writes(sim)
    run = ansible.run([jdoe(password="Other-Pw-1", pin="4242")])
    assert run.rc == 0 and run.result()["changed"] is False, run
    assert writes(sim) == before
    assert credential(sim, "jdoe", "pin")[0] == credential_digest(pkid, CANARY_PIN)

    run = ansible.run([jdoe(pin="4242", update_password="always")], diff=True)
    assert run.rc == 0 and run.result()["changed"] is True, run
    assert credential(sim, "jdoe", "pin")[0] == credential_digest(pkid, "4242")
    assert run.result()["diff"]["after"]["pin"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert credential(sim, "jdoe", "password")[0] == credential_digest(pkid, CANARY_PASSWORD)


def test_secrets_never_shown(ansible14, sim14):
    tasks = [jdoe(password=CANARY_PASSWORD, pin=CANARY_PIN),
             jdoe(password=CANARY_PASSWORD, pin=CANARY_PIN, update_password="always", title="x"),
             {"name": "info", INFO: {"userid": "jdoe"}, "register": "i"},
             {"name": "show", "ansible.builtin.debug": {"var": "r"}}]
    run = ansible14.run(tasks, diff=True, verbosity=4)
    assert run.rc == 0, run
    dumped = json.dumps(run.results)
    for canary in (CANARY_PASSWORD, CANARY_PIN, "ciscopsdt"):
        assert canary not in run.output
        assert canary not in dumped
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.output   # the diff says a secret was written


# ------------------------------------------------------------------------------- LDAP users
def test_ldap_user_directory_fields_refused_group_change_converges(ansible, sim):
    before = writes(sim)
    run = ansible.run([user_task(userid="user00001", first_name="Changed", department="Elsewhere")])
    assert run.rc != 0
    msg = run.failed[0]["result"]["msg"]
    assert "first_name (firstName)" in msg and "department (department)" in msg and "LDAP" in msg
    assert writes(sim) == before
    assert row(sim, "user00001")[0] != "Changed"

    run = ansible.run([user_task(userid="user00001", groups={"add": ["Standard CTI Enabled"]}, pin="5151")])
    assert run.rc == 0 and run.result()["changed"] is True, run
    assert "Standard CTI Enabled" in groups_of(sim, "user00001")

    # declaring the directory's own values is fine (nothing differs)
    first = row(sim, "user00001")[0]
    run = ansible.run([user_task(userid="user00001", first_name=first)])
    assert run.rc == 0 and run.result()["changed"] is False, run


def test_ldap_user_cannot_be_deleted(ansible14, sim14):
    before = writes(sim14)
    run = ansible14.run([user_task(userid="user00002", state="absent")])
    assert run.rc != 0
    assert "LDAP" in run.failed[0]["result"]["msg"]
    assert writes(sim14) == before
    assert row(sim14, "user00002") is not None


# ------------------------------------------------------------------------------- bad input
BAD_INPUT = [
    (dict(groups={"add": ["Standard CCM End User"]}), "groups: unknown access control group 'Standard CCM End User'"
     " (did you mean 'Standard CCM End Users'"),
    (dict(associated_devices={"add": ["SEPFFFFFFFFFFFF"]}), "associated_devices: unknown phone 'SEPFFFFFFFFFFFF'"),
    (dict(associated_devices={"set": [PHONE3]}, primary_extension={"pattern": DN4, "partition": "Internal_PT"}),
     "primary_extension: 100004 in partition Internal_PT is not a line of the user's associated devices"),
    (dict(presence_group="Nope"), "presence_group: unknown presence group 'Nope'"),
    (dict(middle_name="m" * 65), "middle_name:"),
    (dict(associated_devices={"add": ["S" * 51]}), "associated_devices:"),
    (dict(max_desk_pickup_wait_time="soon"), "max_desk_pickup_wait_time"),
    (dict(groups={"set": ["a"], "add": ["b"]}), "groups: 'set' cannot be combined with 'add' or 'remove'"),
    (dict(groups={"add": ["a"], "remove": ["a"]}), "groups: 'a' is in both 'add' and 'remove'"),
    (dict(pin="12ab"), "pin: the value is not valid: a PIN holds digits only"),
    (dict(userid=""), "userid must not be empty"),
    (dict(state="gone"), "state"),
    (dict(attendees_access_code="12"), "attendees_access_code"),
    (dict(home_cluster="perhaps"), "home_cluster"),
]


@pytest.mark.parametrize("options, message", BAD_INPUT, ids=[m.split(":")[0][:30] for _o, m in BAD_INPUT])
def test_bad_input_fails_before_any_write(ansible14, sim14, options, message):
    base = dict(userid="jdoe", last_name="Doe")
    base.update(options)
    users_before = sim14.sql("select count(*) from enduser")[0][0]
    before = writes(sim14)
    run = ansible14.run([user_task(**base)])
    assert run.rc != 0, run
    assert message in run.failed[0]["result"]["msg"], run.failed[0]["result"]["msg"]
    assert writes(sim14) == before
    assert sim14.sql("select count(*) from enduser")[0][0] == users_before


def test_bad_reference_fails_in_check_mode_too(ansible14, sim14):
    run = ansible14.run([user_task(last_name="Doe", groups={"add": ["No Such Group"]})], check=True)
    assert run.rc != 0
    assert "groups: unknown access control group 'No Such Group'" in run.failed[0]["result"]["msg"]


# ------------------------------------------------------------------------------- info
def test_info_round_trip(ansible, sim):
    run = ansible.run([jdoe(), {"name": "info", INFO: {"userid": "user0000%"}, "register": "i"}])
    assert run.rc == 0, run
    info = run.result()
    assert [u["userid"] for u in info["users"]] == [f"user0000{i}" for i in range(1, 10)]
    assert info["read_only"]["user00001"]["ldap_directory"] == "corp-ldap"
    assert info["users"][2]["associated_devices"] == {"set": [PHONE3]}

    run = ansible.run([{"name": "info", INFO: {"userid": "jdoe"}, "register": "i"}])
    exported = run.result()["users"]
    assert len(exported) == 1 and exported[0]["groups"] == {"set": ["Standard CCM End Users"]}

    # what was read, applied again, changes nothing
    before = writes(sim)
    run = ansible.run([{"name": "apply", USER: "{{ item }}", "loop": "{{ exported }}"}],
                      play_vars={"exported": exported})
    assert run.rc == 0, run
    assert run.result()["changed"] is False
    assert writes(sim) == before

    run = ansible.run([{"name": "info", INFO: {"userid": "nobody"}, "register": "i"}])
    assert run.result()["users"] == []


# ------------------------------------------------------------------------------- connection
def test_version_detected_once_when_not_given(ansible14, sim14):
    run = ansible14.run([jdoe()], connection=ansible14.connection(axl_version=None))
    assert run.rc == 0, run
    assert sim14.stats()["by_operation"].get("getCCMVersion") == 1
    assert sim14.stats()["auth_basic"] == 1


def test_environment_fallbacks(ansible14, sim14):
    env = {"CUCM_HOST": "127.0.0.1", "CUCM_PORT": str(sim14.port), "CUCM_USERNAME": "administrator",
           "CUCM_PASSWORD": "ciscopsdt", "CUCM_CA_PATH": sim14.cert, "CUCM_AXL_VERSION": "14.0"}
    run = ansible14.run([jdoe()], connection={}, env=env)
    assert run.rc == 0, run
    assert row(sim14, "jdoe") is not None


def test_tls_default_refuses_self_signed(ansible14, sim14):
    run = ansible14.run([jdoe()], connection=ansible14.connection(ca_path=None))
    assert run.rc != 0
    msg = run.failed[0]["result"]["msg"]
    assert "TLS certificate verification failed" in msg and "ca_path" in msg
    assert sim14.stats()["requests"] == 0


def test_tls_validate_certs_false_works_and_warns(ansible14, sim14):
    run = ansible14.run([jdoe()], connection=ansible14.connection(ca_path=None, validate_certs=False))
    assert run.rc == 0, run
    assert "validate_certs is false" in run.output
    assert row(sim14, "jdoe") is not None


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_tls_environment_bundles_do_not_override_the_task(ansible14, sim14, variable, tmp_path):
    """A CA bundle in the environment (as CI images set) neither breaks ca_path nor trusts the
    simulator when the task did not ask for it."""
    other = tmp_path / "other-ca.pem"
    other.write_text(open("/etc/ssl/certs/ca-certificates.crt").read() if
                     __import__("os").path.exists("/etc/ssl/certs/ca-certificates.crt") else "")
    run = ansible14.run([jdoe()], env={variable: str(other)})
    assert run.rc == 0, run
    run = ansible14.run([jdoe(title="x")], connection=ansible14.connection(ca_path=None), env={variable: sim14.cert})
    assert run.rc != 0
    assert "TLS certificate verification failed" in run.failed[0]["result"]["msg"]


def test_wrong_credentials_message(ansible14, sim14):
    run = ansible14.run([jdoe()], connection=ansible14.connection(cucm_password="wrong-Pw-331"))
    assert run.rc != 0
    msg = run.failed[0]["result"]["msg"]
    assert "'administrator'" in msg and "HTTP 401" in msg and "Standard AXL API Access" in msg
    assert "wrong-Pw-331" not in run.output
