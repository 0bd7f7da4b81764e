# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side: user IDs from lists, survey text and files, read exactly (issue 12)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.voiceops.cucm.plugins.plugin_utils import exact_text


@pytest.mark.parametrize("value, expected", [
    ("jane doe", ["jane doe"]),
    ("jdoe, asmith", ["jdoe", "asmith"]),
    ("jdoe\nasmith\n\n", ["jdoe", "asmith"]),
    ("jdoe,\r\nasmith , jdoe", ["jdoe", "asmith"]),
    (["jdoe", "jane doe"], ["jdoe", "jane doe"]),
    ("", []),
    ([], []),
])
def test_userids_from_lists_and_survey_text(value, expected):
    assert exact_text.userids(value, "leavers_userids") == expected


@pytest.mark.parametrize("value, message", [
    ([1001], "quote it"),
    (1001, "quote it"),
    (["jdoe", ""], "item 2 is empty"),
    (["jdoe "], "trailing blank"),
    ("jdoe\u200b", r"U\+200B"),
    ([True], "boolean"),
])
def test_userids_refuse_what_cannot_be_read_exactly(value, message):
    with pytest.raises(ValueError, match=message) as err:
        exact_text.userids(value, "leavers_keep_userids")
    assert "leavers_keep_userids" in str(err.value)


def test_userids_can_require_someone():
    with pytest.raises(ValueError, match="names nobody"):
        exact_text.userids(" , ", "x", allow_empty=False)


@pytest.mark.parametrize("name, text", [
    ("keep.yml", "users:\n  - userid: 1001\n  - userid: 0042\n  - {userid: jane doe}\n"),
    ("keep.yaml", "- 1001\n- '0042'\n- jane doe\n"),
    ("keep.json", '{"users": [{"userid": 1001}, {"userid": "0042"}, {"userid": "jane doe"}]}'),
    ("keep.csv", "last_name,userid\nA,1001\nB,0042\nC,jane doe\n"),
    ("keep.txt", "# who stays\n1001\n0042\n\njane doe\n"),
    ("ledger.yml", "leavers:\n  - {userid: 1001, left: 2026-12-01}\n  - {userid: 0042}\n  - {userid: jane doe}\n"),
])
def test_files_are_read_exactly(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    assert exact_text.userids_from_file(str(path), "leavers_keep_file") == ["1001", "0042", "jane doe"]


@pytest.mark.parametrize("name, text, message", [
    ("keep.lst", "jdoe\n", "must end in"),
    ("keep.yml", "users: []\n", "names nobody"),
    ("keep.yml", "just text\n", "expected a list"),
    ("keep.yml", "other: [a]\n", "'users'"),
    ("keep.yml", "- yes\n", "entry 1 has no user ID"),
    ("keep.yml", "users: [{name: x}]\n", "entry 1 has no user ID"),
    ("keep.yml", "users: [a\n", "not valid YAML"),
    ("keep.json", "[1, ]", "not valid JSON"),
    ("keep.csv", "name\njdoe\n", "'userid' column"),
    ("keep.csv", "userid,x\n,1\n", "line 2 has no userid"),
    ("keep.txt", "jdoe \n", "trailing blank"),
    ("keep.txt", "\n# nobody\n", "names nobody"),
])
def test_files_that_cannot_be_read_exactly_are_refused(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as err:
        exact_text.userids_from_file(str(path), "leavers_keep_file")
    assert "leavers_keep_file" in str(err.value)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        exact_text.userids_from_file(str(tmp_path / "nope.yml"), "leavers_keep_file")


def test_an_empty_ledger_may_be_allowed(tmp_path):
    path = tmp_path / "leavers.yml"
    path.write_text("leavers: []\n")
    assert exact_text.userids_from_file(str(path), "leavers.yml", allow_empty=True) == []


def test_plain_values_are_not_recovered():
    # no origin tag: a number stays a number (the module then refuses it)
    assert exact_text.recover(34) is None
    assert exact_text.restore({"a": [1, "x"], "b": True}) == {"a": [1, "x"], "b": True}
