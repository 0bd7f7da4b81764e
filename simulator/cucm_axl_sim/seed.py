"""What a fresh cluster holds, plus deterministic synthetic users.

Every catalogue row names where it comes from (``source``):
- ``AG12.5``: Cisco Administration Guide 12.5(1), "Manage User Access" (standard roles and groups);
- ``DD12.5``: Cisco CUCM 12.5(1) Data Dictionary (columns, enums it states);
- ``DevNet``: CiscoDevNet/axl-python-zeep-samples (e.g. resource 96 "AXL Database API");
- ``guess``: Cisco does not publish it; the value is a plausible stand-in.  Replace guesses with a
  real cluster's catalogue through ``--resource-catalog`` (see ``load_resource_catalog``).
"""

import hashlib
import json
import uuid

from . import ddl, parameters

_NS = uuid.UUID("6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f")


def guid(kind, key):
    """Deterministic pkid for seeded rows (lowercase, no braces, as CUCM's SQL shows them)."""
    return str(uuid.uuid5(_NS, f"{kind}:{key}"))


def seq_guid(kind, i):
    """Cheap deterministic pkid for bulk-seeded row ``i`` of a kind; sequential keys keep the
    B-tree inserts of 80,000-user seeds fast."""
    return f"{_SEQ_KINDS.index(kind) + 1:08x}-0000-4000-8000-{i:012x}"


_SEQ_KINDS = ("enduser", "phone", "profile", "numplan", "dnpm-phone", "dnpm-profile", "eudm-phone",
              "eudm-profile", "eunpm", "eudgm", "cred-pwd", "cred-pin")


def credential_digest(owner_pkid, value):
    """How the simulator stores a password or PIN: never in clear (tests compute the same digest)."""
    return "sha256$" + hashlib.sha256(f"{owner_pkid}:{value}".encode()).hexdigest()


# ------------------------------------------------------------------------------------ enums
TYPE_ROWS = {
    # table: [(enum, name, moniker, source)]
    "typeclass": [(1, "Phone", "CLASS_PHONE", "guess"), (254, "Device Profile", "CLASS_DEVICE_PROFILE", "public SQL (EM audits)")],
    "typedeviceprotocol": [(0, "SCCP", "DEVICE_PROTOCOL_SCCP", "guess"), (11, "SIP", "DEVICE_PROTOCOL_SIP", "guess")],
    "typedeviceprofile": [
        (0, "Real Device", "REAL_DEVICE", "DD12.5"),
        (1, "User Profile", "USER_PROFILE", "guess"),
        (3, "Device Default Profile", "DEVICE_DEFAULT_PROFILE", "DD12.5 RI-338 (inference)"),
    ],
    "typeuserassociation": [
        (1, "Controlled Device", "CONTROLLED_DEVICE", "public SQL"),
        (2, "CTI Controlled Device Profile", "CTI_CONTROLLED_PROFILE", "guess"),
        (4, "Profile Available", "PROFILE_AVAILABLE", "DD12.5 (name); enum guess"),
    ],
    "typednusage": [(1, "Primary", "DN_USAGE_PRIMARY", "guess")],
    "typeuserlocale": [(1, "English United States", "ENGLISH_UNITED_STATES", "AXL schema XUserLocale")],
    "typecredential": [(3, "Password", "CREDENTIAL_PASSWORD", "DD12.5"), (4, "PIN", "CREDENTIAL_PIN", "DD12.5")],
    "typematrix": [(1, "Presence Group", "MATRIX_PRESENCE", "guess")],
    "typephoneservice": [
        (0, "Standard IP Phone Service", "STANDARD_IP_PHONE_SERVICE", "AXL schema XPhoneService"),
        (1, "Directories", "DIRECTORIES", "AXL schema XPhoneService"),
        (2, "Messages", "MESSAGES", "AXL schema XPhoneService"),
    ],
    "typephoneservicecategory": [
        (0, "XML Service", "XML_SERVICE", "DD12.5"),
        (1, "Java MIDlet", "JAVA_MIDLET", "DD12.5"),
        (2, "Web Widget", "WEB_WIDGET", "guess"),
        (3, "Web Link", "WEB_LINK", "guess"),
        (4, "Android APK", "ANDROID_APK", "DD12.5"),
    ],
    "typepatternusage": [(2, "Device", "PATTERN_USAGE_DEVICE", "guess")],
    "typebitpos": [(0, "Bit 0", "BIT_POS_0", "guess"), (1, "Bit 1", "BIT_POS_1", "guess")],
}

# Device types a fresh cluster ships (typemodel/typeproduct; model and product share the enum, as they do for
# phones), with the phone button template the installation provides for each.  Enums and names: a public map
# of typemodel enums (code index file id 24728387678) and DevNet's axl_add_Jabber_Bulk.py (the CSF, BOT, TCT
# and TAB products by these names); template names: public AXL client code (e.g. "Standard Client Services
# Framework", "Standard Dual Mode for Android").  (enum, name, phone button template, source)
_ENUM_MAP = "public typemodel enum map"
PHONE_MODELS = [
    (683, "Cisco 8841", "Standard 8841 SIP", _ENUM_MAP),        # the seeded users' phones (the first entry)
    (36224, "Cisco 8845", "Standard 8845 SIP", _ENUM_MAP),
    (685, "Cisco 8861", "Standard 8861 SIP", _ENUM_MAP),
    (36225, "Cisco 8865", "Standard 8865 SIP", _ENUM_MAP),
    (684, "Cisco 8851", "Standard 8851 SIP", _ENUM_MAP),
    (36217, "Cisco 8811", "Standard 8811 SIP", _ENUM_MAP),
    (36216, "Cisco 8821", "Standard 8821 SIP", _ENUM_MAP),
    (36213, "Cisco 7811", "Standard 7811 SIP", _ENUM_MAP),
    (621, "Cisco 7821", "Standard 7821 SIP", _ENUM_MAP),
    (622, "Cisco 7841", "Standard 7841 SIP", _ENUM_MAP),
    (623, "Cisco 7861", "Standard 7861 SIP", _ENUM_MAP),
    (503, "Cisco Unified Client Services Framework", "Standard Client Services Framework", _ENUM_MAP + "; DevNet"),
    (575, "Cisco Dual Mode for Android", "Standard Dual Mode for Android", _ENUM_MAP + "; DevNet"),
    (562, "Cisco Dual Mode for iPhone", "Standard Dual Mode for iPhone", _ENUM_MAP + "; DevNet"),
    (652, "Cisco Jabber for Tablet", "Standard Jabber for Tablet", _ENUM_MAP),
]
# Models without IP phone services (typemodel.supportsservices = 'f').
NO_SERVICE_MODELS = [(36262, "Cisco ATA 191", "Standard ATA 191 SIP", _ENUM_MAP)]
# Standard device settings a fresh cluster has (names as CUCM ships them; pkids are the seed's own,
# except the Standard Common Phone Profile, whose pkid the dictionary gives).
COMMON_PHONE_PROFILES = ["Standard Common Phone Profile"]
SOFTKEY_TEMPLATES = ["Standard User", "Standard Feature"]
SECURITY_PROFILES = ["Universal Device Template - Model-independent Security Profile",
                     "Cisco 8841 - Standard SIP Non-Secure Profile",
                     "Cisco 8821 - Standard SIP Non-Secure Profile",
                     "Cisco Unified Client Services Framework - Standard SIP Non-Secure Profile"]
SIP_PROFILES = ["Standard SIP Profile"]
# Voice mail profiles of a fresh cluster (name, description, default): CUCM installs "Default" and "NoVoiceMail"
# (Cisco's administration guide, "Voice Mail Profile"; a line that names none uses the default).
VOICEMAIL_PROFILES = [("Default", "Default Profile", "t"), ("NoVoiceMail", "No voice mail", "f")]


def phone_template_name(model_name):
    """The standard phone button template of a model: 'Cisco 8841' -> 'Standard 8841 SIP'."""
    return next(t for _e, n, t, _s in PHONE_MODELS + NO_SERVICE_MODELS if n == model_name)


APPLICATIONS = [
    # (enum, name, vroot, source)
    (1, "Cisco Call Manager Administration", "ccmadmin", "AG12.5 (spelled 'Cisco CallManager Administration')"),
    (2, "Cisco Call Manager Serviceability", "ccmservice", "guess"),
    (3, "Cisco Call Manager AXL Database", "axl", "rsconnect admin guide ('Cisco CallManager AXL Database')"),
    (4, "Cisco Call Manager End User", "ucmuser", "guess"),
    (5, "Cisco Computer Telephony Integration", "cti", "guess"),
    (6, "Cisco Extension Mobility", "emapp", "guess"),
    (7, "Cisco Unified Reporting", "cucreports", "guess"),
]

# (enum, name, application, actions, source); actions: 'ru' = Read (bit 0) + Update (bit 1),
# 'api' = "Allow to use API" (bit 0), 'allow' = Allow (bit 0).
RESOURCES = [
    (96, "AXL Database API", 3, "api", "DevNet axl_add_Role.py"),
    (97, "AXL Read Only Database API", 3, "api", "guess"),
    (101, "User web pages", 1, "ru", "AG12.5"),
    (102, "Phone web pages", 1, "ru", "AG12.5"),
    (103, "Phone Services web pages", 1, "ru", "guess (named in the collection's brief)"),
    (104, "Device Profile web pages", 1, "ru", "guess"),
    (105, "Access Control Group web pages", 1, "ru", "guess"),
    (106, "Role web pages", 1, "ru", "guess"),
    (107, "Application User web pages", 1, "ru", "AG12.5 (Advanced Role Configuration)"),
    (108, "Directory Number web pages", 1, "ru", "guess"),
    (109, "Route Partition web pages", 1, "ru", "guess"),
    (110, "Calling Search Space web pages", 1, "ru", "guess"),
    (111, "Device Pool web pages", 1, "ru", "guess"),
    (112, "Bulk Administration web pages", 1, "ru", "guess"),
    (113, "IP Phone Services web pages", 1, "ru", "AG12.5 ('Cisco Unified IP Phone Services' pages)"),
    (201, "Serviceability Main web pages", 2, "ru", "guess"),
    (301, "Self Care Portal", 4, "allow", "guess"),
    (302, "User Options web pages", 4, "ru", "guess"),
    (303, "Phone Services self-service web pages", 4, "ru", "guess"),
    (401, "CTI Enabled", 5, "allow", "guess"),
    (402, "Call Monitoring", 5, "allow", "guess"),
    (403, "Call Recording", 5, "allow", "guess"),
    (404, "Control of All Devices", 5, "allow", "guess"),
    (501, "EM Authentication Proxy", 6, "allow", "guess"),
    (601, "Cisco Unified Reporting web pages", 7, "ru", "guess"),
]

# Standard roles (AG12.5 names) and their resources: {resource enum: permission bits}.
ALL_ADMIN = {e: 3 for e, _n, app, acts, _s in RESOURCES if app == 1}
READ_ADMIN = {e: 1 for e, _n, app, acts, _s in RESOURCES if app == 1}
STANDARD_ROLES = [
    ("Standard AXL API Access", "Allows access to the AXL database API", {96: 1}),
    ("Standard AXL API Users", "Grants login rights to execute AXL APIs", {96: 1}),
    ("Standard AXL Read Only API Access", "Allows read-only access to the AXL database API", {97: 1}),
    ("Standard CCM Admin Users", "Grants log-in rights to Cisco Unified CM Administration", {101: 1}),
    ("Standard CCMADMIN Administration", "Full access to Cisco Unified CM Administration", ALL_ADMIN),
    ("Standard CCMADMIN Read Only", "Read access to Cisco Unified CM Administration", READ_ADMIN),
    ("Standard CCM End Users", "Lets an end user log in to the Self Care Portal", {301: 1}),
    ("Standard CCMUSER Administration", "Access to the Self Care Portal", {302: 3, 303: 1}),
    ("Standard CCM Feature Management", "IP Phone Services and other feature pages", {113: 3, 103: 3}),
    ("Standard CCM Phone Management", "Phone pages", {102: 3, 104: 3}),
    ("Standard CCM User Privilege Management", "User, group and role pages", {101: 3, 105: 3, 106: 3, 107: 3}),
    ("Standard CTI Enabled", "Lets an application control devices through CTI", {401: 1}),
    ("Standard CTI Allow Call Monitoring", "CTI call monitoring", {402: 1}),
    ("Standard CTI Allow Call Recording", "CTI call recording", {403: 1}),
    ("Standard CTI Allow Control of All Devices", "CTI control of all devices", {404: 1}),
    ("Standard EM Authentication Proxy Rights", "EM proxy authentication for applications", {501: 1}),
    ("Standard SERVICEABILITY Administration", "Serviceability administration", {201: 3}),
    ("Standard CUReporting", "Cisco Unified Reporting", {601: 3}),
]

# Standard access control groups (AG12.5) and their roles.
STANDARD_GROUPS = [
    ("Standard CCM End Users", ["Standard CCM End Users", "Standard CCMUSER Administration"]),
    ("Standard CCM Admin Users", ["Standard CCM Admin Users"]),
    ("Standard CCM Super Users", [
        "Standard AXL API Access", "Standard CCM Admin Users", "Standard CCMADMIN Administration",
        "Standard EM Authentication Proxy Rights", "Standard SERVICEABILITY Administration", "Standard CUReporting",
    ]),
    ("Standard CCM Read Only", ["Standard CCM Admin Users", "Standard CCMADMIN Read Only"]),
    ("Standard CCM Phone Administration", ["Standard CCM Admin Users", "Standard CCM Phone Management"]),
    ("Standard CCM Server Maintenance", ["Standard CCM Admin Users", "Standard CCM Feature Management"]),
    ("Standard AXL API Users", ["Standard AXL API Users"]),
    ("Standard AXL Read Only API Users", ["Standard AXL API Users", "Standard AXL Read Only API Access"]),
    ("Standard CTI Enabled", ["Standard CTI Enabled"]),
    ("Standard CTI Allow Call Monitoring", ["Standard CTI Allow Call Monitoring"]),
    ("Standard CTI Allow Call Recording", ["Standard CTI Allow Call Recording"]),
    ("Standard CTI Allow Control of All Devices", ["Standard CTI Allow Control of All Devices"]),
    ("Standard EM Authentication Proxy Rights", ["Standard EM Authentication Proxy Rights"]),
]

DEFAULTS = {
    "presence_group": "Standard Presence group",
    "partition": "Internal_PT",
    "css": "Internal_CSS",
    "device_pool": "Default",
    "location": "Hub_None",
    "service_profile": "Default UC Service Profile",
    "user_profile": "Standard (Factory Default) User Profile",
    "ldap_directory": "corp-ldap",
}

FIRST_NAMES = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
               "Kemi", "Liam", "Maya", "Nils", "Olu", "Priya", "Quinn", "Rosa", "Sami", "Tara"]
LAST_NAMES = ["Adams", "Bauer", "Chen", "Diaz", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
              "Jansen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist",
              "Rossi", "Singh", "Tanaka", "Urbina", "Varga", "Weber", "Xu", "Yilmaz", "Zimmer"]
DEPARTMENTS = ["Sales", "Support", "Finance", "Engineering", "Operations", "Contact Center"]


def seed_user(i):
    """The deterministic synthetic user number ``i`` (1-based)."""
    userid = f"user{i:05d}"
    return {
        "userid": userid,
        "firstname": FIRST_NAMES[i % len(FIRST_NAMES)],
        "lastname": LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)],
        "mailid": f"{userid}@example.com",
        "department": DEPARTMENTS[i % len(DEPARTMENTS)],
        "telephonenumber": f"+1555{100000 + i:07d}",
        "title": "Agent" if i % 3 == 0 else "Associate",
        "phone": f"SEP{0x0A0000000000 + i:012X}",
        "profile": f"UDP_{userid}",
        "dn": str(100000 + i),
    }


def install(conn, app_user, app_password):
    """Install data of a fresh cluster (standard catalogue, defaults, the AXL application user)."""
    conn.execute("INSERT INTO sim_meta (key, value) VALUES ('installing', '1')")
    for table, rows in TYPE_ROWS.items():
        conn.executemany(f"INSERT INTO {table} (enum, name, moniker) VALUES (?, ?, ?)", [r[:3] for r in rows])
    for enum, name, template, _src in PHONE_MODELS + NO_SERVICE_MODELS:
        moniker = "MODEL_" + name.upper().replace(" ", "_")
        services = "f" if (enum, name, template, _src) in NO_SERVICE_MODELS else "t"
        conn.execute("INSERT INTO typemodel (enum, name, moniker, tkclass, supportsservices) VALUES (?, ?, ?, 1, ?)",
                     (enum, name, moniker, services))
        conn.execute("INSERT INTO typeproduct (enum, name, moniker, tkmodel) VALUES (?, ?, ?, ?)",
                     (enum, name, moniker.replace("MODEL_", "PRODUCT_"), enum))
        conn.execute("INSERT INTO phonetemplate (pkid, name, tkmodel, tkdeviceprotocol) VALUES (?, ?, ?, 11)",
                     (guid("phonetemplate", template), template, enum))
    for name in COMMON_PHONE_PROFILES:
        pk = ddl.STANDARD_COMMON_PHONE_PROFILE if name == "Standard Common Phone Profile" else guid("commonphoneconfig", name)
        conn.execute("INSERT INTO commonphoneconfig (pkid, name, isstandard) VALUES (?, ?, 't')", (pk, name))
    for table, names in (("softkeytemplate", SOFTKEY_TEMPLATES), ("securityprofile", SECURITY_PROFILES),
                         ("sipprofile", SIP_PROFILES)):
        conn.executemany(f"INSERT INTO {table} (pkid, name) VALUES (?, ?)", [(guid(table, n), n) for n in names])
    conn.executemany("INSERT INTO typeapplication (enum, name, moniker, vroot) VALUES (?, ?, ?, ?)",
                     [(e, n, "APP_" + v.upper(), v) for e, n, v, _s in APPLICATIONS])
    action = 1
    for enum, name, app, acts, _src in RESOURCES:
        conn.execute("INSERT INTO typeresource (enum, name, moniker, tkapplication) VALUES (?, ?, ?, ?)",
                     (enum, name, "RESOURCE_" + "".join(c if c.isalnum() else "_" for c in name.upper()), app))
        labels = {"ru": [("Read", 0), ("Update", 1)], "api": [("Allow to use API", 0)], "allow": [("Allow", 0)]}[acts]
        for label, bit in labels:
            conn.execute("INSERT INTO typeresourceaction (enum, name, moniker, tkresource, tkbitpos) VALUES (?, ?, ?, ?, ?)",
                         (action, label, label.upper().replace(" ", "_"), enum, bit))
            action += 1

    for name, description, resources in STANDARD_ROLES:
        pk = guid("functionrole", name)
        conn.execute("INSERT INTO functionrole (pkid, name, description, isstandard) VALUES (?, ?, ?, 't')", (pk, name, description))
        conn.executemany(
            "INSERT INTO functionroleresourcemap (pkid, fkfunctionrole, tkresource, permission) VALUES (?, ?, ?, ?)",
            [(guid("frrm", f"{name}/{res}"), pk, res, perm) for res, perm in sorted(resources.items())])
    for name, roles in STANDARD_GROUPS:
        pk = guid("dirgroup", name)
        conn.execute("INSERT INTO dirgroup (pkid, name, isstandard) VALUES (?, ?, 't')", (pk, name))
        conn.executemany("INSERT INTO functionroledirgroupmap (pkid, fkdirgroup, fkfunctionrole) VALUES (?, ?, ?)",
                         [(guid("frdg", name + "/" + role), pk, guid("functionrole", role)) for role in roles])

    d = DEFAULTS
    conn.execute("INSERT INTO matrix (pkid, name, description, tkmatrix, isstandard) VALUES (?, ?, ?, 1, 't')",
                 (ddl.STANDARD_PRESENCE_GROUP, d["presence_group"], "Standard Presence group"))
    conn.execute("INSERT INTO routepartition (pkid, name, description) VALUES (?, ?, 'Internal directory numbers')",
                 (guid("routepartition", d["partition"]), d["partition"]))
    conn.execute("INSERT INTO callingsearchspace (pkid, name, description, clause) VALUES (?, ?, '', ?)",
                 (guid("css", d["css"]), d["css"], d["partition"]))
    conn.execute("INSERT INTO devicepool (pkid, name) VALUES (?, ?)", (guid("devicepool", d["device_pool"]), d["device_pool"]))
    conn.executemany("INSERT INTO voicemessagingprofile (pkid, name, description, isdefault) VALUES (?, ?, ?, ?)",
                     [(guid("voicemessagingprofile", n), n, text, default) for n, text, default in VOICEMAIL_PROFILES])
    conn.execute("INSERT INTO location (pkid, name) VALUES (?, ?)", (guid("location", d["location"]), d["location"]))
    conn.execute("INSERT INTO ucserviceprofile (pkid, name, isdefault) VALUES (?, ?, 't')",
                 (guid("ucserviceprofile", d["service_profile"]), d["service_profile"]))
    conn.execute("INSERT INTO ucuserprofile (pkid, name, isdefault) VALUES (?, ?, 't')",
                 (guid("ucuserprofile", d["user_profile"]), d["user_profile"]))
    conn.execute("INSERT INTO directorypluginconfig (pkid, name, ldapdn, ldapsynchronizationbase) VALUES (?, ?, ?, ?)",
                 (guid("directorypluginconfig", d["ldap_directory"]), d["ldap_directory"],
                  "cn=axl-sync,ou=service,dc=example,dc=com", "ou=people,dc=example,dc=com"))
    conn.execute("INSERT INTO ldapsystemconfig (pkid, syncenabled) VALUES (?, 't')", (guid("ldapsystemconfig", "1"),))

    app_pk = guid("applicationuser", app_user)
    conn.execute("INSERT INTO applicationuser (pkid, name, isstandard) VALUES (?, ?, 't')", (app_pk, app_user))
    conn.execute("INSERT INTO credential (pkid, fkapplicationuser, tkcredential, credentials) VALUES (?, ?, 3, ?)",
                 (guid("credential", app_user), app_pk, credential_digest(app_pk, app_password)))
    conn.execute("INSERT INTO applicationuserdirgroupmap (pkid, fkapplicationuser, fkdirgroup, isstandard) VALUES (?, ?, ?, 't')",
                 (guid("audgm", app_user), app_pk, guid("dirgroup", "Standard CCM Super Users")))
    parameters.install(conn, guid)     # process nodes, enterprise and service parameters
    conn.execute("DELETE FROM sim_meta WHERE key = 'installing'")


def add_synthetic_users(conn, count, ldap_count=0):
    """Seed ``count`` deterministic end users, each with a phone, a device profile and a line;
    the first ``ldap_count`` of them are LDAP-synchronised."""
    d = DEFAULTS
    presence = ddl.STANDARD_PRESENCE_GROUP
    partition = guid("routepartition", d["partition"])
    pool = guid("devicepool", d["device_pool"])
    location = guid("location", d["location"])
    group = guid("dirgroup", "Standard CCM End Users")
    ldap = guid("directorypluginconfig", d["ldap_directory"])
    model = PHONE_MODELS[0][0]
    template = guid("phonetemplate", phone_template_name(PHONE_MODELS[0][1]))
    rows = {k: [] for k in ("enduser", "device", "numplan", "dnpm", "eudm", "eunpm", "eudgm", "cred")}
    for i in range(1, count + 1):
        u = seed_user(i)
        upk, phone, profile, dn = (seq_guid(k, i) for k in ("enduser", "phone", "profile", "numplan"))
        rows["enduser"].append((upk, u["userid"], u["firstname"], u["lastname"], f"{u['firstname']} {u['lastname']}",
                                u["mailid"], u["department"], u["telephonenumber"], u["title"], presence,
                                ldap if i <= ldap_count else None, f"{u['userid']}@example.com"))
        rows["device"].append((phone, u["phone"], f"{u['firstname']} {u['lastname']} desk phone", 1, model, model, 11, 0, upk))
        rows["device"].append((profile, u["profile"], f"{u['firstname']} {u['lastname']} EM profile", 254, model, model, 11, 1, None))
        rows["numplan"].append((dn, u["dn"], partition, f"{u['firstname']} {u['lastname']}"))
        rows["dnpm"].append((seq_guid("dnpm-phone", i), phone, dn, 1))
        rows["dnpm"].append((seq_guid("dnpm-profile", i), profile, dn, 1))
        rows["eudm"].append((seq_guid("eudm-phone", i), upk, phone, 1))
        rows["eudm"].append((seq_guid("eudm-profile", i), upk, profile, 4))
        rows["eunpm"].append((seq_guid("eunpm", i), upk, dn, 1))
        rows["eudgm"].append((seq_guid("eudgm", i), upk, group))
        rows["cred"].append((seq_guid("cred-pwd", i), upk, 3, credential_digest(upk, "Welcome-" + u["userid"])))
        rows["cred"].append((seq_guid("cred-pin", i), upk, 4, credential_digest(upk, "12345")))
    conn.executemany(
        "INSERT INTO enduser (pkid, userid, firstname, lastname, displayname, mailid, department, telephonenumber, "
        "title, fkmatrix_presence, fkdirectorypluginconfig, discoveryuseridentity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows["enduser"])
    conn.executemany(
        "INSERT INTO device (pkid, name, description, tkclass, tkmodel, tkproduct, tkdeviceprotocol, tkdeviceprofile, "
        f"fkenduser, fkdevicepool, fklocation, fkphonetemplate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{pool}', '{location}', '{template}')",
        rows["device"])
    conn.executemany("INSERT INTO numplan (pkid, dnorpattern, fkroutepartition, alertingname) VALUES (?, ?, ?, ?)", rows["numplan"])
    conn.executemany("INSERT INTO devicenumplanmap (pkid, fkdevice, fknumplan, numplanindex) VALUES (?, ?, ?, ?)", rows["dnpm"])
    conn.executemany("INSERT INTO enduserdevicemap (pkid, fkenduser, fkdevice, tkuserassociation) VALUES (?, ?, ?, ?)", rows["eudm"])
    conn.executemany("INSERT INTO endusernumplanmap (pkid, fkenduser, fknumplan, tkdnusage) VALUES (?, ?, ?, ?)", rows["eunpm"])
    conn.executemany("INSERT INTO enduserdirgroupmap (pkid, fkenduser, fkdirgroup) VALUES (?, ?, ?)", rows["eudgm"])
    conn.executemany("INSERT INTO credential (pkid, fkenduser, tkcredential, credentials) VALUES (?, ?, ?, ?)", rows["cred"])


CATALOG_TABLES = {
    # table: SQL that exports it from a real cluster (run it with executeSQLQuery)
    "typeapplication": "select enum, name, moniker, vroot from typeapplication",
    "typeresource": "select enum, name, moniker, description, tkapplication from typeresource",
    "typeresourceaction": "select enum, name, moniker, tkresource, tkbitpos from typeresourceaction",
    "typebitpos": "select enum, name, moniker from typebitpos",
    "standard_role_resources": (
        "select fr.name role, frm.tkresource resource, frm.permission from functionrole fr "
        "join functionroleresourcemap frm on frm.fkfunctionrole = fr.pkid where fr.isstandard = 't'"),
}


def load_resource_catalog(conn, path):
    """Replace the seeded (partly guessed) role catalogue with one exported from a real cluster.

    The file is JSON, one key per entry of ``CATALOG_TABLES`` holding the rows ``executeSQLQuery``
    returns for that entry's SQL (objects of column values).  ``standard_role_resources`` is
    optional; without it, standard roles keep the seeded resources that still exist.  Runs only on
    a newly created database, before anything else references the catalogue.
    """
    with open(path, encoding="utf-8") as handle:
        catalog = json.load(handle)
    missing = [t for t in ("typeapplication", "typeresource", "typeresourceaction") if not catalog.get(t)]
    if missing:
        raise ValueError(f"resource catalog {path} lacks {', '.join(missing)}")
    conn.execute("INSERT INTO sim_meta (key, value) VALUES ('installing', '1')")
    conn.execute("PRAGMA defer_foreign_keys = ON")  # parents are replaced before their children
    kept = ",".join(str(int(r["enum"])) for r in catalog["typeresource"])
    conn.execute(f"DELETE FROM functionroleresourcemap WHERE tkresource NOT IN ({kept})")
    order = ("typeapplication", "typebitpos", "typeresource", "typeresourceaction")
    for table in reversed(order):
        if catalog.get(table):
            conn.execute(f"DELETE FROM {table}")
    for table in order:
        for row in catalog.get(table) or ():
            cols = [c for c in row if c.isidentifier() and c.islower()]
            values = [None if (row[c] in ("", None) and c.startswith("tk")) else row[c] for c in cols]
            conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values)
    if catalog.get("standard_role_resources"):
        conn.execute("DELETE FROM functionroleresourcemap WHERE fkfunctionrole IN "
                     "(SELECT pkid FROM functionrole WHERE isstandard = 't')")
        for row in catalog["standard_role_resources"]:
            conn.execute("INSERT INTO functionroleresourcemap (fkfunctionrole, tkresource, permission) "
                         "SELECT pkid, ?, ? FROM functionrole WHERE name = ? AND isstandard = 't'",
                         (int(row["resource"]), int(row["permission"]), row["role"]))
    conn.execute("DELETE FROM sim_meta WHERE key = 'installing'")
