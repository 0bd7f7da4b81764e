# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain lists as ``set``, pending references, fields an LDAP directory owns, the CSV export, proxies
and the connection options' names (no AXL server needed)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv

import pytest

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, bulk, cucm, engine
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.end_user import EndUser
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.user_group import UserGroup

USERS = EndUser()


# ---------------------------------------------------------------------------------------------
# a plain list is the set
# ---------------------------------------------------------------------------------------------

def test_plain_lists_in_module_parameters():
    spec = UserGroup().argument_spec()
    params = {"name": "G", "roles": ["A", "B"], "members": {"add": ["u"]}}
    assert cucm.plain_lists(spec, params) == []
    assert params["roles"] == {"set": ["A", "B"]} and params["members"] == {"add": ["u"]}
    # a refused option is taken out and named, with the three ways to write it
    params = {"name": "G", "members": ["u"]}
    problems = cucm.plain_lists(spec, params, refused=("members",))
    assert "members" not in params
    assert problems and problems[0].startswith("members: a plain list is not accepted here")
    assert "{add: [...]}" in problems[0] and "{remove: [...]}" in problems[0] and "{set: [...]}" in problems[0]
    # options that are lists by nature, and dicts, are untouched
    spec = dict(spec, pending_references=engine.pending_spec(["roles"]), names=dict(type="list", elements="str"))
    params = {"pending_references": {"roles": ["A"]}, "names": ["x"]}
    assert cucm.plain_lists(spec, params) == [] and params == {"pending_references": {"roles": ["A"]}, "names": ["x"]}


def test_plain_lists_in_bulk_items():
    items = bulk.validate_items(USERS, [{"userid": "a", "groups": ["G1", "G2"], "associated_devices": []},
                                        {"userid": "b", "groups": {"add": ["G3"]}}], "14.0", allow_secrets=False)
    assert items[0]["groups"] == {"set": ["G1", "G2"]} and items[0]["associated_devices"] == {"set": []}
    assert items[1]["groups"] == {"add": ["G3"]}
    with pytest.raises(CucmError, match=r"users\[0\] \(a\): .*groups"):
        bulk.validate_items(USERS, [{"userid": "a", "groups": [1]}], "14.0", allow_secrets=False)


# ---------------------------------------------------------------------------------------------
# pending references (check mode)
# ---------------------------------------------------------------------------------------------

def test_without_pending_leaves_only_new_references_to_pending_objects_out_of_the_check():
    changes = {"groups": ["Old", "New", "Other"], "title": "x"}
    current = {"groups": ["Old"]}
    checked, found = engine.without_pending({"groups": ["New", "Never"]}, changes, current)
    assert checked == {"groups": ["Old", "Other"], "title": "x"} and found == {"groups": ["New"]}
    assert changes == {"groups": ["Old", "New", "Other"], "title": "x"}            # the plan itself is kept
    # a pending name the object already has is no reference to check
    assert engine.without_pending({"groups": ["Old"]}, changes, current) == (changes, {})
    assert engine.without_pending(None, changes, current) == (changes, {})
    assert engine.without_pending({"groups": ["New"]}, {"title": "x"}, current) == ({"title": "x"}, {})


# ---------------------------------------------------------------------------------------------
# fields an LDAP directory owns
# ---------------------------------------------------------------------------------------------

def test_skip_owned_takes_directory_fields_out_of_the_changes():
    current = {"title": "Director", "department": "Sales", "groups": ["A"], "_ldap": "corp-ldap"}
    desired = {"title": "Agent", "department": "Sales", "groups": ["A", "B"]}
    changes = {"title": "Agent", "groups": ["A", "B"]}
    entry = engine.skip_owned(USERS, None, "u1", current, desired, changes)
    assert entry == {"userid": "u1", "ldap_directory": "corp-ldap",
                     "fields": {"title": {"declared": "Agent", "directory": "Director"}}}
    assert changes == {"groups": ["A", "B"]} and desired["title"] == "Director"
    # a local user, or nothing owned declared differently: nothing to skip
    assert engine.skip_owned(USERS, None, "u1", dict(current, _ldap=""), {}, {"title": "Agent"}) is None
    assert engine.skip_owned(USERS, None, "u1", current, {}, {"groups": ["B"]}) is None
    assert "1 user synchronised from LDAP declares" in engine.ldap_skipped_warning("user", [entry], "userid")
    assert "u1 (title)" in engine.ldap_skipped_warning("user", [entry], "userid")


# ---------------------------------------------------------------------------------------------
# the CSV export is what users_file reads
# ---------------------------------------------------------------------------------------------

def test_csv_export_round_trip(tmp_path):
    users = [
        {"userid": "0042", "first_name": "Zero", "last_name": "Lead", "title": "", "enable_cti": False,
         "max_desk_pickup_wait_time": 10, "groups": {"set": ["Standard CCM End Users", "Standard CTI Enabled"]},
         "associated_devices": {"set": []}, "primary_extension": {"pattern": "1001", "partition": "Internal_PT"}},
        {"userid": "ldap1", "groups": {"set": ["Standard CCM End Users"]}, "enable_cti": True},
    ]
    path = tmp_path / "users.csv"
    bulk.write_users(USERS, str(path), users)
    with open(str(path), newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["userid", "first_name", "last_name", "title", "enable_cti", "max_desk_pickup_wait_time",
                      "primary_extension_pattern", "primary_extension_partition", "associated_devices", "groups"]
    back = bulk.load_file(str(path), USERS)
    # read back: the same declarations, except that empty values are not declared
    assert back == [
        {"userid": "0042", "first_name": "Zero", "last_name": "Lead", "enable_cti": False, "max_desk_pickup_wait_time": 10,
         "primary_extension": {"pattern": "1001", "partition": "Internal_PT"},
         "groups": {"set": ["Standard CCM End Users", "Standard CTI Enabled"]}},
        {"userid": "ldap1", "enable_cti": True, "groups": {"set": ["Standard CCM End Users"]}}]


def test_csv_export_refuses_a_list_item_with_the_separator(tmp_path):
    with pytest.raises(CucmError, match="has a ';'"):
        bulk.write_users(USERS, str(tmp_path / "u.csv"), [{"userid": "a", "groups": {"set": ["A;B"]}}])


@pytest.mark.parametrize("dest", ["u.json", "u.yml", "u.YAML", "u.csv"])
def test_check_dest_accepts(dest):
    bulk.check_dest(dest)


@pytest.mark.parametrize("dest", ["u.txt", "u", "u.xlsx"])
def test_check_dest_refuses(dest):
    with pytest.raises(CucmError, match="must end in .json, .yml, .yaml"):
        bulk.check_dest(dest)


# ---------------------------------------------------------------------------------------------
# proxies and connection options
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("http://proxy.example.com:3128", ("proxy.example.com", 3128, None, None)),
    ("proxy.example.com:3128", ("proxy.example.com", 3128, None, None)),
    ("http://proxy.example.com", ("proxy.example.com", 8080, None, None)),
    ("http://u:p%40ss@proxy:3128/", ("proxy", 3128, "u", "p@ss")),
    ("http://[::1]:3128", ("::1", 3128, None, None)),
])
def test_parse_proxy(url, expected):
    assert axl.parse_proxy(url) == expected


@pytest.mark.parametrize("url, message", [
    ("https://proxy:3128", "https:// proxies are not supported"),
    ("socks5://proxy:1080", "socks5:// proxies are not supported"),
    ("http://proxy:port", "is not a proxy URL"),
    ("http://u:secret@proxy:port", "is not a proxy URL"),
])
def test_parse_proxy_refuses(url, message):
    with pytest.raises(axl.AxlError, match=message) as info:
        axl.parse_proxy(url)
    assert "secret" not in str(info.value)


def test_proxy_credentials_are_never_shown():
    assert axl.proxy_password("http://u:s3cr3t@proxy:3128") == "s3cr3t"
    assert axl.proxy_password("http://proxy:3128") is None
    assert axl.shown_proxy("http://u:s3cr3t@proxy:3128") == "http://proxy:3128"
    client = axl.AxlClient("cucm.example.com", "axl", "pw", proxy="http://u:s3cr3t@proxy:3128", validate_certs=False)
    assert client.proxy == "http://proxy:3128" and "s3cr3t" not in client._via()


@pytest.mark.parametrize("host, no_proxy, bypassed", [
    ("cucm.corp.example.com", "example.com", True),
    ("cucm.corp.example.com", ".example.com", True),
    ("cucm.corp.example.com", "corp.example.com:8443", True),
    ("example.com", "example.com", True),
    ("badexample.com", "example.com", False),
    ("10.0.0.5", "10.0.0.5", True),
    ("10.0.0.5", "10.0.0.50", False),
    ("anything", "*", True),
    ("cucm", "localhost, 127.0.0.1", False),
    ("::1", "[::1]", True),
    ("cucm", "", False),
])
def test_no_proxy(host, no_proxy, bypassed):
    assert axl.bypassed(host, no_proxy) is bypassed


def test_environment_proxy(monkeypatch):
    for name in ("https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert axl.environment_proxy("cucm") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy:3128")
    assert axl.environment_proxy("cucm") == "http://proxy:3128"
    monkeypatch.setenv("NO_PROXY", "cucm")
    assert axl.environment_proxy("cucm") is None and axl.environment_proxy("other") == "http://proxy:3128"
    monkeypatch.setenv("https_proxy", "http://lower:3128")
    assert axl.environment_proxy("other") == "http://lower:3128"


def test_connection_options_have_one_prefix_and_keep_the_old_names():
    spec = cucm.CONNECTION_OPTIONS
    assert all(name.startswith("cucm_") for name in spec)
    assert {a for o in spec.values() for a in o.get("aliases", ())} == {
        "validate_certs", "ca_path", "axl_version", "timeout", "retry_budget", "retry_delay"}
    for name, option in spec.items():
        assert option["fallback"][1] == [name.upper()], name
    assert set(cucm.NON_NEGATIVE) <= set(spec)


def test_totals_add_up_the_forks():
    client = axl.AxlClient("cucm.example.com", "axl", "pw", validate_certs=False, axl_version="14.0")
    twin = client.fork()
    client.counters["throttled"], twin.counters["throttled"] = 2, 3
    client.counters["retries"], twin.counters["retries"] = 2, 4
    assert client.totals()["throttled"] == 5 and client.totals()["retries"] == 6
