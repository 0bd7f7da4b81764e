"""``cucm-axl-sim``: start the CUCM AXL simulator."""

import argparse
import os
import signal
import sqlite3
import ssl
import sys
import tempfile
import threading
import time

from . import compat, ldap, server, store, tls, validate


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="cucm-axl-sim", description="A faithful Cisco CUCM AXL SOAP simulator.",
        epilog="Subcommand: 'cucm-axl-sim conformance' compares a lab cluster with the simulator probe by probe "
               "('cucm-axl-sim conformance -h'; docs/conformance.md).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8443, help="port (default 8443; 0 picks a free port)")
    p.add_argument("--axl-version", default="14.0", choices=sorted(server.ACCEPTED), help="CUCM release to behave as")
    p.add_argument("--no-tls", action="store_true", help="plain HTTP instead of HTTPS")
    p.add_argument("--cert", help="PEM certificate to serve (with --key) instead of a generated self-signed one")
    p.add_argument("--key", help="PEM private key of --cert")
    p.add_argument("--cert-dir", help="where the generated certificate is written (default: beside the database)")
    p.add_argument("--username", default="administrator", help="AXL application user (default administrator)")
    p.add_argument("--password", default="ciscopsdt", help="its password (default ciscopsdt)")
    p.add_argument("--db", help="SQLite database file (default: a temporary one); reused across restarts")
    p.add_argument("--seed-users", type=int, default=0, help="N deterministic end users with phones, profiles and lines")
    p.add_argument("--ldap-users", type=int, default=0, help="how many of the seeded users are LDAP-synchronised")
    p.add_argument("--resource-catalog", help="JSON role catalogue exported from a real cluster (see docs/simulator.md)")
    p.add_argument("--latency-ms", type=int, default=0, help="delay added to every AXL response")
    p.add_argument("--throttle-writes", type=float, default=0.0, help="fraction of write requests answered HTTP 503")
    p.add_argument("--throttle-body", choices=("html", "soap"), default="html", help="body of a 503 answer")
    p.add_argument("--drop-after-commit", type=int, default=0, help="commit the Nth write, then close the connection unanswered")
    p.add_argument("--session-idle-s", type=float, default=1800.0, help="idle time after which a session expires")
    p.add_argument("--max-response-bytes", type=int, default=8 * 1024 * 1024,
                   help="size limit of list/query responses (default 8 MB, AXL's limit)")
    p.add_argument("--random-seed", type=int, default=0, help="seed of the fault-injection random choices")
    p.add_argument("--write-barrier", type=int, default=0,
                   help="hold each client's first write until N clients have one waiting (concurrency tests)")
    p.add_argument("--too-large", choices=server.TOO_LARGE_MODES, default="fault",
                   help="an answer over --max-response-bytes: the 'Query request too large' fault (default), a "
                        "connection dropped mid-answer (drop, as CUCM 12.5 may), or the 'Maximum AXL Memory Allocation "
                        "Consumed' fault (memory)")
    p.add_argument("--change-queue-size", type=int, default=100000,
                   help="how many changes listChange's queue keeps; older ones are dropped (default 100000, as on CUCM)")
    p.add_argument("--change-page-size", type=int, default=1000,
                   help="most changes in one listChange answer (default 1000; CUCM's is unpublished)")
    p.add_argument("--compat", action="append", default=[], metavar="NAME=VALUE",
                   help="an unconfirmed behaviour of real CUCM (repeatable): %s" % "; ".join(
                       "%s=%s" % (name, "|".join(values)) for name, (values, _doc) in sorted(compat.SWITCHES.items())))
    p.add_argument("--ldap-fixture", metavar="PATH",
                   help="JSON file of the LDAP directories' users that doLdapSync applies (see docs/simulator.md)")
    p.add_argument("--ldap-sync-seconds", type=float, default=2.0, help="how long an LDAP sync runs (default 2)")
    p.add_argument("--request-log", help="append one JSON line per AXL request (time, operation, status, request, response)")
    p.add_argument("--validate-with", help="strict mode: validate requests against this AXL schema folder")
    args = p.parse_args(argv)
    if bool(args.cert) != bool(args.key):
        p.error("--cert and --key go together")
    if args.ldap_sync_seconds < 0:
        p.error("--ldap-sync-seconds must not be negative")
    try:
        server.check_faults(vars(args))
        args.compat = compat.parse(args.compat)
    except ValueError as exc:
        p.error(str(exc).replace("_", "-"))
    return args


def build(args):
    """Create the simulator and its HTTP server from parsed arguments (also used by tests)."""
    db = args.db
    if not db:
        db = os.path.join(tempfile.mkdtemp(prefix="cucm-axl-sim-"), "cucm.sqlite")
    db = os.path.abspath(db)
    os.makedirs(os.path.dirname(db), exist_ok=True)
    started = time.monotonic()
    data = store.Store(db, app_user=args.username, app_password=args.password, seed_users=args.seed_users,
                       ldap_users=args.ldap_users, resource_catalog=args.resource_catalog,
                       change_queue_size=args.change_queue_size)
    seeded_in = time.monotonic() - started
    config = server.Config(
        host=args.host, port=args.port, axl_version=args.axl_version, tls=not args.no_tls, username=args.username,
        password=args.password, db=db, seed_users=args.seed_users, ldap_users=args.ldap_users,
        request_log=args.request_log, validate_with=args.validate_with, latency_ms=args.latency_ms,
        throttle_writes=args.throttle_writes, throttle_body=args.throttle_body, drop_after_commit=args.drop_after_commit,
        session_idle_s=args.session_idle_s, max_response_bytes=args.max_response_bytes, random_seed=args.random_seed,
        write_barrier=args.write_barrier, too_large=args.too_large, compat=args.compat,
        change_queue_size=args.change_queue_size, change_page_size=args.change_page_size)
    validator = validate.load(args.validate_with) if args.validate_with else None
    context = None
    if config.tls:
        cert, key = args.cert, args.key
        if not cert:
            cert, key = tls.ensure_certificate(args.cert_dir or os.path.dirname(db), args.host)
        config.cert, config.key = cert, key
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
    sim = server.Simulator(config, data, validator)
    ldap.configure(sim, fixture=args.ldap_fixture, seconds=args.ldap_sync_seconds)
    httpd = server.HTTPServer((args.host, args.port), sim, context)
    config.port = httpd.server_address[1]
    sim.seeded_in = seeded_in if data.created else 0.0
    return sim, httpd


def ready_line(sim):
    scheme = "https" if sim.config.tls else "http"
    host = f"[{sim.config.host}]" if ":" in sim.config.host else sim.config.host
    return f"AXL simulator ready: {scheme}://{host}:{sim.config.port}/axl/ (AXL {sim.config.axl_version})"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["conformance"]:
        from .conformance import kit
        return kit.main(argv[1:])
    args = parse_args(argv)
    try:
        sim, httpd = build(args)
    except (OSError, sqlite3.Error, ValueError) as exc:
        # a taken port, an unwritable or foreign --db, a bad --cert or --resource-catalog
        print(f"cucm-axl-sim: {exc}", file=sys.stderr)
        return 1

    def stop(_signum, _frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if sim.seeded_in:
        print(f"cucm-axl-sim: seeded {args.seed_users} users in {sim.seeded_in:.1f} s; database {sim.config.db}",
              file=sys.stderr, flush=True)
    if sim.config.tls:
        print(f"cucm-axl-sim: certificate {sim.config.cert}", file=sys.stderr, flush=True)
    print(ready_line(sim), flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
        sim.store.close()
        if sim.log_file:
            sim.log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
