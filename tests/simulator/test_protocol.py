"""AXL transport as CUCM speaks it: endpoint, authentication, sessions, versions, fault shape.

Sources are in ../shared/research/axl.md section 8 (AXL Developer Guide, FAQ, community threads);
choices where Cisco is silent are listed in docs/simulator.md ("Modelled behaviours and their sources").
"""

import time

import pytest
from lxml import etree

from conftest import SOAP_ENV, axl_error, body_of, zeep_service
from cucm_axl_sim import server
from rawhttp import Conn, basic

AXL_NS = "http://www.cisco.com/AXL/API/"
SIM_FLAGS = ("--seed-users", "20", "--ldap-users", "2")   # the versioned_sim configuration


def served_as(sim_factory, version):
    """The conftest ``versioned_sim`` simulator of ``version`` (shared), reset."""
    s = sim_factory(f"v{version}", "--axl-version", version, *SIM_FLAGS)
    s.reset()
    return s


def version_of(response):
    return etree.QName(body_of(response)).namespace[len(AXL_NS):]


# ------------------------------------------------------------------------------------ endpoint
@pytest.mark.parametrize("path", ["/axl/", "/axl"])
def test_post_axl_with_and_without_trailing_slash(sim, path):
    resp = sim.session().post(sim.base + path, data=sim.envelope("getCCMVersion", ""), auth=("administrator", "ciscopsdt"),
                              headers={"Content-Type": "text/xml", "SOAPAction": '"CUCM:DB ver=14.0 getCCMVersion"'})
    assert resp.status_code == 200
    assert body_of(resp).tag == f"{{{AXL_NS}14.0}}getCCMVersionResponse"
    assert body_of(resp).findtext("return/componentVersion/version").startswith("14.0.")


def test_other_paths_are_not_found(sim):
    for path in ("/axl/services", "/", "/axlx"):
        resp = sim.session().post(sim.base + path, data=sim.envelope("getCCMVersion", ""),
                                  auth=("administrator", "ciscopsdt"), headers={"Content-Type": "text/xml"})
        assert resp.status_code == 404


def test_get_axl_shows_the_service_page(sim):
    http = sim.session()
    page = http.get(sim.url, auth=("administrator", "ciscopsdt"))
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "AXL Web Service" in page.text
    assert sim.session().get(sim.url).status_code == 401          # a fresh client, no cookie


def test_server_header_and_soap_content_type(sim):
    resp = sim.post("getCCMVersion")
    assert resp.headers["Content-Type"].startswith("text/xml")
    assert resp.headers["Server"] == "Apache-Coyote/1.1"
    root = etree.fromstring(resp.content)
    assert root.tag == f"{{{SOAP_ENV}}}Envelope"          # SOAP 1.1 envelope namespace


# ------------------------------------------------------------------------------------ authentication
@pytest.mark.parametrize("auth", [("administrator", "wrong"), ("nobody", "ciscopsdt"), None])
def test_bad_or_missing_credentials_get_401(sim, auth):
    before = sim.stats()["unauthorized"]
    resp = sim.post("getCCMVersion", auth=auth)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].lower().startswith("basic")
    assert sim.stats()["unauthorized"] == before + 1
    assert sim.stats()["by_operation"].get("getCCMVersion", 0) == 0   # never reached AXL


@pytest.mark.parametrize("header", ["Basic !!!not-base64", "Bearer abc", "Basic " + "w4g=", "Basic"])
def test_garbled_authorization_header_is_401_not_a_server_error(sim, header):
    with Conn(sim) as c:
        status, headers, _body = c.soap("getCCMVersion", auth=header)
        assert status == 401
        status = c.soap("getCCMVersion")[0]          # the connection is still usable
        assert status == 200


def test_custom_credentials(sim_factory):
    s = sim_factory("creds", "--no-tls", "--username", "axladmin", "--password", "S3cret!pw")
    assert s.post("getCCMVersion", auth=("axladmin", "S3cret!pw")).status_code == 200
    assert s.post("getCCMVersion", auth=("administrator", "ciscopsdt")).status_code == 401


# ------------------------------------------------------------------------------------ sessions
def test_session_cookie_is_issued_and_honoured_without_authorization(sim):
    first = sim.post("getCCMVersion")
    assert first.status_code == 200
    set_cookie = first.headers["Set-Cookie"]
    assert set_cookie.startswith("JSESSIONIDSSO=")
    assert "Path=/" in set_cookie and "HttpOnly" in set_cookie and "Secure" in set_cookie
    token = first.cookies["JSESSIONIDSSO"]

    second = sim.post("getCCMVersion", auth=None, headers={"Cookie": f"JSESSIONIDSSO={token}"})
    assert second.status_code == 200
    assert "Set-Cookie" not in second.headers              # the session goes on, no new cookie
    stats = sim.stats()
    assert (stats["auth_basic"], stats["auth_cookie"]) == (1, 1)


def test_basic_with_a_live_cookie_keeps_the_session(sim):
    token = sim.post("getCCMVersion").cookies["JSESSIONIDSSO"]
    again = sim.post("getCCMVersion", headers={"Cookie": f"JSESSIONIDSSO={token}"})
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
    assert sim.stats()["auth_basic"] == 2


def test_unknown_cookie_without_authorization_is_404(sim):
    resp = sim.post("getCCMVersion", auth=None, headers={"Cookie": "JSESSIONIDSSO=0123456789ABCDEF"})
    assert resp.status_code == 404


def test_idle_session_expires_with_404_then_basic_works_again(sim):
    token = sim.post("getCCMVersion").cookies["JSESSIONIDSSO"]
    assert sim.post("getCCMVersion", auth=None, headers={"Cookie": f"JSESSIONIDSSO={token}"}).status_code == 200
    sim.faults(session_idle_s=0.2)          # applies to live sessions at their next use
    time.sleep(0.4)
    expired = sim.post("getCCMVersion", auth=None, headers={"Cookie": f"JSESSIONIDSSO={token}"})
    assert expired.status_code == 404
    # the expired session is gone for good, even once the idle limit is raised again
    sim.faults(session_idle_s=1800)
    assert sim.post("getCCMVersion", auth=None, headers={"Cookie": f"JSESSIONIDSSO={token}"}).status_code == 404
    fresh = sim.post("getCCMVersion", headers={"Cookie": f"JSESSIONIDSSO={token}"})
    assert fresh.status_code == 200
    new_token = fresh.cookies["JSESSIONIDSSO"]
    assert new_token != token
    assert sim.post("getCCMVersion", auth=None, headers={"Cookie": f"JSESSIONIDSSO={new_token}"}).status_code == 200


def test_activity_keeps_a_session_alive(sim):
    sim.faults(session_idle_s=1.0)
    token = sim.post("getCCMVersion").cookies["JSESSIONIDSSO"]
    for _attempt in range(3):               # 3 x 0.4 s > 1 s in total, but never 1 s idle
        time.sleep(0.4)
        assert sim.post("getCCMVersion", auth=None, headers={"Cookie": f"JSESSIONIDSSO={token}"}).status_code == 200


def test_requests_session_reuses_the_cookie(sim):
    """A client that keeps the cookie jar and drops Authorization after the first call (what
    research/perf-reliability.md section 1.5 recommends) authenticates once."""
    http = sim.session()
    first = sim.post("getCCMVersion", session=http)
    assert first.status_code == 200 and "JSESSIONIDSSO" in http.cookies
    for _attempt in range(3):
        assert sim.post("getCCMVersion", session=http, auth=None).status_code == 200
    stats = sim.stats()
    assert (stats["auth_basic"], stats["auth_cookie"]) == (1, 3)


# ------------------------------------------------------------------------------------ versions
def test_response_namespace_and_build_follow_the_version(versioned_sim):
    version = versioned_sim.version
    resp = versioned_sim.post("getCCMVersion")
    assert resp.status_code == 200
    assert version_of(resp) == version
    assert body_of(resp).findtext("return/componentVersion/version").startswith(version + ".")


def test_soapaction_is_optional_the_namespace_decides(sim):
    resp = sim.post("getCCMVersion", headers={"SOAPAction": None})
    assert resp.status_code == 200 and version_of(resp) == "14.0"


def test_cucm15_rejects_11_5_with_http_599(sim_factory):
    """Was: a text/plain body listing every version ("Supported axl versions: 15.0, 14.0, 12.5, 12.0"), which no
    real cluster sends; real CUCM answers with Tomcat's HTML error page and groups a major's versions as "12.x"
    (captured by a third-party client's fixtures; fidelity audit 2.6)."""
    s = served_as(sim_factory, "15.0")
    resp = s.post("getCCMVersion", version="11.5")
    assert resp.status_code == 599
    assert resp.reason == "Incorrect axl version"
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "HTTP Status 599 - Incorrect axl version. Supported axl versions are 12.x, 14.0 and 15.0" in resp.text
    assert s.post("getCCMVersion", version="12.5").status_code == 200


@pytest.mark.parametrize("release, words", [("15.0", "12.x, 14.0 and 15.0"), ("14.0", "11.x, 12.x and 14.0"),
                                            ("12.5", "10.x, 11.x and 12.x"), ("11.5", "8.5, 9.x, 10.x and 11.x")])
def test_599_page_words_each_release_list(release, words):
    from cucm_axl_sim import server
    assert server.supported_list(release) == words
    assert f"Supported axl versions are {words}</h1>".encode() in server.version_page(release)


def test_cucm14_accepts_11_5_and_answers_in_11_5(sim):
    resp = sim.post("getCCMVersion", version="11.5")
    assert resp.status_code == 200
    assert version_of(resp) == "11.5"


def test_soapaction_version_is_checked_too(sim_factory):
    """The SOAPAction names the version when present (DG: both must agree); 11.5 there is
    refused by CUCM 15 even with a 15.0 body."""
    s = served_as(sim_factory, "15.0")
    resp = s.post("getCCMVersion", version="15.0", headers={"SOAPAction": '"CUCM:DB ver=11.5 getCCMVersion"'})
    assert resp.status_code == 599


@pytest.mark.parametrize("version", ["9.1", "10.0", "99.0", "13.0"])
def test_versions_outside_the_accepted_list_get_599(sim, version):
    assert sim.post("getCCMVersion", version=version).status_code == 599


@pytest.mark.parametrize("served,oldest", [("14.0", "11.0"), ("15.0", "12.0")])
def test_namespace_1_0_gets_the_oldest_accepted_schema(sim_factory, served, oldest):
    """DG: "1.0 -> 11.0" on CUCM 14, "1.0 -> 12.0" on CUCM 15."""
    s = served_as(sim_factory, served)
    resp = s.post("getCCMVersion", version="1.0", headers={"SOAPAction": None})
    assert resp.status_code == 200
    assert version_of(resp) == oldest


def test_accepted_unmodelled_version_is_answered_in_its_own_namespace(sim):
    resp = sim.post("getCCMVersion", version="12.0")
    assert resp.status_code == 200 and version_of(resp) == "12.0"


@pytest.mark.parametrize("requested,shape", [("15.0", "15.0"), ("14.0", "14.0"), ("12.5", "12.5"), ("12.0", "11.5"),
                                             ("11.0", "11.5"), ("10.5", "11.5"), ("8.5", "11.5"), ("11.5", "11.5")])
def test_shape_version_maps_to_the_closest_older_modelled_schema(requested, shape):
    assert server.shape_version(requested) == shape


def test_accepted_versions_follow_the_developer_guide():
    assert server.ACCEPTED["15.0"] == ("15.0", "14.0", "12.5", "12.0")
    assert "11.5" in server.ACCEPTED["14.0"] and "11.5" not in server.ACCEPTED["15.0"]


def test_11_5_shapes_for_a_versioned_operation(sim):
    """getUser differs between 11.5 and later (research/axl.md 3.7): an 11.5 request to CUCM 14
    gets 11.5's shape.  Runs once the users family is registered."""
    if "getUser" not in sim.sim.operations:
        pytest.skip("getUser is not registered yet (ops/users.py)")
    resp = sim.post("getUser", "<userid>user00001</userid>", version="11.5")
    assert resp.status_code == 200 and version_of(resp) == "11.5"
    # conftest validates this response against 11.5's AXLSoap.xsd at the end of the session


def test_wrong_namespace_is_a_client_fault(sim):
    body = (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:ns="urn:example:not-axl"><soapenv:Body>'
            "<ns:getCCMVersion/></soapenv:Body></soapenv:Envelope>").encode()
    resp = sim.post("getCCMVersion", body=body)
    assert resp.status_code == 500
    assert axl_error(resp)["faultcode"] == "soapenv:Client"


# ------------------------------------------------------------------------------------ faults
def test_fault_has_cisco_shape(sim):
    resp = sim.post("executeSQLQuery", "<sql>select nosuchcolumn from enduser</sql>")
    assert resp.status_code == 500
    assert resp.headers["Content-Type"].startswith("text/xml")
    fault = body_of(resp)
    assert fault.tag == f"{{{SOAP_ENV}}}Fault"
    assert [c.tag for c in fault] == ["faultcode", "faultstring", "detail"]
    err = fault.find("detail/axlError")
    assert [c.tag for c in err] == ["axlcode", "axlmessage", "request"]
    assert err.findtext("axlcode") == "-217"
    assert err.findtext("axlmessage") == fault.findtext("faultstring")
    assert err.findtext("request") == "executeSQLQuery"
    assert fault.findtext("faultcode") == "soapenv:Server"
    assert sim.stats()["faults"] == 1


def test_zeep_with_ciscos_wsdl_reads_answers_and_faults(sim):
    import zeep.exceptions
    service = zeep_service(sim)
    assert service.getCCMVersion()["return"]["componentVersion"]["version"].startswith("14.0")
    rows = service.executeSQLQuery(sql="select first 2 userid from enduser order by userid")["return"]["row"]
    assert [{c.tag: c.text for c in row} for row in rows] == [{"userid": "user00001"}, {"userid": "user00002"}]
    assert service.executeSQLQuery(sql="select userid from enduser where userid = 'nobody'")["return"] is None
    with pytest.raises(zeep.exceptions.Fault) as info:
        service.executeSQLQuery(sql="select * from nosuchtable")
    assert info.value.detail.find(".//axlcode").text == "-206"


# ------------------------------------------------------------------------------------ connections
def test_keep_alive_reuses_one_connection(sim):
    http = sim.session()
    for _attempt in range(10):
        assert sim.post("getCCMVersion", session=http).status_code == 200
    stats = sim.stats()
    assert stats["connections"] == 1
    assert stats["requests"] == 10


def test_connection_survives_faults_and_refusals(sim):
    """Error answers that read the whole request keep the connection open (as Tomcat does)."""
    with Conn(sim) as c:
        assert c.soap("getCCMVersion")[0] == 200
        c.request(body=b"<not-xml", headers={"SOAPAction": '"CUCM:DB ver=14.0 getCCMVersion"'})
        assert c.response()[0] == 500
        c.request(body=b"{}", headers={"Content-Type": "application/json"})
        assert c.response()[0] == 415
        assert c.soap("getCCMVersion", auth=basic("administrator", "nope"))[0] == 401
        assert c.soap("getCCMVersion", version="9.1")[0] == 599
        assert c.soap("getCCMVersion")[0] == 200
    assert sim.stats()["connections"] == 1


def test_http_1_0_client_is_answered_and_closed(sim):
    with Conn(sim) as c:
        body = sim.envelope("getCCMVersion", "").encode()
        c.send_raw(b"POST /axl/ HTTP/1.0\r\nContent-Type: text/xml\r\nAuthorization: " + basic().encode()
                   + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        status, _headers, payload = c.response()
        assert status == 200 and b"getCCMVersionResponse" in payload
        assert c.closed_by_server()


def test_expect_100_continue(sim):
    body = sim.envelope("getCCMVersion", "").encode()
    with Conn(sim) as c:
        c.request(body=None, content_length=False,
                  headers={"Content-Length": str(len(body)), "Expect": "100-continue"})
        status = c.response()[0]
        assert status == 100
        c.send_raw(body)
        status, _headers, payload = c.response()
        assert status == 200 and b"getCCMVersionResponse" in payload


def test_stats_count_operations(sim):
    sim.post("getCCMVersion")
    sim.post("executeSQLQuery", "<sql>select count(*) from enduser</sql>")
    sim.post("executeSQLUpdate", "<sql>update enduser set department = 'X' where userid = 'user00001'</sql>")
    stats = sim.stats()
    assert stats["requests"] == 3
    assert stats["writes"] == 1
    assert stats["by_operation"] == {"getCCMVersion": 1, "executeSQLQuery": 1, "executeSQLUpdate": 1}
