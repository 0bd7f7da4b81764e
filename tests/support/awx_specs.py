"""The argument specs of the awx.awx modules that extensions/awx/ feeds, read offline from a pinned source.

awx.awx is not on PyPI as a package of its own, and Galaxy is out of reach here; the Ansible community
package on PyPI bundled it until its release 13 (``ansible==12.3.0`` holds awx.awx 24.6.1, the collection
AWX 24.6.1 ships). This module fetches that wheel once with pip (checked against its pinned SHA-256),
keeps only the few awx.awx module files it needs under ``build/awx-collection/`` (not in the repository:
nothing of awx.awx is vendored), and reads each module's real ``argument_spec`` by running the module's
own ``main()`` up to the point where it builds its ``ControllerAPIModule`` (replaced here by a stand-in
that records the spec and stops). ansible-core's ``ArgumentSpecValidator`` then checks an object against
it as the module would.

    python tests/support/awx_specs.py     # fetch (or reuse) and print the modules' option names
"""

import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "awx-collection"
PACKAGE = "ansible==12.3.0"
WHEEL = "ansible-12.3.0-py3-none-any.whl"
SHA256 = "cd156f82fa87f7a899212b0efa9f7ca3a24d609212de9f78428a572eb01e5414"
AWX_VERSION = "24.6.1"
MODULES = ("credential_type", "credential", "job_template", "schedule")
PREFIX = "ansible_collections/awx/awx/"


class Unavailable(Exception):
    """The pinned source could not be fetched (no access to PyPI)."""


def ensure(cache=CACHE):
    """The directory holding awx.awx's MANIFEST.json and the module files of MODULES (fetched once)."""
    wanted = [cache / "plugins" / "modules" / ("%s.py" % m) for m in MODULES] + [cache / "MANIFEST.json"]
    if all(p.is_file() for p in wanted):
        return cache
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps",
                               "--only-binary", ":all:", "-d", tmp, PACKAGE], capture_output=True, text=True, check=False)
        wheel = Path(tmp) / WHEEL
        if proc.returncode != 0 or not wheel.is_file():
            raise Unavailable("pip download %s failed: %s" % (PACKAGE, (proc.stderr or proc.stdout).strip()[-500:]))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != SHA256:
            raise AssertionError("%s has SHA-256 %s, not the pinned %s" % (WHEEL, digest, SHA256))
        with zipfile.ZipFile(wheel) as archive:
            for path in wanted:
                name = PREFIX + str(path.relative_to(cache))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.read(name))
    return cache


def version(cache=CACHE):
    return json.loads((cache / "MANIFEST.json").read_text())["collection_info"]["version"]


class _Captured(Exception):
    def __init__(self, spec, options):
        super().__init__("argument spec captured")
        self.spec = spec
        self.options = options


class _StandIn:
    """Takes ControllerAPIModule's place: records what the module asked for, then stops main()."""

    def __init__(self, argument_spec=None, **options):
        raise _Captured(argument_spec, options)


IMPORT = re.compile(r"^from \.\.module_utils\.controller_api import ControllerAPIModule$", re.MULTILINE)


def argument_spec(module, cache=CACHE):
    """``(argument_spec, the other ControllerAPIModule arguments)`` of awx.awx.<module>, from its main()."""
    source = (cache / "plugins" / "modules" / ("%s.py" % module)).read_text()
    if len(IMPORT.findall(source)) != 1:
        raise AssertionError("awx.awx.%s no longer imports ControllerAPIModule as expected" % module)
    namespace = {"__name__": "awx_%s" % module, "ControllerAPIModule": _StandIn}
    exec(compile(IMPORT.sub("", source), "awx.awx.%s" % module, "exec"), namespace)  # noqa: S102 - pinned, hash-checked
    try:
        namespace["main"]()
    except _Captured as captured:
        return captured.spec, captured.options
    raise AssertionError("awx.awx.%s built no ControllerAPIModule" % module)


# ------------------------------------------------------------------------------- extensions/awx
OBJECTS = ROOT / "extensions" / "awx" / "controller_objects.yml"
PLAYBOOK = ROOT / "extensions" / "awx" / "configure_controller.yml"


class Unsafe(str):
    """A value marked !unsafe: Ansible hands it over as written (AWX renders it)."""


def load(path):
    """A YAML file as Ansible reads it: !unsafe values kept as their text (as Unsafe)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!unsafe", lambda loader, node: Unsafe(loader.construct_scalar(node)))
    return yaml.load(path.read_text(), Loader)  # noqa: S506 - SafeLoader plus one scalar tag


def render(value, variables):
    """``value`` with its templates rendered against ``variables`` as Ansible would (native types), and
    its !unsafe values left as written."""
    from jinja2.nativetypes import NativeEnvironment

    if isinstance(value, Unsafe):
        return str(value)
    if isinstance(value, dict):
        return dict((k, render(v, variables)) for k, v in value.items())
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    if isinstance(value, str) and "{{" in value:
        return NativeEnvironment().from_string(value).render(**variables)
    return value


def controller_objects(site=None):
    """The objects of controller_objects.yml for a site (``site`` overrides its cucm_awx_* variables)."""
    data = load(OBJECTS)
    variables = dict((k, v) for k, v in data.items() if k.startswith("cucm_awx_"))
    variables.update(site or {})
    return dict((k, render(v, variables)) for k, v in data.items() if k.startswith("controller_"))


if __name__ == "__main__":
    where = ensure()
    print("awx.awx %s from %s in %s" % (version(where), PACKAGE, where))
    for name in MODULES:
        print(name, sorted(argument_spec(name, where)[0]))
