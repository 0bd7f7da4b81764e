"""Enterprise and service parameters a fresh simulated cluster holds (``processconfig`` rows).

Every row names where it comes from (``source``), as ``seed.py`` does:
- ``DD12.5``: the CUCM 12.5(1) Data Dictionary (tables, the Enterprise Node, rules naming parameters);
- ``FCG``: Cisco's Feature Configuration Guide (Self Care Portal chapter; Extension Mobility chapter);
- ``SAG``: Cisco's System Configuration / Administration Guides (User Management Parameters);
- ``SQL``: a public SQL script that reads ``processconfig`` by these internal names;
- ``guess``: Cisco does not publish it; a plausible stand-in (internal names, defaults, codes).

Values are stored as CUCM's dictionary says: a boolean as ``T``/``F`` (DD12.5 processconfig.paramvalue
remark), a long as its digits, an enumeration as the code of its choice (the codes are guesses),
text as it is.  ``getServiceParameter`` returns the stored value (UNCONFIRMED: the form a real
cluster returns is not published; see docs/simulator.md).
"""

# DD12.5 TI-86: "The 'Enterprise Node' is identified by the pkid of '00000000-1111-0000-0000-000000000000'".
# Its name, EnterpriseWideData, is what "run sql select name from processnode" shows in Cisco's
# documentation and what public AXL clients send as processNodeName for enterprise parameters.
ENTERPRISE_NODE = "00000000-1111-0000-0000-000000000000"
ENTERPRISE_NODE_NAME = "EnterpriseWideData"
ENTERPRISE_SERVICE = "Enterprise Wide"          # AXL XService enumeration
PUBLISHER = "cucm-pub.example.com"              # guess: the seeded publisher's host name
PUBLISHER_PKID = "5e1c0a37-2b6f-4c1e-9a57-0d4c3b2a1f10"

# typeservice rows: (enum, name) -- names from AXL's XService enumeration; the enums are guesses.
SERVICES = [
    (0, "Cisco CallManager"),
    (11, "Enterprise Wide"),
    (14, "Cisco Extension Mobility"),
    (21, "Cisco DirSync"),
]
# typeparam rows: (enum, name) -- names from AXL's XParam enumeration; the enums are guesses.
PARAM_TYPES = [(0, "boolean"), (1, "double"), (2, "long"), (3, "string"), (4, "date/time")]
_TYPE = dict((name, enum) for enum, name in PARAM_TYPES)

# The parameters: service, internal name, admin-page name (for the documentation), valueType,
# default (stored form), choices (stored code -> shown label) or (min, max) for longs, where each
# fact comes from.  ``node`` is "enterprise" (the Enterprise Node) or "publisher".
PARAMETERS = [
    dict(service=ENTERPRISE_SERVICE, name="CCMUserOptionsPortalDefaultServer", label="Self Care Portal Default Server",
         type="string", default="", node="enterprise", server=True,
         source="name FCG; internal name SQL; stored value (a node name, empty for None) guess"),
    dict(service=ENTERPRISE_SERVICE, name="CCMUserShowCallForward", label="Show Call Forwarding", type="boolean",
         default="T", node="enterprise", source="name FCG; internal name SQL; boolean type and default guess"),
    dict(service=ENTERPRISE_SERVICE, name="CCMUserShowRingSettings", label="Show Ring Settings", type="boolean",
         default="T", node="enterprise", source="name Cisco phone administration guides; internal name SQL; default guess"),
    dict(service=ENTERPRISE_SERVICE, name="CCMUserShowLineLabelSettings", label="Show Line Label Settings",
         type="boolean", default="T", node="enterprise",
         source="name Cisco phone administration guides; internal name and default guess"),
    dict(service=ENTERPRISE_SERVICE, name="CCMUserShowIPPhoneServicesSettings", label="Show IP Phone Services Settings",
         type="boolean", default="T", node="enterprise", source="internal name SQL; page name and default guess"),
    dict(service=ENTERPRISE_SERVICE, name="CCMUserShowPhonesReadyToActivate", label="Show Phones Ready To Activate",
         type="boolean", default="T", node="enterprise", source="name and default (True) FCG; internal name guess"),
    dict(service=ENTERPRISE_SERVICE, name="EffectivePrivilegeForOverlappingGroups",
         label="Effective Access Privileges For Overlapping User Groups and Roles", type="long",
         choices={"1": "Maximum", "0": "Minimum"}, default="1", node="enterprise",
         source="name, choices and default (Maximum) SAG; internal name and codes guess"),
    dict(service=ENTERPRISE_SERVICE, name="refreshTokenExpiryTimer", label="OAuth Refresh Token Expiry Timer (days)",
         type="long", range=(1, 3650), default="60", node="enterprise",
         source="internal name and page name DD12.5 RI-2356; range and default guess"),
    dict(service="Cisco Extension Mobility", name="EMMultipleLoginBehavior", label="Multiple Login Behavior",
         type="long", choices={"1": "Multiple Logins Allowed", "2": "Multiple Logins Not Allowed", "3": "Auto Logout"},
         default="2", node="publisher",
         source="name and choices FCG (formerly Intra-cluster Multiple Login Behavior); internal name, codes, default guess"),
    dict(service="Cisco Extension Mobility", name="EMEnforceMaxLoginTime", label="Enforce Intra-cluster Maximum Login Time",
         type="boolean", default="F", node="publisher", source="name FCG; internal name and default guess"),
]


def install(conn, guid):
    """Seed the types, the two process nodes and every parameter at its default."""
    conn.executemany("INSERT INTO typeservice (enum, name, moniker) VALUES (?, ?, ?)",
                     [(e, n, "SERVICE_" + n.upper().replace(" ", "_")) for e, n in SERVICES])
    conn.executemany("INSERT INTO typeparam (enum, name, moniker) VALUES (?, ?, ?)",
                     [(e, n, "PARAM_" + n.upper().replace("/", "_")) for e, n in PARAM_TYPES])
    conn.execute("INSERT INTO processnode (pkid, name, description, systemnode, nodeid, tkprocessnoderole) "
                 "VALUES (?, ?, '', 't', 1, 1)", (ENTERPRISE_NODE, ENTERPRISE_NODE_NAME))
    conn.execute("INSERT INTO processnode (pkid, name, description, nodeid, tkprocessnoderole) VALUES (?, ?, ?, 2, 1)",
                 (PUBLISHER_PKID, PUBLISHER, "Publisher"))
    services = dict((n, e) for e, n in SERVICES)
    for number, param in enumerate(PARAMETERS, 1):
        low, high = param.get("range", (None, None))
        conn.execute(
            "INSERT INTO processconfigdefaults (enum, tkservice, paramname, paramvalue, tkparam, minlongvalue, "
            "maxlongvalue, servicewide) VALUES (?, ?, ?, ?, ?, ?, ?, 't')",
            (number, services[param["service"]], param["name"], param["default"], _TYPE[param["type"]], low, high))
        node = ENTERPRISE_NODE if param["node"] == "enterprise" else PUBLISHER_PKID
        conn.execute(
            "INSERT INTO processconfig (pkid, fkprocessnode, tkservice, paramname, paramvalue, tkparam) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (guid("processconfig", param["service"] + "/" + param["name"]), node, services[param["service"]], param["name"], param["default"],
             _TYPE[param["type"]]))


def spec(service, name):
    """The catalogue entry of a parameter (validation rules), or None for one the seed does not know."""
    return next((p for p in PARAMETERS if p["service"] == service and p["name"] == name), None)
