# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cucm_phone_service_subscriptions without a cluster: how many reads N devices cost (chunks of names, pages
sized from the row estimates), the list a device is written with, the declaration's input layer (files,
numbers, duplicates, defaults) and the mask that means "keep this password"."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import json

import pytest

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, bulk
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import MASK
from ansible_collections.voiceops.cucm.plugins.module_utils.resources import phone_service as ps
from ansible_collections.voiceops.cucm.plugins.module_utils.resources import phone_service_subscription as pss

IPPA = {"name": "IPPA", "url": "http://uccx/login.jsp?dev=#DEVICENAME#", "secure_url": "", "category": "XML Service",
        "enterprise_subscription": False, "_uuid": "{42A823C7-C432-4D04-B57B-8C5B90F762B0}",
        "_pkid": "42a823c7-c432-4d04-b57b-8c5b90f762b0",
        "parameters": [{"name": "username", "required": True, "password": False, "default": ""},
                       {"name": "password", "required": True, "password": True, "default": ""},
                       {"name": "extension", "required": True, "password": False, "default": ""}]}


def ippa():
    res = pss.Subscription()
    res.use(IPPA)
    return res


class SqlClient(object):
    """Answers paged SELECTs: every named device exists with one subscription (and three values)."""

    def __init__(self):
        self.reads = []

    def iter_sql_paged(self, statement, page_size):
        self.reads.append((statement, page_size))
        names = statement.split(" in (", 1)[1].split(")", 1)[0].split(", ")
        for n, quoted in enumerate(names):
            name = quoted.strip("'")
            pkid = "00000000-0000-4000-8000-%012x" % n
            if statement.startswith("select d.name device"):
                yield {"device": name, "tkclass": "1", "pkid": pkid, "servicepkid": IPPA["_pkid"], "service": "IPPA",
                       "servicename": "IPPA", "urlbuttonindex": "0", "urllabel": "", "serviceurl": "",
                       "secureserviceurl": ""}
            else:
                for parameter in ("username", "password", "extension"):
                    yield {"subscription": pkid, "name": parameter, "value": name}


@pytest.mark.parametrize("devices, requests", [(1, 2), (500, 2), (501, 4), (1000, 4), (1201, 6)])
def test_reads_cost_two_requests_per_500_devices(devices, requests):
    client = SqlClient()
    names = ["SEP%012X" % i for i in range(devices)]
    found = ps.devices_subscriptions(client, names, [IPPA["_pkid"]])
    assert len(client.reads) == requests
    assert sorted(found) == sorted(names)
    assert all(len(info["rows"]) == 1 and len(info["rows"][0]["pairs"]) == 3 for info in found.values())
    # each read is paged, with pages sized from the bytes a row takes (AXL's 8 MB limit)
    sizes = set(size for _s, size in client.reads)
    assert sizes == {axl.page_rows(ps.SUBSCRIPTION_ROW_BYTES), axl.page_rows(ps.VALUE_ROW_BYTES)}
    assert all(s.endswith(" order by d.name, ss.pkid") or s.endswith(" order by sp.pkid") for s, _z in client.reads)


def test_no_value_read_when_no_declared_service():
    client = SqlClient()
    ps.devices_subscriptions(client, ["SEP1", "SEP2"], [])
    assert len(client.reads) == 1


def item(service="IPPA", name="IPPA", index=0, label="", uuid=""):
    return {"uuid": "", "service": service, "service_uuid": uuid, "name": name, "url": "http://stale", "index": index,
            "label": label, "ascii": name}


def test_the_list_written_is_the_list_read_just_now_with_this_runs_changes():
    res = ippa()
    other = item("Directory", "Directory", 2)
    mine = item(index=3)
    read_now = [other, mine, item(index=0, name="Agent")]
    group = [pss.Plan(("SEP1", "phone", "IPPA", 3), res, "deleted", rows=[{"servicepkid": IPPA["_pkid"]}]),
             pss.Plan(("SEP1", "phone", "IPPA", 0), res, "updated", changes={"url_label": "Login"},
                      current={"name": "Agent"}),
             pss.Plan(("SEP1", "phone", "IPPA", 5), res, "created",
                      changes={"name": "IPPA", "url_button_index": 5, "service": "IPPA"})]
    out = pss.SubscriptionSet._target_list(read_now, group)
    assert [(s["service"], s["name"], s["index"], s["label"]) for s in out] == [
        ("Directory", "Directory", 2, ""), ("IPPA", "Agent", 0, "Login"), ("IPPA", "IPPA", 5, None)]
    # an item another job added meanwhile stays; a creation already made (a lost answer) is not made twice
    assert len(pss.SubscriptionSet._target_list(out, group[2:])) == 3
    # a subscription told apart by the service's uuid when CUCM gives one
    renamed = [item(service="IPPA (old name)", uuid=IPPA["_uuid"], index=0, name="Agent")]
    assert pss.SubscriptionSet._target_list(renamed, group[1:2])[0]["label"] == "Login"
    with pytest.raises(CucmError, match="now has 0 such subscriptions"):
        pss.SubscriptionSet._target_list([other], group[1:2])


def test_a_masked_password_means_keep_it():
    res = ippa()
    secrets, problems, params = res.resolve({"url_button_index": 0, "service": "IPPA", "parameters": {
        "username": "a1", "password": MASK, "extension": "1"}})
    assert problems == [] and params["parameters"] == {"username": "a1", "extension": "1"}
    secrets, problems, params = res.resolve({"url_button_index": 0, "service": "IPPA", "parameters": {
        "username": "a1", "pasword": "Typo-1", "password": "Pw-1"}})
    assert sorted(secrets) == ["Pw-1", "Typo-1"] and "has no parameter 'pasword'" in problems[0]


def test_items_are_checked_with_the_single_modules_spec(tmp_path):
    naming = pss.Naming()
    items = [{"device": "SEP1", "service": "IPPA", "parameters": {"extension": "1"}},
             {"device": "SEP2", "service": "IPPA", "device_type": "device_profile", "url_button_index": "2"},
             {"device": "sep1", "service": "IPPA"}]
    with pytest.raises(CucmError) as failed:
        bulk.validate_items(pss.Subscription(), items, "14.0", True, naming=naming, spec=pss.item_spec())
    assert "subscriptions[2] (sep1: IPPA): declared more than once (as 'SEP1: IPPA' and 'sep1: IPPA'" in str(failed.value)
    out = bulk.validate_items(pss.Subscription(), items[:2], "14.0", True, naming=naming, spec=pss.item_spec())
    # the defaults of the spec, the type it asks for; update_secrets left to the module
    assert out[0] == {"device": "SEP1", "service": "IPPA", "parameters": {"extension": "1"}, "device_type": "phone",
                      "url_button_index": 0}
    assert out[1]["url_button_index"] == 2 and "update_secrets" not in out[1]
    # on_invalid=skip leaves out what it can name; an item whose device is not text cannot be named: it fails
    with pytest.raises(CucmError, match=r"subscriptions\[0\] \(1001\): device: got the number 1001"):
        bulk.validate_items(pss.Subscription(), [{"device": 1001, "service": "IPPA"}, items[0]], "14.0", True,
                            invalid={}, naming=naming, spec=pss.item_spec())
    invalid = {}
    bulk.validate_items(pss.Subscription(), [{"device": "SEP3", "service": "IPPA", "name": 7}], "14.0", True,
                        invalid=invalid, naming=naming, spec=pss.item_spec())
    assert list(invalid) == [("SEP3", "IPPA", 0)] and "got the number 7" in invalid[("SEP3", "IPPA", 0)][0]


def test_files_keep_numbers_as_written(tmp_path):
    res = pss.Subscription()
    (tmp_path / "s.yml").write_text("- {device: SEP1, service: IPPA, parameters: {extension: 0042, username: 1e3}}\n")
    (tmp_path / "s.json").write_text(json.dumps({"subscriptions": [{"device": "SEP1", "service": "IPPA"}]})
                                     .replace('"IPPA"}', '"IPPA", "parameters": {"extension": 0.50}}'))
    with open(str(tmp_path / "s.csv"), "w") as handle:
        out = csv.writer(handle)
        out.writerow(["device", "device_type", "service", "url_button_index", "parameters.extension", "name"])
        out.writerow(["UDP_a", "device_profile", "IPPA", "3", "0042", ""])
    columns = ("device_type", "update_secrets")
    assert bulk.load_file(str(tmp_path / "s.yml"), res, "subscriptions", columns)[0]["parameters"] == {
        "extension": "0042", "username": "1e3"}
    assert bulk.load_file(str(tmp_path / "s.json"), res, "subscriptions", columns)[0]["parameters"] == {"extension": "0.50"}
    assert bulk.load_file(str(tmp_path / "s.csv"), res, "subscriptions", columns) == [{
        "device": "UDP_a", "device_type": "device_profile", "service": "IPPA", "url_button_index": 3,
        "parameters": {"extension": "0042"}}]
    with open(str(tmp_path / "bad.csv"), "w") as handle:
        handle.write("device,service,parameter.extension\nSEP1,IPPA,1\n")
    with pytest.raises(CucmError, match="subscriptions_file: .* unknown column 'parameter.extension'.*parameters.<name>"):
        bulk.load_file(str(tmp_path / "bad.csv"), res, "subscriptions", columns)
    with pytest.raises(CucmError, match="must hold a list of subscriptions"):
        (tmp_path / "users.json").write_text(json.dumps({"users": []}))
        bulk.load_file(str(tmp_path / "users.json"), res, "subscriptions", columns)


def test_labels_and_declared_values():
    assert pss.label_of("SEP1", "IPPA", 0) == "SEP1: IPPA"
    assert pss.label_of("SEP1", "Directory", 2) == "SEP1: Directory (button 2)"
    assert sorted(pss.declared_values({"subscriptions": [
        {"device": "SEP1", "parameters": {"password": "p", "n": 5}}, "odd", {"device": "SEP2"}]})) == ["5", "odd", "p"]
    assert pss.declared_values({"subscriptions": None}) == []
