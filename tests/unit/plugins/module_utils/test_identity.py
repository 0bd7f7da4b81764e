# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identities read and compared exactly: invisible characters, numbers where text is expected,
files read with numbers kept as text, CSV strictness and linear-time scope matching (issue 12)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io

import pytest

from ansible_collections.voiceops.cucm.plugins.module_utils import bulk, identity
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, number_problems
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.end_user import EndUser


@pytest.mark.parametrize("text", ["jdoe", "jane doe", "O'Brien", "Zoë", "80447215", "0042"])
def test_plain_identities_pass(text):
    assert identity.problem(text) is None


@pytest.mark.parametrize("text, reason", [
    ("jdoe ", "trailing blank"), (" jdoe", "leading"), ("j\u200bdoe", "U+200B"), ("jane\u00a0doe", "U+00A0"),
    ("j\u2003doe", "U+2003"), ("jdoe\ufeff", "U+FEFF"), ("j\tdoe", "U+0009"), ("line\u2028two", "U+2028"),
    ("Jose\u0301", "NFC"),
])
def test_lookalike_text_is_refused(text, reason):
    assert reason in identity.problem(text)


def test_fold_ignores_case_only():
    assert identity.fold("JDoe") == identity.fold("jdoe")
    assert identity.fold("jdoe") != identity.fold("j.doe")


@pytest.mark.parametrize("value, shown", [(83, "83"), (2718, "2718"), (4.5, "4.5"), (True, "True")])
def test_numbers_where_text_is_expected(value, shown):
    assert "quote it" in identity.number_problem(value)
    assert shown in identity.number_problem(value)
    assert shown not in identity.number_problem(value, shown=False)


def test_number_problems_walk_the_argument_spec():
    spec = dict(userid=dict(type="str"), pin=dict(type="str", no_log=True), axl_version=dict(type="str", choices=["14.0"]),
                timeout=dict(type="int"), groups=dict(type="dict", options=dict(add=dict(type="list", elements="str"))),
                scope=dict(type="dict", options=dict(userid=dict(type="str"))))
    found = number_problems(spec, dict(userid=1001, pin=83, axl_version=14.0, timeout=30, groups=dict(add=["a", 7]),
                                       scope=dict(userid=5)))
    assert [f.split(":")[0] for f in found] == ["userid", "pin", "groups.add[1]", "scope.userid"]
    assert "83" not in found[1]                     # a secret is not shown
    assert number_problems(spec, dict(userid="1001", pin="0123", timeout=30)) == []


def test_text_loader_keeps_numbers_as_written():
    data = identity.load_text(io.StringIO("users:\n  - {userid: 0042, pin: 0123, enable_cti: no, x: 1_000, d: 2026-01-02}\n"),
                              ".yml")
    assert data["users"][0] == {"userid": "0042", "pin": "0123", "enable_cti": False, "x": "1_000", "d": "2026-01-02"}
    assert identity.load_text(io.StringIO('[{"userid": 1001, "pin": 0.5}]'), ".json") == [{"userid": "1001", "pin": "0.5"}]


@pytest.mark.parametrize("pattern, text, expected", [
    ("user%", "user00001", True), ("user%", "xuser", False), ("u_er%", "user", True), ("%doe", "jane doe", True),
    ("a\\%b", "a%b", True), ("a\\%b", "axb", False), ("%%%a%%b%%", "xxaxxbxx", True), ("User%", "user1", False),
    ("", "", True), ("%", "", True), ("_", "", False),
])
def test_like_matches_as_informix_does(pattern, text, expected):
    assert bool(bulk.like(pattern)(text)) is expected


def test_like_is_linear():
    # a regular expression needs minutes for this (catastrophic backtracking); the matcher a moment
    match = bulk.like("%" * 40 + "X" + "%" * 40 + "Y")
    assert not match("a" * 20000)
    assert match("a" * 5000 + "X" + "b" * 5000 + "Y")


def _csv(tmp_path, text):
    path = tmp_path / "users.csv"
    path.write_text(text)
    return str(path)


def test_csv_booleans_are_strict(tmp_path):
    rows = bulk.load_file(_csv(tmp_path, "userid,last_name,enable_cti,enable_mobility\njd,D,off,on\n"), EndUser())
    assert rows == [{"userid": "jd", "last_name": "D", "enable_cti": False, "enable_mobility": True}]
    with pytest.raises(CucmError, match="line 2: enable_cti: 'ture' is not a boolean"):
        bulk.load_file(_csv(tmp_path, "userid,last_name,enable_cti\njd,D,ture\n"), EndUser())


@pytest.mark.parametrize("header, message", [
    ("userid,last_name,titel", "unknown column 'titel'"),
    ("userid,lastname", "unknown column 'lastname'"),
    ("userid,last_name,last_name", "repeated column 'last_name'"),
])
def test_csv_columns_are_checked(tmp_path, header, message):
    with pytest.raises(CucmError, match=message):
        bulk.load_file(_csv(tmp_path, header + "\njd,D,x\n"), EndUser())


def test_yaml_users_file_keeps_identities_exact(tmp_path):
    path = tmp_path / "users.yml"
    path.write_text("- {userid: 0042, last_name: Zero, pin: 0123, max_desk_pickup_wait_time: 10}\n")
    items = bulk.validate_items(EndUser(), bulk.load_file(str(path), EndUser()), "14.0", allow_secrets=True)
    assert items == [{"userid": "0042", "last_name": "Zero", "pin": "0123", "max_desk_pickup_wait_time": 10}]


def test_inline_numbers_and_lookalike_duplicates_are_refused():
    with pytest.raises(CucmError) as err:
        bulk.validate_items(EndUser(), [{"userid": 42, "last_name": "A"}, {"userid": "jd", "last_name": 7},
                                        {"userid": "newbie"}, {"userid": "NewBie"}], "14.0", allow_secrets=False)
    text = str(err.value)
    assert "users[0]" in text and "userid: got the number 42" in text
    assert "users[1] (jd): last_name: got the number 7" in text
    assert "as 'newbie' and 'NewBie', which differ only in letter case" in text


def test_invalid_users_can_be_set_aside():
    invalid = {}
    items = bulk.validate_items(EndUser(), [{"userid": "ok1"}, {"userid": "bad", "pin": "12ab"}], "14.0",
                                allow_secrets=True, invalid=invalid)
    assert [i["userid"] for i in items] == ["ok1"]
    assert list(invalid) == ["bad"] and "digits only" in invalid["bad"][0]


def test_bad_defaults_fail_before_anything():
    with pytest.raises(CucmError, match="default_pin: the value is not valid"):
        bulk.validate_defaults(EndUser(), dict(pin="abc", password=None), "14.0")
