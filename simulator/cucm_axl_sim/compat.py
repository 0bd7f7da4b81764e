"""Behaviours of real CUCM that no public evidence settles: one switch each.

``cucm-axl-sim --compat NAME=VALUE`` (repeatable) or ``POST /__sim__/faults {"compat": {NAME: VALUE}}``
chooses one.  The default of each is what the evidence points to or, where the evidence is silent or
conflicting, the behaviour most damaging to a client that assumes otherwise; the collection's modules
must be correct under every value.  ``docs/simulator.md`` lists the evidence behind each switch, and
the conformance kit (``cucm-axl-sim conformance``) compares a lab cluster with the simulator on them.
"""

# name: (values, the first being the default; what the default means and where it comes from)
SWITCHES = {
    "service-uuid": (
        ("absent", "present"),
        "getPhone/getDeviceProfile return <service> subscriptions without a uuid attribute (the only real "
        "capture, CUCM 10.5, has none; the XSD allows one): present adds it"),
    "ldap-directory-name": (
        ("local", "empty"),
        "getUser of a local (not LDAP-synchronised) user returns ldapDirectoryName 'Local' with a uuid (a real "
        "12.5 capture); empty: an empty element (another real capture)"),
    "resave-url": (
        ("parse", "ignore"),
        "updatePhone/updateDeviceProfile parse a subscription's re-sent url into its parameter values (unconfirmed; "
        "the most damaging choice: a stale URL sent back overwrites newer values); ignore: the url is not read"),
    "plus-escape": (
        ("escaped", "verbatim"),
        "directory numbers beginning with + are stored and returned with an escaped plus (\\+14085554019), as real "
        "captures show: a line's dirn is stored escaped whether or not the request escaped it, and a request that only "
        "names an existing DN (primaryExtension, lineIdentifier) must use the stored form (+1408... does not find "
        "\\+1408...); verbatim: stored and matched as sent"),
    "parameter-order": (
        ("reverse", "creation"),
        "getIpPhoneServices returns a service's parameters newest first (CUCM has no order column, so the order is "
        "unconfirmed; reverse breaks a client that expects the declared order); creation: in the order they were "
        "created"),
    "char-padding": (
        ("pad", "trim"),
        "executeSQLQuery blank-pads a column whose every UNION branch is a string literal to the widest literal, as "
        "Informix types such a column CHAR(n) (unconfirmed through AXL); trim: values as written"),
    "fk-name-case": (
        ("insensitive", "exact"),
        "names that reference other objects (presenceGroupName, devicePoolName, ...) match whatever their case, as "
        "Cisco's own DevNet samples rely on ('Standard Presence Group' for 'Standard Presence group'); exact: "
        "case-sensitive"),
    "ldap-sync-status": (
        ("text", "boolean"),
        "getLdapSyncStatus answers a status text (\"Sync is currently under process\", \"Sync is performed "
        "successfully\"), as public AXL clients expect it to (their code compares with these texts); boolean: "
        "\"true\" while a sync runs, else \"false\", as the XSD's documentation says"),
    "change-first-call": (
        ("empty", "all"),
        "a listChange without startChangeId answers the queue's ids and no change (a public capture of a real "
        "cluster shows this); all: it also returns every change in the cache, as the guide's prose says"),
    "change-expired": (
        ("fault", "silent"),
        "a startChangeId older than the queue's first change (the cache dropped it) gets a fault, as the guide "
        "says (its code and text are unconfirmed); silent: the answer starts at the oldest change still cached, "
        "and only firstChangeId shows that changes were lost"),
}


def defaults():
    return dict((name, values[0]) for name, (values, _doc) in SWITCHES.items())


def check(settings):
    """Refuse unknown switches and values (CLI and admin API); return the settings as a dict."""
    if not isinstance(settings, dict):
        raise ValueError("compat: expected an object of NAME: VALUE")
    for name, value in settings.items():
        if name not in SWITCHES:
            raise ValueError(f"compat: unknown switch {name!r} (known: {', '.join(sorted(SWITCHES))})")
        if value not in SWITCHES[name][0]:
            raise ValueError(f"compat {name}: {value!r} is not one of {', '.join(SWITCHES[name][0])}")
    return dict(settings)


def parse(items):
    """``["NAME=VALUE", ...]`` from the command line: the full settings (defaults for the others)."""
    settings = defaults()
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"compat: {item!r} is not NAME=VALUE")
        settings.update(check({name.strip(): value.strip()}))
    return settings
