# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The number pool's documented formats (docs/joiners.md): the release marker and the ranges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.voiceops.cucm.plugins.module_utils import number_pool as np
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError

DAY = datetime.date(2026, 3, 31)


def test_marker_round_trip():
    text = np.marker(np.RELEASED, DAY, "jdoe")
    assert text == "released 2026-03-31 jdoe"
    assert np.parse_marker(text) == ("released", DAY, "jdoe")
    assert np.parse_marker("reserved 2026-03-31 a.b") == ("reserved", DAY, "a.b")
    assert np.parse_marker("released 2026-03-31") == ("released", DAY, "")


@pytest.mark.parametrize("description", ["", "Jane Doe", "released 2026-02-30 jdoe", "Released 2026-03-31 jdoe",
                                         "released 31.03.2026 jdoe", " released 2026-03-31 jdoe"])
def test_other_descriptions_are_not_markers(description):
    assert np.parse_marker(description) is None


def test_marker_fits_a_description_and_holds_no_forbidden_character():
    text = np.marker(np.RELEASED, DAY, 'a"b%c&d<e>f\\g' + "x" * 60)
    assert len(text) == np.DESCRIPTION_MAX
    assert text.startswith('released 2026-03-31 a_b_c_d_e_f_g')
    kind, day, user = np.parse_marker(text)
    assert (kind, day) == ("released", DAY)
    # a cut tag still names its user, and no other
    assert np.same_user(user, 'a"b%c&d<e>f\\g' + "x" * 60)
    assert not np.same_user(user, "someone")
    assert not np.same_user("", "jdoe")
    assert np.same_user("jdoe", "jdoe") and not np.same_user("jdoe", "jdoe2")


def test_ranges():
    r = np.parse_ranges([{"start": "100000", "end": "100029", "partition": "Internal_PT"},
                         {"start": "+14085550000", "end": "+14085550099", "partition": "Internal_PT"}])
    assert [x.size for x in r] == [30, 100]
    assert r[0].contains("100029") and not r[0].contains("100030") and not r[0].contains("10002")
    assert r[1].contains("\\+14085550001") and r[1].contains("+14085550001") and not r[1].contains("14085550001")


@pytest.mark.parametrize("spec, message", [
    ({"start": 100000, "end": "100009"}, "quote start and end"),
    ({"start": "100009", "end": "100000"}, "is after end"),
    ({"start": "1000", "end": "100009"}, "same form and number of digits"),
    ({"start": "100000", "end": "100009", "partition": "P\\"}, "Nothing was written"),
    ({"start": "100000", "end": "100009", "size": 3}, "unknown key"),
])
def test_bad_ranges(spec, message):
    with pytest.raises(CucmError) as err:
        np.parse_ranges([spec])
    assert message in str(err.value)


def test_overlapping_ranges_are_refused():
    with pytest.raises(CucmError) as err:
        np.parse_ranges([{"start": "1000", "end": "1099", "partition": "A"}, {"start": "1050", "end": "1199", "partition": "a"}])
    assert "overlap" in str(err.value)
