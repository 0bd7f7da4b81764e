"""Bad input never gets a traceback or a hung connection: it gets the fault or HTTP status CUCM
would give.  Every socket here has a timeout, so a regression fails instead of hanging.

An autouse fixture checks that the server printed no traceback while a test ran (the in-process
server's stderr is captured by pytest).
"""

import socket
import ssl
import threading
import time

import pytest
from lxml import etree

from conftest import SOAP_ENV, axl_error, body_of
from cucm_axl_sim import server
from rawhttp import Conn, basic, envelope


@pytest.fixture(autouse=True)
def no_server_traceback(capfd):
    yield
    err = capfd.readouterr().err
    assert "Traceback" not in err, err
    assert "Exception occurred during processing" not in err, err


@pytest.fixture
def plain(sim_factory):
    """A plain-HTTP simulator (raw bytes reach the HTTP parser directly), reset."""
    s = sim_factory("plain", "--no-tls", "--seed-users", "5")
    s.reset()
    return s


def fault_of(payload):
    fault = etree.fromstring(payload).find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None, payload
    return fault.findtext("faultcode"), fault.findtext("faultstring")


def assert_still_serving(sim):
    with Conn(sim) as c:
        assert c.soap("getCCMVersion")[0] == 200


# ------------------------------------------------------------------------------------ bad SOAP
@pytest.mark.parametrize("body", [
    b"<soapenv:Envelope",                                     # truncated
    b"<a><b></a>",                                            # mismatched tags
    b"\xff\xfe\x00garbage",                                   # not text
    "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>"
    "<ns:getCCMVersion xmlns:ns='http://www.cisco.com/AXL/API/14.0'>\u00e9</ns:getCCMVersion>".encode("latin-1"),
])
def test_malformed_xml_is_a_client_fault(sim, body):
    with Conn(sim) as c:
        c.request(body=body, headers={"SOAPAction": '"CUCM:DB ver=14.0 getCCMVersion"'})
        status, headers, payload = c.response()
        assert status == 500
        assert headers["content-type"].startswith("text/xml")
        code, text = fault_of(payload)
        assert code == "soapenv:Client"
        assert text.startswith("Unmarshalling Error")
        assert c.soap("getCCMVersion")[0] == 200          # same connection, still usable


@pytest.mark.parametrize("content_type", ["application/soap+xml; charset=utf-8", "application/json", "text/plain", None])
def test_wrong_content_type_is_415(sim, content_type):
    with Conn(sim) as c:
        c.request(body=envelope("getCCMVersion"), headers={"Content-Type": content_type})
        status = c.response()[0]
        assert status == 415
        assert c.soap("getCCMVersion")[0] == 200


def test_soap_1_2_envelope_is_a_version_mismatch(sim):
    body = (b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>'
            b'<ns:getCCMVersion xmlns:ns="http://www.cisco.com/AXL/API/14.0"/></env:Body></env:Envelope>')
    resp = sim.post("getCCMVersion", body=body)
    assert resp.status_code == 500
    assert axl_error(resp)["faultcode"] == "soapenv:VersionMismatch"


@pytest.mark.parametrize("body", [
    b"<html><body>hello</body></html>",
    b'<getCCMVersion xmlns="http://www.cisco.com/AXL/API/14.0"/>',         # AXL element without an envelope
    b"<?xml version='1.0'?><root/>",
])
def test_non_soap_root_is_a_client_fault(sim, body):
    resp = sim.post("getCCMVersion", body=body)
    assert resp.status_code == 500
    err = axl_error(resp)
    assert err["faultcode"] == "soapenv:Client" and err["axlcode"] is None


@pytest.mark.parametrize("body", [b"", b"   ",
                                  f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body/></soapenv:Envelope>'.encode(),
                                  f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"/>'.encode()])
def test_empty_body_or_empty_soap_body_is_a_client_fault(sim, body):
    resp = sim.post("getCCMVersion", body=body)
    assert resp.status_code == 500
    assert axl_error(resp)["faultcode"] == "soapenv:Client"


def test_unknown_operation_is_an_axis2_fault(sim):
    """Was: soapenv:Client "No such operation: X", the simulator's own wording.  CUCM routes by SOAPAction in
    Axis2 and answers what it cannot route with Axis2's EPR fault (a captured answer; fidelity audit 2.7)."""
    resp = sim.post("doSomethingCiscoNeverShipped", "<name>x</name>")
    assert resp.status_code == 500
    err = axl_error(resp)
    assert err["faultcode"] == "axis2ns1:Client" and err["axlcode"] is None
    assert err["faultstring"] == ("The endpoint reference (EPR) for the Operation not found is %s/axl/services/"
                                  "AXLAPIService and the WSA Action = CUCM:DB ver=14.0 doSomethingCiscoNeverShipped"
                                  % sim.base)
    assert body_of(resp).find("detail") is not None and len(body_of(resp).find("detail")) == 0


def test_soapaction_naming_an_unknown_operation_is_an_axis2_fault(sim):
    resp = sim.post("getCCMVersion", headers={"SOAPAction": '"CUCM:DB ver=14.0 getCCMVersiona"'})
    assert resp.status_code == 500 and "WSA Action = CUCM:DB ver=14.0 getCCMVersiona" in resp.text
    no_action = sim.post("getFoo", headers={"SOAPAction": ""})
    assert no_action.status_code == 500 and "WSA Action = null" in no_action.text


def test_document_type_declarations_are_refused(sim):
    """SOAP 1.1 forbids a DTD; entity expansion (billion laughs) or external entities must not run."""
    laughs = ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
              + ']>' + sim.envelope("executeSQLQuery", "<sql>&i;</sql>")).encode()
    external = ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                + sim.envelope("executeSQLQuery", "<sql>&x;</sql>")).encode()
    for body in (laughs, external):
        started = time.monotonic()
        resp = sim.post("executeSQLQuery", body=body)
        assert resp.status_code == 500
        assert axl_error(resp)["faultcode"] == "soapenv:Client"
        assert "Document Type Declaration" in axl_error(resp)["faultstring"]
        assert "root:" not in resp.text
        assert time.monotonic() - started < 2


def test_internal_error_is_a_server_fault_not_a_traceback(sim, monkeypatch, capfd):
    """A bug in an operation handler answers as CUCM's server error (and logs on stderr)."""
    op = sim.sim.operations["getCCMVersion"]

    def broken(req):
        raise RuntimeError("simulated handler bug")

    monkeypatch.setitem(sim.sim.operations, "getCCMVersion", type(op)(op.name, broken, op.write, op.listing))
    resp = sim.post("getCCMVersion")
    assert resp.status_code == 500
    err = axl_error(resp)
    assert err["faultcode"] == "soapenv:Server" and err["axlcode"] == -1
    assert "Traceback" not in resp.text and "simulated handler bug" not in resp.text
    capfd.readouterr()   # the server's own stderr report of the bug is expected here


# ------------------------------------------------------------------------------------ framing
def test_chunked_request_body(sim):
    body = envelope("executeSQLQuery", "<sql>select count(*) from enduser</sql>")
    pieces = [body[i:i + 37] for i in range(0, len(body), 37)]
    chunked = b"".join(f"{len(p):x}".encode() + (b";ext=1" if n == 1 else b"") + b"\r\n" + p + b"\r\n"
                       for n, p in enumerate(pieces)) + b"0\r\nX-Trailer: yes\r\n\r\n"
    with Conn(sim) as c:
        c.request(body=chunked, headers={"Transfer-Encoding": "chunked",
                                         "SOAPAction": '"CUCM:DB ver=14.0 executeSQLQuery"'})
        status, _headers, payload = c.response()
        assert status == 200
        assert etree.fromstring(payload).findtext(".//row/count") == "20"
        assert c.soap("getCCMVersion")[0] == 200           # framing fully consumed: next request parses


@pytest.mark.parametrize("chunked", [b"zz\r\nabc\r\n0\r\n\r\n", b"-5\r\nabc\r\n0\r\n\r\n", b"\r\n"])
def test_broken_chunked_encoding_is_400(sim, chunked):
    with Conn(sim) as c:
        c.request(body=chunked, headers={"Transfer-Encoding": "chunked"})
        status, headers, _body = c.response()
        assert status == 400
        assert headers.get("connection") == "close"
        assert c.closed_by_server()


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "0x10"])
def test_invalid_content_length_is_400_without_waiting(sim, length):
    with Conn(sim, timeout=3) as c:
        c.request(body=envelope("getCCMVersion"), content_length=False, headers={"Content-Length": length})
        status = c.response()[0]
        assert status == 400
        assert c.closed_by_server()


def test_oversized_body_is_413_before_it_is_sent(sim):
    """The 8 MB request limit is judged on Content-Length: the server answers at once and
    closes, without reading (or waiting for) the body."""
    with Conn(sim) as c:
        c.request(body=None, content_length=False, headers={"Content-Length": str(server.MAX_BODY + 1)})
        status, headers, _body = c.response()
        assert status == 413
        assert headers.get("connection") == "close"
        assert c.closed_by_server()
    assert_still_serving(sim)


def test_oversized_chunked_body_is_413(sim):
    with Conn(sim) as c:
        c.request(body=f"{server.MAX_BODY + 1:x}\r\n".encode() + b"x" * 1024, headers={"Transfer-Encoding": "chunked"})
        status = c.response()[0]
        assert status == 413
        assert c.closed_by_server()


def test_body_shorter_than_content_length_is_400(plain):
    with Conn(plain) as c:
        c.request(body=None, content_length=False, headers={"Content-Length": "500"})
        c.send_raw(b"<soapenv:Envelope")
        c.sock.shutdown(socket.SHUT_WR)                    # the client gives up sending
        status = c.response()[0]
        assert status == 400


def test_stalled_body_times_out_and_does_not_block_others(sim, monkeypatch):
    monkeypatch.setattr(server.Handler, "timeout", 0.5)
    with Conn(sim, timeout=5) as stalled:
        stalled.request(body=None, content_length=False, headers={"Content-Length": "500"})
        stalled.send_raw(b"<soapenv:Envelope")
        assert_still_serving(sim)                          # another client is served meanwhile
        started = time.monotonic()
        assert stalled.closed_by_server()                  # after Handler.timeout, the server hangs up
        assert time.monotonic() - started < 4


def test_unread_body_of_a_refused_request_does_not_leak_into_the_next(sim):
    """A request answered without reading its body (404, 405) closes the connection, so the
    body's bytes are never parsed as a request."""
    smuggled = b"GET /__sim__/stats HTTP/1.1\r\nHost: x\r\n\r\n"
    with Conn(sim) as c:
        c.request("POST", "/not-axl", body=smuggled)
        status, headers, _body = c.response()
        assert status == 404
        assert headers.get("connection") == "close"
        assert c.closed_by_server()
    with Conn(sim) as c:
        c.request("PUT", "/axl/", body=smuggled)
        status, headers, _body = c.response()
        assert status == 405 and headers["allow"] == "GET, POST"
        assert c.closed_by_server()


# ------------------------------------------------------------------------------------ socket-level abuse
def test_tls_client_that_never_handshakes_is_dropped(sim, monkeypatch):
    monkeypatch.setattr(server.Handler, "handshake_timeout", 0.5)
    idle = socket.create_connection(("127.0.0.1", sim.config.port), timeout=5)
    try:
        assert_still_serving(sim)                          # the accept loop is not blocked by it
        started = time.monotonic()
        assert idle.recv(1) == b""                         # the server hung up on the silent client
        assert time.monotonic() - started < 4
    finally:
        idle.close()


def test_slow_tls_handshake_within_the_limit_succeeds(sim):
    raw = socket.create_connection(("127.0.0.1", sim.config.port), timeout=5)
    time.sleep(0.3)                                        # dawdle before the ClientHello
    context = ssl.create_default_context(cafile=sim.cert)
    with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        body = envelope("getCCMVersion")
        tls.sendall(b"POST /axl/ HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nAuthorization: " + basic().encode()
                    + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        assert tls.recv(12).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("garbage", [b"\x16\x03\x01\x00\x05hello" + b"\x00" * 64, b"GET / HTTP/1.1\r\n\r\n",
                                     bytes(range(256)) * 4])
def test_garbage_instead_of_a_tls_handshake(sim, garbage):
    with socket.create_connection(("127.0.0.1", sim.config.port), timeout=5) as raw:
        raw.sendall(garbage)
        try:
            data = raw.recv(4096)
            while data and not data.startswith(b"HTTP"):   # a TLS alert, then EOF
                data = raw.recv(4096)
        except ConnectionResetError:
            data = b""
        assert not data.startswith(b"HTTP/1.1 200")
    assert_still_serving(sim)


def test_plain_http_client_on_the_tls_port(sim):
    with socket.create_connection(("127.0.0.1", sim.config.port), timeout=5) as raw:
        body = envelope("getCCMVersion")
        raw.sendall(b"POST /axl/ HTTP/1.1\r\nHost: x\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        try:
            while raw.recv(4096):
                pass
        except ConnectionResetError:
            pass
    assert_still_serving(sim)


@pytest.mark.parametrize("garbage,status", [
    (b"\x00\xff\x13garbage\r\n\r\n", 400),
    (b"HELLO\r\n\r\n", 400),
    (b"POST /axl/ HTTP/9.9\r\n\r\n", 505),
    (b"BREW /axl/ HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
])
def test_garbage_on_a_plain_socket_gets_an_http_error(plain, garbage, status):
    with Conn(plain) as c:
        c.send_raw(garbage)
        got, _headers, body = c.response()
        assert got == status
        assert b"Traceback" not in body
    assert_still_serving(plain)


def test_client_disconnecting_mid_request_leaves_the_server_healthy(plain):
    for cut in (10, 60, 200):
        with socket.create_connection(("127.0.0.1", plain.config.port), timeout=5) as raw:
            body = envelope("getCCMVersion")
            message = (b"POST /axl/ HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nAuthorization: " + basic().encode()
                       + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            raw.sendall(message[:cut])
    with socket.create_connection(("127.0.0.1", plain.config.port), timeout=5) as raw:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")   # RST on close
        raw.sendall(b"POST /axl/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<a")
    assert_still_serving(plain)


def test_many_idle_connections_do_not_starve_the_server(plain):
    idle = [socket.create_connection(("127.0.0.1", plain.config.port), timeout=5) for _attempt in range(40)]
    try:
        assert_still_serving(plain)
    finally:
        for s in idle:
            s.close()


# ------------------------------------------------------------------------------------ concurrency
def test_parallel_mixed_requests_stay_correct(sim):
    """8 threads x 50 requests, alternating executeSQLUpdate inserts and reads, each thread on its
    own keep-alive connection: every inserted row exists exactly once, the counters are exact."""
    threads, per_thread = 8, 50
    errors = []

    def worker(t):
        http = sim.session()
        try:
            for i in range(per_thread):
                if i % 2 == 0:
                    resp = sim.post("executeSQLUpdate",
                                    f"<sql>insert into functionrole (name, description) values ('conc-{t}-{i}', 'thread {t}')</sql>",
                                    session=http)
                    ok = resp.status_code == 200 and body_of(resp).findtext("return/rowsUpdated") == "1"
                else:
                    resp = sim.post("executeSQLQuery", f"<sql>select count(*) from functionrole where description = 'thread {t}'</sql>",
                                    session=http)
                    # this thread's own inserts so far are all visible to its next read
                    ok = resp.status_code == 200 and body_of(resp).findtext("return/row/count") == str(i // 2 + 1)
                if not ok:
                    errors.append((t, i, resp.status_code, resp.text[:300]))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append((t, repr(exc)))

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join(timeout=60)
    assert not errors, errors[:5]
    rows = sim.sql("SELECT name, count(*) FROM functionrole WHERE name LIKE 'conc-%' GROUP BY name")
    assert len(rows) == threads * per_thread // 2
    assert all(n == 1 for _name, n in rows)
    stats = sim.stats()
    assert stats["requests"] == threads * per_thread
    assert stats["writes"] == threads * per_thread // 2
    assert stats["by_operation"] == {"executeSQLUpdate": 200, "executeSQLQuery": 200}
    assert stats["connections"] == threads
    assert stats["auth_basic"] == threads * per_thread and stats["faults"] == 0
