"""The small things of issue 14 that cost a new user an afternoon, through the playbooks and modules
users run: the sample state folder (docs/examples/state) through provision, plain lists as ``set``,
the BAT-like CSV round trip, LDAP-owned fields skipped and reported, a failed role run that reports
``changed: false``, the connection options' names, and an HTTPS proxy (a CONNECT proxy started here).

What changed is checked by independent reads of the simulator's database, not the modules' claims.
"""

import base64
import csv
import select
import shutil
import socket
import subprocess
import sys
import threading

import yaml

from conftest import ROOT
from test_workflows import group_members, playbook, recap_changed, task, title_of, users_of, writes

SAMPLE = ROOT / "docs" / "examples" / "state" / "cucm_emea"
USERS = "voiceops.cucm.cucm_end_users"
USER = "voiceops.cucm.cucm_end_user"
GROUP = "voiceops.cucm.cucm_user_group"


def by_task(run):
    return {r["task"]: r for r in run.results}


def groups_of(sim, userid):
    return sorted(r[0] for r in sim.sql("select g.name from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser "
                                        "join dirgroup g on g.pkid = m.fkdirgroup where u.userid = ?", (userid,)))


# ------------------------------------------------------------------------------- the sample state folder
def test_sample_state_folder_through_provision(ansible14, sim14, tmp_path):
    """Every file of docs/examples/state/cucm_emea is read by provision.yml: the check shows the plan (with the
    pending references to what the run creates), the apply makes it, the next check has nothing to do."""
    assert sorted(p.name for p in SAMPLE.iterdir()) == sorted(
        ["roles.yml", "groups.yml", "users.yml", "phone_services.yml", "subscriptions.yml", "settings.yml", "leavers.yml"])
    state = tmp_path / "cucm_emea"
    shutil.copytree(SAMPLE, state)
    extra = {"cucm_state_dir": str(state)}
    writes_before = writes(sim14)

    # the interpreter that discovery (or the configuration) would pick has no lxml: a play of our own fails with
    # it, while the collection's playbook runs its modules with the Python that runs ansible-playbook
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    bare_python = {"ANSIBLE_PYTHON_INTERPRETER": str(bare / "bin" / "python")}
    own = ansible14.run([{"voiceops.cucm.cucm_end_user_info": {"userid": "user00003"}}], env=bare_python)
    assert own.rc != 0 and "lxml" in own.output
    run = playbook(ansible14, "provision.yml", "--check", "--diff", extra_vars=extra, env=bare_python)
    assert run.rc == 0, run
    assert writes(sim14) == writes_before
    summary = task(run, "Summary")["msg"]
    assert summary["roles_changed"] == ["Helpdesk Phone Read"] and summary["groups_changed"] == ["Helpdesk"]
    assert summary["services_changed"] == ["Corporate Directory"]
    assert summary["pending_in_check_mode"] == [
        "group Helpdesk: roles Helpdesk Phone Read", "user user00003: groups Helpdesk",
        "subscription SEP0A0000000003: Corporate Directory"]
    assert sorted((c["userid"], c["action"]) for c in summary["users_changed"]) == [
        ("jdoe", "created"), ("user00003", "updated"), ("user00004", "updated")]

    run = playbook(ansible14, "provision.yml", "--diff", extra_vars=extra)
    assert run.rc == 0, run
    assert title_of(sim14, "user00003") == "Team Lead"
    assert groups_of(sim14, "user00003") == ["Helpdesk", "Standard CCM End Users"]     # a plain list is the set
    assert ("user00007", "Helpdesk") in group_members(sim14)
    assert sim14.sql("select r.name from functionroledirgroupmap m join dirgroup g on g.pkid = m.fkdirgroup "
                     "join functionrole r on r.pkid = m.fkfunctionrole where g.name = 'Helpdesk'") == [("Helpdesk Phone Read",)]
    assert sim14.sql("select t.name, m.permission from functionroleresourcemap m join functionrole r on r.pkid = m.fkfunctionrole "
                     "join typeresource t on t.enum = m.tkresource where r.name = 'Helpdesk Phone Read'") == [
                         ("Phone Services web pages", 1)]
    assert "jdoe" in users_of(sim14) and "user00019" in users_of(sim14)    # the ledger only stops re-creation
    assert sim14.sql("select p.value from telecastersubscribedparameter p join telecastersubscribedservice s "
                     "on s.pkid = p.fktelecastersubscribedservice join device d on d.pkid = s.fkdevice "
                     "where d.name = 'SEP0A0000000003'") == [("London",)]

    writes_now = writes(sim14)
    run = playbook(ansible14, "provision.yml", "--check", "--diff", extra_vars=extra)
    assert run.rc == 0, run
    assert recap_changed(run) == 0 and writes(sim14) == writes_now

    # export what provision can converge, phone services and subscriptions included: password values stay in
    # CUCM (left out of subscriptions.yml and marked; a service's password default masked), and provision of the
    # export is a no-op
    secret = "Ippa-Cnry-4411"
    url = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
    setup = ansible14.run([
        {"voiceops.cucm.cucm_phone_service": {"name": "IPPA", "url": url, "parameters": [
            {"name": "username", "display_name": "Agent ID", "required": True},
            {"name": "password", "display_name": "Agent password", "required": True, "password": True,
             "default": "Dflt-" + secret},
            {"name": "extension", "display_name": "Agent extension", "required": True}]}},
        {"voiceops.cucm.cucm_phone_service_subscription": {"device": "SEP0A0000000004", "service": "IPPA", "parameters": {
            "username": "user00004", "password": secret, "extension": "100004"}}}])
    assert setup.rc == 0, setup
    exported = tmp_path / "export"
    run = playbook(ansible14, "export_state.yml", extra_vars={"cucm_state_dir": str(exported), "export_users_scope": "user0000%"})
    assert run.rc == 0, run
    text = {p.name: p.read_text() for p in exported.iterdir()}
    assert sorted(text) == ["groups.yml", "phone_services.yml", "roles.yml", "subscriptions.yml", "users.yml"]
    assert not any(secret in t for t in text.values())
    services = {s["name"]: s for s in yaml.safe_load(text["phone_services.yml"])["phone_services"]}
    assert sorted(services) == ["Corporate Directory", "IPPA"]
    assert services["IPPA"]["parameters"][1]["default"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    subscriptions = yaml.safe_load(text["subscriptions.yml"])["subscriptions"]
    assert [(x["device"], x["service"], x["parameters"]) for x in subscriptions] == [
        ("SEP0A0000000003", "Corporate Directory", {"site": "London"}),
        ("SEP0A0000000004", "IPPA", {"username": "user00004", "extension": "100004"})]
    assert all("stale" not in x for x in subscriptions)
    assert "# SEP0A0000000004, IPPA: not exported (password): password" in text["subscriptions.yml"]
    writes_now = writes(sim14)
    run = playbook(ansible14, "provision.yml", "--check", "--diff", extra_vars={"cucm_state_dir": str(exported)})
    assert run.rc == 0, run
    assert recap_changed(run) == 0 and writes(sim14) == writes_now
    assert secret not in run.output

    # a run that fails (the cluster refuses the AXL user) reports changed: false, not "changed and failed"
    run = playbook(ansible14, "provision.yml", extra_vars=extra, env={"CUCM_PASSWORD": "wrong", "CUCM_RETRY_BUDGET": "0"})
    assert run.rc != 0
    failed = run.failed
    assert failed and all(f["result"].get("changed") is False for f in failed), failed
    assert all(r.get("changed") is False for f in failed for r in f["result"].get("results", []))


# ------------------------------------------------------------------------------- modules: lists, CSV, LDAP fields
def test_plain_lists_csv_round_trip_and_ldap_owned_fields(ansible14, sim14, tmp_path):
    csv_file, bad = tmp_path / "users.csv", tmp_path / "users.txt"
    admin_app = "Cisco Call Manager Administration"
    tasks = [
        {"name": "plain list, one user", USER: {"userid": "user00005",
                                                "groups": ["Standard CCM End Users", "Standard CTI Enabled"]}},
        {"name": "plain list, bulk", USERS: {"users": [{"userid": "user00006", "groups": ["Standard CTI Enabled"]}]}},
        {"name": "plain list, role resources", "voiceops.cucm.cucm_role": {
            "name": "Plain Role", "application": admin_app,
            "resources": [{"name": "Phone Services web pages", "permission": "read"}]}},
        {"name": "plain list, group roles", GROUP: {"name": "Plain", "roles": ["Plain Role"]}},
        {"name": "plain list, group members", GROUP: {"name": "Plain", "members": ["user00005"]}, "ignore_errors": True},
        {"name": "gather as CSV", USERS: {"state": "gathered", "scope": {"userid": "user0000%"}, "dest": str(csv_file)}},
        {"name": "CSV back, check", USERS: {"users_file": str(csv_file)}, "check_mode": True},
        {"name": "unknown extension", USERS: {"state": "gathered", "scope": {"userid": "%"}, "dest": str(bad)},
         "ignore_errors": True},
        {"name": "LDAP user, skip", USER: {"userid": "user00002", "title": "Wrong", "enable_cti": False,
                                           "ldap_owned_fields": "skip"}},
        {"name": "LDAP user, fail", USER: {"userid": "user00002", "title": "Wrong"}, "ignore_errors": True},
    ]
    ldap_title = title_of(sim14, "user00002")
    requests_before = sim14.stats()["requests"]
    run = ansible14.run(tasks, diff=True)
    assert run.rc == 0, run
    steps = by_task(run)
    # a plain list is the set
    assert groups_of(sim14, "user00005") == ["Standard CCM End Users", "Standard CTI Enabled"]
    assert groups_of(sim14, "user00006") == ["Standard CTI Enabled"]
    assert sim14.sql("select t.name, m.permission from functionroleresourcemap m join functionrole r on r.pkid = m.fkfunctionrole "
                     "join typeresource t on t.enum = m.tkresource where r.name = 'Plain Role'") == [("Phone Services web pages", 1)]
    assert sim14.sql("select r.name from functionroledirgroupmap m join dirgroup g on g.pkid = m.fkdirgroup "
                     "join functionrole r on r.pkid = m.fkfunctionrole where g.name = 'Plain'") == [("Plain Role",)]
    # ... except for a group's members, where it is refused with the three ways to write it
    members = steps["plain list, group members"]
    assert members["status"] == "failed" and "members: a plain list is not accepted here" in members["result"]["msg"]
    assert "{add: [...]}" in members["result"]["msg"] and "{set: [...]}" in members["result"]["msg"]
    assert ("user00005", "Plain") not in group_members(sim14)

    # the CSV export has the columns users_file reads; read back, it changes nothing
    with open(csv_file, newline="", encoding="utf-8") as handle:
        rows = {r["userid"]: r for r in csv.DictReader(handle)}
    assert sorted(rows) == ["user%05d" % i for i in range(1, 10)]
    assert rows["user00005"]["groups"] == "Standard CCM End Users;Standard CTI Enabled"
    assert rows["user00003"]["title"] == title_of(sim14, "user00003") and rows["user00003"]["primary_extension_pattern"]
    assert rows["user00002"]["title"] == "" and rows["user00002"]["last_name"] == ""     # the directory owns them
    back = steps["CSV back, check"]["result"]
    assert back["changed"] is False and back["counts"]["unchanged"] == 9, back
    unknown = steps["unknown extension"]
    assert unknown["status"] == "failed" and "dest: %s must end in .json, .yml, .yaml" % bad in unknown["result"]["msg"]
    assert not bad.exists()

    # an LDAP user's directory-owned field: skipped and reported (the rest converges), or refused
    skip = steps["LDAP user, skip"]["result"]
    assert skip["changed"] is True and skip["ldap_skipped"] == [{"userid": "user00002", "ldap_directory": "corp-ldap",
                                                                 "fields": {"title": {"declared": "Wrong", "directory": ldap_title}}}]
    assert skip["diff"]["after"]["ldap_owned_not_written"] == {"title": "Wrong"} and skip["diff"]["after"]["title"] == ldap_title
    assert any("user00002 (title)" in w for w in skip["warnings"])
    assert title_of(sim14, "user00002") == ldap_title
    assert sim14.sql("select allowcticontrolflag from enduser where userid = 'user00002'") == [("f",)]
    refused = steps["LDAP user, fail"]
    assert refused["status"] == "failed" and "which owns title" in refused["result"]["msg"]
    assert sim14.stats()["requests"] > requests_before

    # edit the CSV as in a spreadsheet and give it back: exactly that change is written (and user00002's enable_cti,
    # which the "LDAP user, skip" task changed after the export, goes back to what the file says)
    with open(csv_file, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, lines = reader.fieldnames, list(reader)
    for line in lines:
        if line["userid"] == "user00007":
            line["title"] = "Shift Lead"
    with open(csv_file, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(lines)
    run = ansible14.run([{"name": "CSV back", USERS: {"users_file": str(csv_file)}}])
    assert run.rc == 0, run
    assert sorted(run.result()["changes"], key=lambda c: c["userid"]) == [
        {"userid": "user00002", "action": "updated", "fields": ["enable_cti"]},
        {"userid": "user00007", "action": "updated", "fields": ["title"]}]
    assert title_of(sim14, "user00007") == "Shift Lead"


# ------------------------------------------------------------------------------- connection options and proxies
class ConnectProxy:
    """A small HTTP CONNECT proxy on 127.0.0.1 (a thread of this test): records each tunnel asked for and the
    Proxy-Authorization it came with, answers 407 when ``credentials`` are set and not given, then relays bytes."""

    def __init__(self, credentials=None):
        self.credentials = credentials
        self.tunnels = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.stopping = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopping:
            try:
                client, _addr = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client):
        with client:
            client.settimeout(30)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
            method, target = lines[0].split()[:2]
            headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            auth = headers.get("Proxy-Authorization")
            self.tunnels.append((method, target, auth))
            wanted = "Basic " + base64.b64encode(self.credentials.encode()).decode() if self.credentials else None
            if method != "CONNECT" or (wanted and auth != wanted):
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n"
                               b"Content-Length: 0\r\n\r\n")
                return
            host, port = target.rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=30) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                pair = {client: upstream, upstream: client}
                while True:
                    ready, _w, _x = select.select(list(pair), [], [], 30)
                    if not ready:
                        return
                    for sock in ready:
                        data = sock.recv(65536)
                        if not data:
                            return
                        pair[sock].sendall(data)

    def stop(self):
        self.stopping = True
        self.server.close()


def test_connection_option_names_and_https_proxy(ansible14, sim14):
    """cucm_* names and the old names both work; HTTPS_PROXY is used through CONNECT unless NO_PROXY names the
    host; cucm_proxy (with credentials, never shown) and CUCM_PROXY win; an empty cucm_proxy connects directly."""
    secret = "Prx-Cnry-7f3a"
    open_proxy, auth_proxy = ConnectProxy(), ConnectProxy(credentials="axlproxy:" + secret)
    target = "127.0.0.1:%d" % sim14.port
    info = {"voiceops.cucm.cucm_end_user_info": {"userid": "user00003"}}
    new_names = {"cucm_host": "127.0.0.1", "cucm_port": sim14.port, "cucm_username": "administrator",
                 "cucm_password": "ciscopsdt", "cucm_ca_path": sim14.cert, "cucm_axl_version": sim14.version,
                 "cucm_timeout": 20, "cucm_retry_budget": 0}
    authed = "http://axlproxy:%s@127.0.0.1:%d" % (secret, auth_proxy.port)
    wrong = "http://axlproxy:not-%s@127.0.0.1:%d" % (secret, auth_proxy.port)
    try:
        def with_proxy(name, proxy, **keywords):
            return dict(name=name, **{"voiceops.cucm.cucm_end_user_info": {"userid": "user00003", "cucm_proxy": proxy}},
                        **keywords)

        tasks = [
            dict(info, name="old names"),
            dict(info, name="HTTPS_PROXY", environment={"HTTPS_PROXY": open_proxy.url}),
            dict(info, name="NO_PROXY", environment={"HTTPS_PROXY": open_proxy.url, "NO_PROXY": "localhost,127.0.0.1"}),
            with_proxy("empty cucm_proxy", "", environment={"HTTPS_PROXY": open_proxy.url}),
            dict(info, name="CUCM_PROXY", environment={"CUCM_PROXY": open_proxy.url, "NO_PROXY": "127.0.0.1"}),
            # from variables, as a vaulted value would come (ansible-core shows a failed task's source)
            with_proxy("cucm_proxy with credentials", "{{ proxy_url }}"),
            with_proxy("wrong proxy password", "{{ wrong_url }}", ignore_errors=True),
        ]
        run = ansible14.run(tasks, verbosity=3, play_vars={"proxy_url": authed, "wrong_url": wrong})
        assert run.rc == 0, run
        run2 = ansible14.run([dict(info, name="new names")], connection=new_names)
        assert run2.rc == 0, run2
    finally:
        open_proxy.stop()
        auth_proxy.stop()
    steps = by_task(run)
    for name in ("old names", "HTTPS_PROXY", "NO_PROXY", "empty cucm_proxy", "CUCM_PROXY", "cucm_proxy with credentials"):
        assert steps[name]["status"] == "ok" and steps[name]["result"]["users"][0]["userid"] == "user00003", name
    assert run2.result()["users"][0]["userid"] == "user00003"
    assert run2.result()["invocation"]["module_args"]["cucm_ca_path"] == sim14.cert
    assert steps["old names"]["result"]["invocation"]["module_args"]["cucm_axl_version"] == sim14.version
    # HTTPS_PROXY and CUCM_PROXY (which NO_PROXY does not override) tunnelled; NO_PROXY and the empty cucm_proxy
    # went direct
    assert open_proxy.tunnels == [("CONNECT", target, None)] * 2
    # cucm_proxy's credentials go to the proxy only; wrong ones are refused with the proxy's answer
    good = "Basic " + base64.b64encode(("axlproxy:" + secret).encode()).decode()
    assert [t[:2] for t in auth_proxy.tunnels] == [("CONNECT", target)] * 2 and auth_proxy.tunnels[0][2] == good
    failed = steps["wrong proxy password"]
    assert failed["status"] == "failed" and "refused to open a tunnel" in failed["result"]["msg"] \
        and "407" in failed["result"]["msg"], failed
    # the proxy's password is never shown, even at -vvv
    assert secret not in run.output
