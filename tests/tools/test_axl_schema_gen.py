"""tools/axl_schema_gen.py: regenerating from Cisco's XSD in ../shared gives the committed
``plugins/module_utils/axl_schema_devices.py`` byte for byte, and the generator refuses what it
cannot represent.  Skipped, with the reason, when ../shared is absent."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT.parent / "shared" / "axl-schema"
COMMITTED = ROOT / "plugins" / "module_utils" / "axl_schema_devices.py"


def _generator():
    spec = importlib.util.spec_from_file_location("axl_schema_gen", ROOT / "tools" / "axl_schema_gen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _generator()


@pytest.fixture(scope="module")
def schema_dir():
    if not all((SCHEMA_DIR / v / "AXLSoap.xsd").is_file() for v in gen.VERSIONS):
        pytest.skip(f"Cisco's AXL schema is not available at {SCHEMA_DIR} (the ../shared folder is absent)")
    return str(SCHEMA_DIR)


@pytest.fixture(scope="module")
def generated(schema_dir):
    return gen.generate(schema_dir)


def test_regenerating_gives_the_committed_output(generated):
    assert generated == COMMITTED.read_text(encoding="utf-8"), (
        "plugins/module_utils/axl_schema_devices.py is not what tools/axl_schema_gen.py writes: run it again")


def test_check_mode_of_the_command_line(schema_dir, tmp_path, capsys):
    assert gen.main(["--schema-dir", schema_dir, "--check"]) == 0
    stale = tmp_path / "out.py"
    stale.write_text("TYPES = {}\n", encoding="utf-8")
    assert gen.main(["--schema-dir", schema_dir, "--check", "--output", str(stale)]) == 1
    assert "run it again" in capsys.readouterr().err
    assert gen.main(["--schema-dir", schema_dir, "--output", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8")


def test_output_holds_facts_only(generated):
    """No Cisco text: no XSD annotation or documentation, only the compact specs."""
    assert "documentation" not in generated and "xsd:" not in generated and "<" not in generated
    namespace = {}
    exec(compile(generated, "axl_schema_devices.py", "exec"), namespace)   # noqa: S102 - our own output
    assert set(namespace["TYPES"]) == set(gen.WANTED)
    assert namespace["TYPES"]["DeviceLine"] == "index:i label:s50 display:s50 dirn:Dirn e164Mask:s255"
    assert ("protocolSide", "User") in namespace["REQUIRED"]["XPhone"]
    assert "asciiAlertingName:s32" in namespace["TYPES"]["XLine"]
    assert "Cisco Unified Client Services Framework" in namespace["ENUMS"]["XProduct"]


def test_refusals(schema_dir, monkeypatch):
    monkeypatch.setitem(gen.WANTED, "Dirn", "pattern routePartitionName favouriteColour")
    with pytest.raises(SystemExit, match="no element"):
        gen.generate(schema_dir)
    monkeypatch.setitem(gen.WANTED, "Dirn", "pattern routePartitionName")
    monkeypatch.setitem(gen.ENUM_VALUES, "XProduct", ("Cisco 9999",))
    with pytest.raises(SystemExit, match="not in AXL"):
        gen.generate(schema_dir)


def test_missing_schema_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="does not exist"):
        gen.generate(str(tmp_path))
