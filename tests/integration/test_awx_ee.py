"""AWX / Automation Platform: the execution environment definition, the custom credential type, and a
job run through ansible-runner the way AWX runs one (private data dir, credential injected as
environment variables, survey answers as extra variables, artifacts written), against the simulator.

No container engine is needed: ``ansible-builder create`` only writes the build context, and the job
runs ansible-runner without process isolation.
"""

import json
import os
import re
import stat
import subprocess
import sys
import tempfile
from types import SimpleNamespace

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from conftest import ANSIBLE_BIN, ANSIBLE_PYTHON, BIN, ROOT, Simulator
from tests.support import awx_specs

CUCM_VARIABLES = {"CUCM_HOST", "CUCM_PORT", "CUCM_USERNAME", "CUCM_PASSWORD", "CUCM_CA_PATH", "CUCM_VALIDATE_CERTS",
                  "CUCM_AXL_VERSION", "CUCM_PROXY"}


def credential_type():
    """The "Cisco CUCM AXL" credential type of extensions/awx/controller_objects.yml."""
    types = awx_specs.controller_objects()["controller_credential_types"]
    assert [t["name"] for t in types] == ["Cisco CUCM AXL"]
    return types[0]


# canaries: the AXL password (the credential) and a user PIN (a survey answer)
AXL_PASSWORD = "Canary-AXL-9f4c2e71"
PIN = "04471260"      # octal-looking digits: AWX writes !unsafe '04471260', which ansible-core 2.19+ reads as a number


def requirement_lines(text):
    return sorted(line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip())


# ------------------------------------------------------------------------------- execution environment
@pytest.fixture(scope="module")
def installed_collection(tmp_path_factory):
    """The collection built with ansible-galaxy and installed from the tarball (what an EE build gets)."""
    base = tmp_path_factory.mktemp("galaxy")
    env = {k: v for k, v in os.environ.items() if k != "ANSIBLE_COLLECTIONS_PATH"}   # never the checkout's view
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(base), str(ROOT)],
                   check=True, capture_output=True, text=True, env=env)
    tarball = next(base.glob("voiceops-cucm-*.tar.gz"))
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "--force", "-p",
                    str(base / "collections"), str(tarball)], check=True, capture_output=True, text=True, env=env)
    assert (base / "collections" / "ansible_collections" / "voiceops" / "cucm" / "MANIFEST.json").is_file()
    return base / "collections"


def test_ee_definition_build_context_and_introspect_agree(tmp_path, installed_collection):
    context = tmp_path / "context"
    proc = subprocess.run([str(BIN / "ansible-builder"), "create", "-f", str(ROOT / "execution-environment.yml"),
                           "--context", str(context), "--output-filename", "Containerfile"],
                          capture_output=True, text=True, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (context / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile
    assert 'ARG PYCMD="/usr/bin/python3.11"' in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    # the collections' Python requirements are discovered by introspection inside the build
    assert "/output/scripts/introspect.py introspect" in containerfile
    assert yaml.safe_load((context / "_build" / "requirements.yml").read_text()) == {
        "collections": [{"name": "voiceops.cucm"}]}

    # the installed collection carries its EE metadata and the requirements it points at
    collection = installed_collection / "ansible_collections" / "voiceops" / "cucm"
    meta = yaml.safe_load((collection / "meta" / "execution-environment.yml").read_text())
    assert meta["dependencies"]["python"] == "requirements.txt"
    wanted = requirement_lines((ROOT / "requirements.txt").read_text())
    assert wanted and requirement_lines((collection / "requirements.txt").read_text()) == wanted

    # ansible-builder introspect (what maintainers run) and the introspection script of the generated
    # context (what the build runs) both find exactly those requirements
    proc = subprocess.run([str(BIN / "ansible-builder"), "introspect", "--sanitize", "--write-pip",
                           str(tmp_path / "introspect.txt"), str(installed_collection)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = yaml.safe_load(proc.stdout)
    assert found["python"] == [f"{line}  # from collection voiceops.cucm" for line in wanted]
    assert found["system"] == []
    assert requirement_lines((tmp_path / "introspect.txt").read_text()) == wanted
    proc = subprocess.run([sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect",
                           "--write-pip", str(tmp_path / "build.txt"), str(installed_collection)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert requirement_lines((tmp_path / "build.txt").read_text()) == wanted


# ------------------------------------------------------------------------------- credential type
def inject(credential_type, inputs, private_data_dir):
    """The environment AWX gives a job for a credential of ``credential_type`` (as
    awx.main.models.credential.injectors does it: a sandboxed Jinja namespace of the given inputs,
    missing booleans False, each file template written under <private data dir>/env, every env
    injector rendered, also when its input is empty)."""
    namespace = {k: v for k, v in inputs.items() if isinstance(v, bool) or v}
    for field in credential_type["inputs"]["fields"]:
        if field.get("type") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False
    sandbox = ImmutableSandboxedEnvironment()
    tower = SimpleNamespace(filename=None)
    env_dir = private_data_dir / "env"
    env_dir.mkdir(parents=True, exist_ok=True)
    for _label, template in credential_type["injectors"].get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w") as out:
            out.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        tower.filename = path
    namespace["tower"] = tower
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in credential_type["injectors"]["env"].items()}


def test_credential_type_injects_every_cucm_variable_with_safe_defaults(tmp_path):
    from plugins.doc_fragments.connection import ModuleDocFragment

    ctype = credential_type()
    assert ctype["kind"] == "cloud"
    fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
    assert fields["password"]["secret"] is True
    assert set(ctype["inputs"]["required"]) == {"host", "username", "password", "axl_version"}
    assert set(ctype["injectors"]["env"]) == CUCM_VARIABLES
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert fields["axl_version"]["choices"] == options["cucm_axl_version"]["choices"]

    # only what is required: port, verification and trust store fall back to safe values
    env = inject(ctype, {"host": "cucm.example.com", "username": "axl", "password": "pw", "axl_version": "15.0"},
                 tmp_path / "a")
    assert env == {"CUCM_HOST": "cucm.example.com", "CUCM_PORT": "8443", "CUCM_USERNAME": "axl",
                   "CUCM_PASSWORD": "pw", "CUCM_CA_PATH": "", "CUCM_VALIDATE_CERTS": "true",
                   "CUCM_AXL_VERSION": "15.0", "CUCM_PROXY": ""}
    # a CA certificate becomes a private file; the lab box turns verification off
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    env = inject(ctype, {"host": "h", "port": "9443", "username": "u", "password": "p", "axl_version": "14.0",
                         "ca_cert": pem, "skip_tls_verify": True}, tmp_path / "b")
    assert env["CUCM_PORT"] == "9443" and env["CUCM_VALIDATE_CERTS"] == "false"
    ca_path = env["CUCM_CA_PATH"]
    assert ca_path.startswith(str(tmp_path / "b" / "env")) and open(ca_path).read() == pem
    assert stat.S_IMODE(os.stat(ca_path).st_mode) == 0o600


# ------------------------------------------------------------------------------- a job, as AWX runs it
@pytest.fixture(scope="module")
def canary_sim(tmp_path_factory):
    sim = Simulator(tmp_path_factory.mktemp("awxsim"), "14.0", "--password", AXL_PASSWORD)
    yield sim
    sim.stop()


def safe_env(env):
    """The job environment AWX stores and shows: values of secret-looking names hidden
    (awx.main.utils.safe_yaml / build_safe_env hide names matching these words)."""
    hidden = re.compile(r"API|TOKEN|KEY|SECRET|PASS", re.IGNORECASE)
    return {k: ("**********" if hidden.search(k) else v) for k, v in env.items()}


@pytest.mark.cores
def test_job_through_ansible_runner_holds_no_secret(canary_sim, collections_path, tmp_path):
    from cucm_axl_sim.seed import credential_digest

    sim = canary_sim
    sim.reset()
    pdd = tmp_path / "pdd"
    project = pdd / "project"
    # the project: a GitOps repository with a one-line playbook importing the collection's
    (project / "state" / "localhost").mkdir(parents=True)
    (project / "provision.yml").write_text("---\n- name: Provision\n  ansible.builtin.import_playbook: voiceops.cucm.provision\n")
    (project / "state" / "localhost" / "users.yml").write_text(yaml.safe_dump({"users": [
        {"userid": "awx_new1", "first_name": "Ada", "last_name": "Lovelace", "groups": {"set": ["Standard CCM End Users"]}},
        {"userid": "user00004", "title": "Shift Lead"}]}))
    (pdd / "inventory").mkdir(parents=True)
    (pdd / "inventory" / "hosts").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={ANSIBLE_PYTHON}\n")

    # the credential, injected as AWX does, and the job's own settings
    ctype = credential_type()
    env = inject(ctype, {"host": "127.0.0.1", "port": str(sim.port), "username": "administrator",
                         "password": AXL_PASSWORD, "axl_version": "14.0",
                         "ca_cert": open(sim.cert).read()}, pdd)
    env.update({"ANSIBLE_COLLECTIONS_PATH": str(collections_path), "ANSIBLE_FORCE_COLOR": "False",
                "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_RETRY_FILES_ENABLED": "False"})
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(env))
    # job template extra vars + survey answers (the PIN is a password-type question), written as AWX writes
    # them: every value `!unsafe 'text'` (which ansible-core 2.19+ reads as a number when it looks like one)
    (pdd / "env" / "extravars").write_text("---\ncucm_state_dir: !unsafe '%s'\nidentity_default_pin: !unsafe '%s'\n"
                                           % (project / "state" / "localhost", PIN))
    # the job template's verbosity (3) and diff mode
    (pdd / "env" / "cmdline").write_text("-vvv --diff")

    run_env = dict(os.environ, PATH=f"{ANSIBLE_BIN}:{BIN}:{os.environ.get('PATH', '')}")
    for key in list(run_env):
        if key.startswith(("CUCM_", "ANSIBLE_")):
            del run_env[key]
    proc = subprocess.run([str(BIN / "ansible-runner"), "run", str(pdd), "-p", "provision.yml", "--ident", "job42"],
                          capture_output=True, text=True, env=run_env, timeout=600, check=False)
    artifacts = pdd / "artifacts" / "job42"
    stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else proc.stdout
    assert proc.returncode == 0, stdout[-3000:] + proc.stderr
    assert (artifacts / "status").read_text() == "successful" and (artifacts / "rc").read_text() == "0"

    # the job did its work with the injected credential and the survey's PIN
    pkid, pin = sim.sql("select u.pkid, c.credentials from enduser u join credential c on c.fkenduser = u.pkid "
                        "where u.userid = 'awx_new1' and c.tkcredential = 4")[0]
    assert pin == credential_digest(pkid, PIN)
    assert sim.sql("select title from enduser where userid = 'user00004'") == [("Shift Lead",)]
    events = [json.loads(p.read_text()) for p in sorted((artifacts / "job_events").glob("*.json"))]
    assert any(e["event"] == "runner_on_ok" and e["event_data"]["task"].endswith("Converge the end users in one task")
               and e["event_data"]["res"]["changed"] for e in events)
    stats = [e for e in events if e["event"] == "playbook_on_stats"]
    assert stats and stats[-1]["event_data"]["artifact_data"]["identity"]["localhost"]["users"]["created"] == 1

    # no canary anywhere in what the job leaves: events, stdout, status, fact cache, ...
    files = [p for p in artifacts.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        text = path.read_text(errors="replace")
        assert PIN not in text, f"the survey PIN leaked into {path.relative_to(pdd)}"
        if path.name != "command":
            assert AXL_PASSWORD not in text, f"the AXL password leaked into {path.relative_to(pdd)}"
    # ansible-runner's own launch record ('command': argv, cwd and the environment it started
    # ansible-playbook with) holds the injected environment, as it must to run the job; AWX keeps it
    # only inside the private data dir it deletes, and stores the job's environment with secret
    # names hidden, which holds no canary
    launched = json.loads((artifacts / "command").read_text())
    assert PIN not in json.dumps(launched["command"])
    assert AXL_PASSWORD not in json.dumps(safe_env(launched["env"]))


# ------------------------------------------------------------------------------- the controller objects
SITE = {"cucm_awx_organization": "Voice", "cucm_awx_project": "cucm-config", "cucm_awx_inventory": "clusters",
        "cucm_awx_execution_environment": "cucm-ee", "cucm_awx_credential": "CUCM EMEA",
        "cucm_awx_credential_inputs": {"host": "cucm-pub.example.com", "username": "axl", "password": "x",
                                       "axl_version": "15.0"}}
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
SURVEY_KEYS = {"question_name", "question_description", "required", "type", "variable", "min", "max", "default",
               "choices", "new_question"}


@pytest.fixture(scope="module")
def awx_collection():
    try:
        return awx_specs.ensure()
    except awx_specs.Unavailable as exc:
        pytest.skip("the awx.awx modules (in %s from PyPI) cannot be fetched: %s" % (awx_specs.PACKAGE, exc))


def spec_errors(module, params, cache):
    """What awx.awx.<module> would say about ``params`` (ansible-core's validator on its own argument spec)."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    spec, _options = awx_specs.argument_spec(module, cache)
    return ArgumentSpecValidator(spec).validate(params).error_messages


def option_names(module, cache):
    spec = awx_specs.argument_spec(module, cache)[0]
    return set(spec) | {a for o in spec.values() for a in o.get("aliases") or ()}


def test_controller_objects_load_in_awx_awx(awx_collection):
    """Every object of extensions/awx/controller_objects.yml passes the argument spec of the awx.awx module that
    creates it (awx.awx 24.6.1, read offline from the pinned PyPI package), configure_controller.yml hands each
    module only its options and drops no key of an object, and the templates and surveys match the playbooks."""
    assert awx_specs.version(awx_collection) == awx_specs.AWX_VERSION
    objects = awx_specs.controller_objects(SITE)
    kinds = {"controller_credential_types": "credential_type", "controller_credentials": "credential",
             "controller_templates": "job_template", "controller_schedules": "schedule"}
    assert set(objects) == set(kinds)
    assert [len(objects[k]) for k in kinds] == [1, 1, 5, 2]
    for key, module in kinds.items():
        for item in objects[key]:
            assert spec_errors(module, item, awx_collection) == [], (module, item["name"])
    # nothing unknown slips through: a misspelt option is refused by the same check
    assert spec_errors("job_template", dict(objects["controller_templates"][0], survey_specs={}), awx_collection)
    assert spec_errors("job_template", dict(objects["controller_templates"][0], job_type="plan"), awx_collection)
    # without credential inputs the credential is not created (it exists already)
    assert awx_specs.controller_objects()["controller_credentials"] == []

    # the playbook: one task per kind, each passing only options of its module and every key the objects use
    play = awx_specs.load(awx_specs.PLAYBOOK)[0]
    assert play["vars_files"] == ["controller_objects.yml"]
    tasks = dict((next(k for k in t if k.startswith("awx.awx.")), t) for t in play["tasks"])
    assert sorted(tasks) == sorted("awx.awx." + m for m in kinds.values())
    for key, module in kinds.items():
        task = tasks["awx.awx." + module]
        assert task["loop"] == "{{ %s }}" % key
        args = set(task["awx.awx." + module])
        assert args <= option_names(module, awx_collection), (module, args - option_names(module, awx_collection))
        used = {k for item in objects[key] for k in item}
        assert used <= args, (module, used - args)
    assert tasks["awx.awx.credential"]["no_log"] is True

    # templates: a playbook the collection ships (the project imports it), the site's objects, valid surveys
    templates = {t["name"]: t for t in objects["controller_templates"]}
    playbooks = ROOT / "playbooks"
    for template in templates.values():
        assert (playbooks / template["playbook"]).is_file(), template["playbook"]
        assert (template["organization"], template["project"], template["inventory"], template["execution_environment"],
                template["credentials"]) == ("Voice", "cucm-config", "clusters", "cucm-ee", ["CUCM EMEA"])
        survey = template.get("survey_spec")
        assert bool(survey) == bool(template.get("survey_enabled")), template["name"]
        if not survey:
            continue
        assert set(survey) == {"name", "description", "spec"}
        text = (playbooks / template["playbook"]).read_text()
        for question in survey["spec"]:
            assert set(question) <= SURVEY_KEYS and question["type"] in SURVEY_TYPES, question
            assert question["variable"] in text or template["playbook"] in (
                "provision.yml", "deprovision_leavers.yml"), (template["name"], question["variable"])
            if question["type"] == "multiplechoice":
                assert question["default"] in question["choices"], question
    by_playbook = {t["playbook"]: t for t in templates.values()}
    assert by_playbook["drift_report.yml"]["job_type"] == "check"
    ippa = by_playbook["ippa_password_self_service.yml"]
    assert [(q["variable"], q["type"], q["required"]) for q in ippa["survey_spec"]["spec"]] == [
        ("ippa_agent_id", "text", True), ("ippa_new_password", "password", True)]
    assert ippa["verbosity"] == 0 and ippa["diff_mode"] is False and ippa["ask_variables_on_launch"] is False
    # extra variables AWX renders per host stay templates
    assert by_playbook["provision.yml"]["extra_vars"] == {"cucm_state_dir": "/runner/project/state/{{ inventory_hostname }}"}
    for schedule in objects["controller_schedules"]:
        assert schedule["unified_job_template"] in templates and schedule["rrule"].startswith("DTSTART")
    assert {s["unified_job_template"] for s in objects["controller_schedules"]} == {
        "CUCM - repair phone-service subscriptions", "CUCM - drift report"}
