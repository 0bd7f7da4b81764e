"""End users: addUser, getUser, updateUser, removeUser, listUser.

Where each AXL field lives (CUCM 12.5 data dictionary):

- scalars: ``enduser`` columns (``SCALARS`` below; ``nameDialing``'s CUCM column is not in DD12.5,
  so it lives in the simulator-only ``enduser.namedialing``); ``status`` is read-only;
- ``password`` / ``pin``: ``credential`` rows (``tkcredential`` 3 / 4), stored only as
  ``seed.credential_digest(user pkid, value)``; ``passwordCredentials`` / ``pinCredentials`` are
  the flags of those rows; ``digestCredentials`` is kept as a digest in ``enduser.passwordreverse``;
- ``presenceGroupName`` → ``fkmatrix_presence`` (``matrix``), ``subscribeCallingSearchSpaceName``
  → ``fkcallingsearchspace_restrict``, ``serviceProfile`` → ``fkucserviceprofile``,
  ``userProfile`` → ``fkucuserprofile``, ``ldapDirectoryName`` → ``fkdirectorypluginconfig``,
  ``userLocale`` → ``tkuserlocale``;
- ``enduserdevicemap``: ``tkuserassociation`` 1 = ``associatedDevices``, 4 ("Profile Available")
  = ``phoneProfiles`` (``defaultprofile`` flag = ``defaultProfile``), 2 =
  ``ctiControlledDeviceProfiles``;
- ``endusernumplanmap`` with ``tkdnusage`` 1 = ``primaryExtension``;
- ``enduserdirgroupmap`` = ``associatedGroups``; each group's ``userRoles`` come from
  ``functionroledirgroupmap`` and are read-only here.

Behaviour (what Cisco does not document is marked CHOICE; each is one constant or one short
function below, so it is easy to change once a lab shows otherwise):

- Omitted elements leave a field unchanged; XSD ``default=`` values are not applied on update.
  A present but empty scalar resets it (CHOICE): strings to ``''`` (nullable columns to NULL),
  booleans and ``maxDeskPickupWaitTime``/``remoteDestinationLimit`` to their DB default.
- Whole-list elements (``associatedDevices``, ``associatedGroups``, ``phoneProfiles``,
  ``ctiControlledDeviceProfiles``) replace the stored list; an empty wrapper clears it (CHOICE).
  Replacement is a diff, so rows that stay keep their pkid and flags. ``userRoles`` inside
  ``associatedGroups`` are READ ONLY (XSD) and ignored on input.
- ``primaryExtension`` (``pattern`` + ``routePartitionName``, a plain name; an absent or empty
  partition means the <None> partition) must be a DN on one of the user's associated devices
  after the update, else fault ``INVALID`` with the XSD's sentence. An empty
  ``primaryExtension`` clears it. Changing ``associatedDevices`` does not drop an existing
  primary extension (CHOICE: never lose data silently).
- ``defaultProfile`` must be one of the user's ``phoneProfiles`` after the update (CHOICE), else
  fault ``INVALID``; an empty element clears the flag.
- addUser without ``associatedGroups`` puts the user in "Standard CCM End Users", as DD12.5
  RI-58 describes (CHOICE: only then; an ``associatedGroups`` element, even empty, is taken as
  the complete list). addUser always creates the password and PIN credential rows (RI-397).
- Missing required elements (``user``, ``userid``, ``lastName`` on add; ``userid``/``uuid`` on
  get/update/remove), unknown elements, and values that do not fit the XSD type (``boolean``,
  ``XInteger``) get a ``soapenv:Client`` "Unmarshalling Error" fault without ``axlError``, like
  CUCM's schema errors.  ``presenceGroupName`` is required by the XSD but Cisco's own Ansible AXL
  examples (tested against CUCM 14) add users without it: the user then gets the data dictionary's
  column default, the Standard Presence group (strict mode, ``--validate-with``, still refuses it).
- Unknown referenced names (presence group, CSS, device, profile, group, partition, DN, ...) →
  5007 "Item not valid: The specified <Thing> <name> was not found"; a missing target user →
  5007 "Item not valid: The specified User was not found" (the text CUCM sends).  Names in XFkType
  references (presence group, CSS, service and user profile) match whatever their case
  (``--compat fk-name-case=insensitive``, the default: Cisco's DevNet samples send "Standard
  Presence Group" for "Standard Presence group").
- ``primaryExtension/pattern`` names an existing DN exactly as it is stored: with ``--compat
  plus-escape=escaped`` (the default) an E.164 DN is stored ``\\+14085554019``, so ``+14085554019``
  does not find it (5007) and getUser returns the escaped form.
- DB errors keep their Informix codes: duplicate userid → -239, RI-58 / RI-2159 / RI-300 → -746,
  first + last name + mail not unique (MFI-784) → -239, CHECK (lengths, ranges) → -530, NOT NULL →
  -391.  IM and Presence needs the home cluster (Cisco's BAT guide): ``imAndPresenceEnable`` true
  with ``homeCluster`` false → -746.
- LDAP-synchronised users (``fkdirectorypluginconfig`` set, while ``ldapsystemconfig.syncenabled``):
  an updateUser that CHANGES a directory-owned field (``LDAP_OWNED``: userid via ``newUserid``,
  names, mail, phone numbers, department, title, manager, directoryUri) is refused as a whole
  (nothing is written) with axlcode ``LDAP_FAULT`` (-746, CHOICE: the code of CUCM's DB rules,
  as RI-300 "If LDAP Sync is enabled, users cannot be manually modified" is one) and the message
  "Cannot modify <fields> of user <userid>: ..." naming the offending AXL fields. Sending a
  directory-owned field with its current value is accepted. Setting a ``password`` is refused
  the same way (CHOICE: the simulator assumes LDAP authentication is on whenever sync is). PIN,
  groups, devices, profiles, primary extension, presence group, CSS, service profile, flags...
  converge. removeUser fails through the RI-300 trigger (-746 with its message).
  ``ldapDirectoryName`` (and 11.5's ``accountType``/``authenticationType``) are set by the sync:
  a value other than the current one is refused with ``INVALID`` for every user.  A local user's
  ``ldapDirectoryName`` (and ``convertUserAccount``) read ``Local`` with a fixed uuid (``--compat
  ldap-directory-name=local``, a real 12.5 capture) or empty (``=empty``, another real capture); both
  are accepted back on input.
- Secrets are never returned: getUser returns ``password``, ``pin``, ``digestCredentials`` and
  ``mlppPassword`` as empty elements (as a real 12.5 capture shows); listUser leaves them out. An
  empty ``password``/``pin``/``digestCredentials`` in a request changes nothing (CHOICE: what a
  client echoing getUser sends back); a PIN must be digits.
- Fields the simulator does not model (``UNMODELLED``: MLPP, custom fields, line appearance
  associations, extensionsInfo, headsets, IPCC extension, convertUserAccount, credential
  policies) read back as empty (``patternPrecedence`` as "Default") and accept only
  that empty/default value; anything else is refused with ``INVALID`` and a message saying the
  simulator does not model it, so a test never passes on a write that was not stored.
  ``customerName`` (HCS only) names a customer, and this cluster has none: 5007.
- listUser: ``searchCriteria`` ``firstName``/``lastName``/``userid``/``department``
  (/``customerName`` 12.5+) are SQL LIKE patterns (``%``, ``_``), ANDed, case-insensitive
  (CHOICE); none given → ``INVALID`` "At least one element under searchCriteria has to be
  mentioned"; ``returnedTags`` is required; ``skip`` applies only with ``first``; rows ordered
  by userid.
"""

import sqlite3
import time
import uuid

from .. import seed, soap
from . import for_version, not_found, operation, page, sql_error

INVALID = 5003          # AXL-layer validation refusals (CHOICE)
LDAP_FAULT = -746       # LDAP-owned field / password changes (CHOICE, see docstring)
STANDARD_END_USERS = "Standard CCM End Users"
CONTROLLED, CTI_PROFILE, PROFILE = 1, 2, 4          # typeuserassociation
PRIMARY = 1                                          # typednusage
PASSWORD, PIN = 3, 4                                 # typecredential
PROFILE_CLASS = 254                                  # typeclass "Device Profile"

# RUser element order (AXLSoap.xsd); XUser/LUser/UpdateUserReq are subsets in the same order.
R_ORDER = """firstName displayName middleName lastName emMaxLoginTime userid password pin mailid department manager
userLocale associatedDevices primaryExtension associatedPc associatedGroups enableCti digestCredentials phoneProfiles
defaultProfile presenceGroupName subscribeCallingSearchSpaceName enableMobility enableMobileVoiceAccess
maxDeskPickupWaitTime remoteDestinationLimit associatedRemoteDestinationProfiles passwordCredentials pinCredentials
associatedTodAccess status enableEmcc associatedCapfProfiles ctiControlledDeviceProfiles patternPrecedence
numericUserId mlppPassword customUserFields homeCluster imAndPresenceEnable serviceProfile
lineAppearanceAssociationForPresences directoryUri telephoneNumber title mobileNumber homeNumber pagerNumber
extensionsInfo selfService userProfile calendarPresence ldapDirectoryName userIdentity nameDialing ipccExtension
ipccRoutePartition convertUserAccount accountType authenticationType enableUserToHostConferenceNow
attendeesAccessCode zeroHop customerName associatedHeadsets""".split()
ADDED = {"emMaxLoginTime": "12.5", "ipccRoutePartition": "12.5", "customerName": "12.5"}
REMOVED = {"accountType": "12.5", "authenticationType": "12.5"}
READ_ONLY = {"associatedRemoteDestinationProfiles", "associatedTodAccess", "status", "associatedCapfProfiles"}
L_FIELDS = set("""firstName displayName middleName lastName emMaxLoginTime userid mailid department manager userLocale
primaryExtension associatedPc enableCti presenceGroupName subscribeCallingSearchSpaceName enableMobility
enableMobileVoiceAccess maxDeskPickupWaitTime remoteDestinationLimit status enableEmcc patternPrecedence numericUserId
mlppPassword homeCluster imAndPresenceEnable serviceProfile directoryUri telephoneNumber title mobileNumber homeNumber
pagerNumber selfService calendarPresence ldapDirectoryName userIdentity accountType authenticationType
enableUserToHostConferenceNow attendeesAccessCode customerName""".split())
L_ORDER = [f for f in R_ORDER if f in L_FIELDS]
L_REMOVED = dict(REMOVED, **dict.fromkeys(("displayName", "presenceGroupName", "selfService", "ldapDirectoryName",
                                           "enableUserToHostConferenceNow", "attendeesAccessCode"), "12.5"))
SECRETS = {"password", "pin", "digestCredentials", "mlppPassword"}
# The pseudo directory a local user's ldapDirectoryName names (--compat ldap-directory-name=local).
LOCAL_DIRECTORY = soap.Fk("Local", "2d2fc3ff-6d8f-4c3a-9a57-4f5d6e7c8b91")
SEARCH = {"firstName": "e.firstname", "lastName": "e.lastname", "userid": "e.userid", "department": "e.department",
          "customerName": "''"}   # no HCS customers: every user's customer is empty

# AXL field: (enduser column, kind).  kind: s string, n nullable string (empty -> NULL),
# b boolean (empty -> DB default), i integer (empty -> DB default), ni nullable integer.
SCALARS = {
    "firstName": ("firstname", "s"), "displayName": ("displayname", "s"), "middleName": ("middlename", "s"),
    "lastName": ("lastname", "s"), "emMaxLoginTime": ("emmaxlogintime", "ni"), "mailid": ("mailid", "s"),
    "department": ("department", "s"), "manager": ("manager", "s"), "associatedPc": ("assocpc", "s"),
    "enableCti": ("allowcticontrolflag", "b"), "enableMobility": ("enablemobility", "b"),
    "enableMobileVoiceAccess": ("enablemobilevoice", "b"), "maxDeskPickupWaitTime": ("maxdeskpickupwaittime", "i"),
    "remoteDestinationLimit": ("remotedestinationlimit", "i"), "enableEmcc": ("enableemcc", "b"),
    "homeCluster": ("islocaluser", "b"), "imAndPresenceEnable": ("enablecups", "b"),
    "directoryUri": ("directoryuri", "s"), "telephoneNumber": ("telephonenumber", "s"), "title": ("title", "s"),
    "mobileNumber": ("mobile", "s"), "homeNumber": ("homephone", "s"), "pagerNumber": ("pager", "s"),
    "selfService": ("keypadenteredalternateidentifier", "n"), "calendarPresence": ("enablecalendarpresence", "b"),
    "userIdentity": ("discoveryuseridentity", "s"),
    "enableUserToHostConferenceNow": ("enableusertohostconferencenow", "b"),
    "attendeesAccessCode": ("conferencenowaccesscode", "s"), "nameDialing": ("namedialing", "s"),
}
DB_DEFAULTS = {"allowcticontrolflag": "t", "islocaluser": "t", "maxdeskpickupwaittime": 10000,
               "remotedestinationlimit": 4}
# AXL field: (enduser column, table, thing named in 5007 faults, extra condition on the table)
FKS = {
    "presenceGroupName": ("fkmatrix_presence", "matrix", "Presence Group", "tkmatrix = 1"),
    "subscribeCallingSearchSpaceName": ("fkcallingsearchspace_restrict", "callingsearchspace", "Calling Search Space", None),
    "serviceProfile": ("fkucserviceprofile", "ucserviceprofile", "Service Profile", None),
    "userProfile": ("fkucuserprofile", "ucuserprofile", "User Profile", None),
}
# Fields LDAP synchronisation owns (AXL field -> enduser column); newUserid renames userid.
LDAP_OWNED = {"newUserid": "userid", "firstName": "firstname", "middleName": "middlename", "lastName": "lastname",
              "displayName": "displayname", "mailid": "mailid", "telephoneNumber": "telephonenumber",
              "mobileNumber": "mobile", "homeNumber": "homephone", "pagerNumber": "pager", "department": "department",
              "title": "title", "manager": "manager", "directoryUri": "directoryuri"}
# Not modelled: the only value accepted on input (what getUser returns).
UNMODELLED = {"patternPrecedence": "Default", "numericUserId": "", "mlppPassword": "",
              "customUserFields": "", "lineAppearanceAssociationForPresences": "", "extensionsInfo": "",
              "addExtensionsInfo": "", "removeExtensionsInfo": "", "associatedHeadsets": "",
              "addAssociatedHeadsets": "", "removeAssociatedHeadsets": "", "ipccExtension": "",
              "ipccRoutePartition": "", "convertUserAccount": ("", "Local")}
CRED_FLAGS = {"UserCantChange": "cantchange", "UserMustChange": "credmustchange", "DoesNotExpire": "doesntexpire"}


# ------------------------------------------------------------------ small helpers (also used by groups.py)
def unmarshal(message):
    """A schema-level refusal: soapenv:Client, no axlError (as CUCM's unmarshalling errors)."""
    return soap.AxlFault(None, "Unmarshalling Error: " + message, "soapenv:Client")


def invalid(message):
    return soap.AxlFault(INVALID, message)


def kids(element):
    return [c for c in element if isinstance(c.tag, str)] if element is not None else []


def local(element):
    return element.tag.rsplit("}", 1)[-1]


def text(element):
    return (element.text or "").strip() if element is not None else None


def check_children(element, allowed, where):
    for child in kids(element):
        if local(child) not in allowed:
            raise unmarshal(f"cvc-complex-type.2.4.a: Invalid content was found starting with element "
                            f"'{local(child)}' in element '{where}'.")


def require(element, name, where):
    node = soap.find(element, name) if element is not None else None
    if node is None:
        raise unmarshal(f"cvc-complex-type.2.4.b: The content of element '{where}' is not complete. "
                        f"One of '{{{name}}}' is expected.")
    return node


def fk_of(element):
    """``(name, pkid)`` of an XFkType element (either may be None/empty)."""
    if element is None:
        return None, None
    uid = element.get("uuid")
    return text(element), soap.unbraced(uid) if uid else None


def resolve(conn, table, thing, name, pkid=None, where=None, column="name", nocase=False):
    """pkid of a referenced row, by uuid when given, else by name; 5007 when it does not exist.
    ``nocase``: a name matches whatever its case (an exact match first)."""
    cond = f" AND {where}" if where else ""
    if pkid:
        row = conn.execute(f"SELECT pkid FROM {table} WHERE pkid = ?{cond}", (pkid,)).fetchone()
    elif nocase:
        row = conn.execute(f"SELECT pkid FROM {table} WHERE lower({column}) = lower(?){cond} "
                           f"ORDER BY {column} = ? DESC LIMIT 1", (name, name)).fetchone()
    else:
        row = conn.execute(f"SELECT pkid FROM {table} WHERE {column} = ?{cond}", (name,)).fetchone()
    if row is None:
        raise not_found(f"{thing} {name or soap.braced(pkid)}")
    return row[0]


def target(req, table, key, thing, column):
    """The pkid of the object a get/update/remove names by ``key`` (userid/name) or ``uuid``."""
    uid = req.find("uuid")
    if uid is not None and text(uid):
        row = req.conn.execute(f"SELECT pkid FROM {table} WHERE pkid = ?", (soap.unbraced(text(uid)),)).fetchone()
    else:
        node = req.find(key)
        if node is None:
            raise unmarshal(f"cvc-complex-type.2.4.b: The content of element '{req.operation}' is not complete. "
                            f"One of '{{{key}, uuid}}' is expected.")
        row = req.conn.execute(f"SELECT pkid FROM {table} WHERE {column} = ?", (text(node),)).fetchone()
    if row is None:
        raise not_found(thing)
    return row[0]


def search(req, criteria, fields):
    """SQL WHERE clause and parameters of a list request's searchCriteria (LIKE, case-insensitive)."""
    node = req.find("searchCriteria")
    if node is None:
        raise unmarshal(f"cvc-complex-type.2.4.a: The content of element '{req.operation}' is not complete. "
                        "One of '{searchCriteria}' is expected.")
    check_children(node, fields, "searchCriteria")
    given = [(local(c), c.text or "") for c in kids(node)]
    if not given:
        raise invalid("At least one element under searchCriteria has to be mentioned")
    if req.find("returnedTags") is None:
        raise unmarshal(f"cvc-complex-type.2.4.a: The content of element '{req.operation}' is not complete. "
                        "One of '{returnedTags}' is expected.")
    return (" AND ".join(f"lower({criteria[name]}) LIKE lower(?)" for name, _value in given),
            [value for _name, value in given])


def as_bool(value, field):
    v = value.strip().lower()
    if v in ("t", "true", "1"):
        return "t"
    if v in ("f", "false", "0"):
        return "f"
    raise unmarshal(f"cvc-pattern-valid: Value '{value}' of element '{field}' is not facet-valid with respect "
                    "to pattern '(t)|(f)|(true)|(false)|(0)|(1)' for type 'boolean'.")


def as_int(value, field):
    try:
        return int(value.strip())
    except ValueError:
        raise unmarshal(f"cvc-datatype-valid.1.2.1: '{value}' of element '{field}' is not a valid value "
                        "for 'integer'.") from None


def db(handler):
    """Report SQLite errors of a handler as the AXL fault CUCM gives for the DB error."""
    def wrapped(req):
        try:
            return handler(req)
        except sqlite3.Error as exc:
            raise sql_error(exc) from None
    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def new_pkid():
    return str(uuid.uuid4())


def replace_map(conn, table, owner_col, owner, item_col, wanted, extra="", extra_params=()):
    """Make the rows of ``table`` for ``owner`` (restricted by ``extra``) be exactly ``wanted``
    item pkids: delete the others, insert the missing (rows that stay are untouched)."""
    have = {r[0] for r in conn.execute(f"SELECT {item_col} FROM {table} WHERE {owner_col} = ? {extra}",
                                       (owner, *extra_params))}
    for item in have - set(wanted):
        conn.execute(f"DELETE FROM {table} WHERE {owner_col} = ? AND {item_col} = ? {extra}", (owner, item, *extra_params))
    return [item for item in dict.fromkeys(wanted) if item not in have]


# ------------------------------------------------------------------ reading
_PRIMARY = """,
       (SELECT np.dnorpattern FROM endusernumplanmap pe JOIN numplan np ON np.pkid = pe.fknumplan
         WHERE pe.fkenduser = e.pkid AND pe.tkdnusage = 1 ORDER BY pe.rowid LIMIT 1) AS x_pe_pattern,
       (SELECT rp.name FROM endusernumplanmap pe JOIN numplan np ON np.pkid = pe.fknumplan
         LEFT JOIN routepartition rp ON rp.pkid = np.fkroutepartition
         WHERE pe.fkenduser = e.pkid AND pe.tkdnusage = 1 ORDER BY pe.rowid LIMIT 1) AS x_pe_partition"""
_SELECT = """
SELECT e.*, loc.name AS x_locale, m.name AS x_presence, css.name AS x_css, sp.name AS x_sp, up.name AS x_up,
       dpc.name AS x_ldap{primary}
  FROM enduser e
  LEFT JOIN typeuserlocale loc ON loc.enum = e.tkuserlocale
  LEFT JOIN matrix m ON m.pkid = e.fkmatrix_presence
  LEFT JOIN callingsearchspace css ON css.pkid = e.fkcallingsearchspace_restrict
  LEFT JOIN ucserviceprofile sp ON sp.pkid = e.fkucserviceprofile
  LEFT JOIN ucuserprofile up ON up.pkid = e.fkucuserprofile
  LEFT JOIN directorypluginconfig dpc ON dpc.pkid = e.fkdirectorypluginconfig
 WHERE """


def _rows(conn, where, params=(), tail="", primary=True):
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute(_SELECT.format(primary=_PRIMARY if primary else "") + where + " " + tail, params).fetchall()


def _scalar_getter(col, kind):
    return (lambda r: r[col] == "t") if kind == "b" else (lambda r: r[col])


def _ldap_type(r):
    return "LDAP" if r["fkdirectorypluginconfig"] else "Local"


# How each field that is a column (or a single lookup) of the user reads from a _rows() row: all of LUser.
GETTERS = {axl: _scalar_getter(col, kind) for axl, (col, kind) in SCALARS.items()}
GETTERS.update({
    "userid": lambda r: r["userid"], "userLocale": lambda r: r["x_locale"], "status": lambda r: r["status"],
    "primaryExtension": lambda r: {"pattern": r["x_pe_pattern"], "routePartitionName": r["x_pe_partition"]}
    if r["x_pe_pattern"] is not None else None,
    "presenceGroupName": lambda r: soap.Fk(r["x_presence"], r["fkmatrix_presence"]),
    "subscribeCallingSearchSpaceName": lambda r: soap.Fk(r["x_css"], r["fkcallingsearchspace_restrict"]),
    "serviceProfile": lambda r: soap.Fk(r["x_sp"], r["fkucserviceprofile"]),
    "userProfile": lambda r: soap.Fk(r["x_up"], r["fkucuserprofile"]),
    "ldapDirectoryName": lambda r: soap.Fk(r["x_ldap"], r["fkdirectorypluginconfig"]),
    "patternPrecedence": lambda r: UNMODELLED["patternPrecedence"], "numericUserId": lambda r: None,
    "customerName": lambda r: None, "accountType": _ldap_type, "authenticationType": _ldap_type,
})


def _stamp(epoch):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch)) if epoch else None


def _credentials(conn, pkid, tk, prefix):
    row = conn.execute("SELECT cantchange, credmustchange, doesntexpire, timechanged, timeadminlockout FROM credential "
                       "WHERE fkenduser = ? AND tkcredential = ? ORDER BY rowid LIMIT 1", (pkid, tk)).fetchone()
    cant, must, never, changed, lockout = row if row else ("f", "f", "f", 0, None)
    value = {f"{prefix}CredPolicyName": None, f"{prefix}CredUserCantChange": cant == "t",
             f"{prefix}CredUserMustChange": must == "t", f"{prefix}CredDoesNotExpire": never == "t"}
    if prefix == "pwd":   # pinCredTimeChanged is typed boolean in Cisco's XSD: not a time, so left out
        value["pwdCredTimeChanged"] = _stamp(changed)
    value.update({f"{prefix}CredTimeAdminLockout": _stamp(lockout), f"{prefix}CredLockedByAdministrator": lockout is not None,
                  f"{prefix}ResetHackCount": False})
    return value


def _devices(conn, pkid, tk, fk):
    rows = conn.execute("SELECT d.name, d.pkid FROM enduserdevicemap m JOIN device d ON d.pkid = m.fkdevice "
                        "WHERE m.fkenduser = ? AND m.tkuserassociation = ? ORDER BY d.name", (pkid, tk)).fetchall()
    return [soap.Fk(n, p) if fk else n for n, p in rows]


def _groups(conn, pkid):
    groups = conn.execute("SELECT g.pkid, g.name FROM enduserdirgroupmap m JOIN dirgroup g ON g.pkid = m.fkdirgroup "
                          "WHERE m.fkenduser = ? ORDER BY g.name", (pkid,)).fetchall()
    out = []
    for gpk, name in groups:
        roles = [r[0] for r in conn.execute(
            "SELECT f.name FROM functionroledirgroupmap m JOIN functionrole f ON f.pkid = m.fkfunctionrole "
            "WHERE m.fkdirgroup = ? ORDER BY f.name", (gpk,))]
        out.append({"name": name, "userRoles": {"userRole": roles}})
    return out


def directory_of(r, local="local"):
    """ldapDirectoryName of an enduser row: its directory, or (a local user) ``Local`` or empty."""
    if r["fkdirectorypluginconfig"]:
        return soap.Fk(r["x_ldap"], r["fkdirectorypluginconfig"])
    return LOCAL_DIRECTORY if local == "local" else None


def user_value(conn, r, version, local="local"):
    """The RUser of one enduser row, in the XSD order of ``version`` (secrets as empty elements;
    ``local``: --compat ldap-directory-name)."""
    pkid = r["pkid"]
    value = {field: get(r) for field, get in GETTERS.items()}
    default = conn.execute("SELECT d.name, d.pkid FROM enduserdevicemap m JOIN device d ON d.pkid = m.fkdevice "
                           "WHERE m.fkenduser = ? AND m.tkuserassociation = ? AND m.defaultprofile = 't' "
                           "ORDER BY d.name LIMIT 1", (pkid, PROFILE)).fetchone()
    value.update({
        "associatedDevices": {"device": _devices(conn, pkid, CONTROLLED, False)},
        "associatedGroups": {"userGroup": _groups(conn, pkid)},
        "phoneProfiles": {"profileName": _devices(conn, pkid, PROFILE, True)},
        "defaultProfile": soap.Fk(*default) if default else None,
        "ctiControlledDeviceProfiles": {"profileName": _devices(conn, pkid, CTI_PROFILE, True)},
        "associatedRemoteDestinationProfiles": None, "associatedTodAccess": None, "associatedCapfProfiles": None,
        "passwordCredentials": _credentials(conn, pkid, PASSWORD, "pwd"),
        "pinCredentials": _credentials(conn, pkid, PIN, "pin"),
        "customUserFields": None, "lineAppearanceAssociationForPresences": None, "extensionsInfo": None,
        "ipccExtension": None, "ipccRoutePartition": None,
        "convertUserAccount": LOCAL_DIRECTORY if local == "local" and not r["fkdirectorypluginconfig"] else None,
        "ldapDirectoryName": directory_of(r, local),
        "zeroHop": False, "associatedHeadsets": None,
    })
    value.update(dict.fromkeys(SECRETS, ""))
    ordered = {k: value[k] for k in R_ORDER if k in value}
    ordered["@uuid"] = soap.braced(pkid)
    return for_version(ordered, version, ADDED, REMOVED)


def list_fields(version, tags):
    """The LUser fields of ``version`` that ``returnedTags`` asks for, in XSD order."""
    wanted = {local(c) for c in kids(tags)}
    fields = for_version(dict.fromkeys(L_ORDER), version, ADDED, L_REMOVED)
    return [f for f in fields if f in wanted and f not in SECRETS]


# ------------------------------------------------------------------ writing
def _fields(version, update):
    """Element names XUser (add) / UpdateUserReq (update) allow in ``version``."""
    names = [f for f in R_ORDER if f not in READ_ONLY]
    names = list(for_version(dict.fromkeys(names), version, ADDED, REMOVED))
    if update:
        names += ["uuid", "newUserid", "addExtensionsInfo", "removeExtensionsInfo", "addAssociatedHeadsets",
                  "removeAssociatedHeadsets"]
    return set(names)


def _scalar_changes(element, version):
    """enduser column -> new value for the scalar elements present in the request."""
    changes = {}
    allowed = _fields(version, True)
    for axl, (col, kind) in SCALARS.items():
        node = soap.find(element, axl)
        if node is None or axl not in allowed:
            continue
        raw = node.text or ""
        if kind in ("s",):
            changes[col] = raw
        elif kind == "n":
            changes[col] = raw or None
        elif raw.strip() == "":
            changes[col] = None if kind == "ni" else DB_DEFAULTS.get(col, "f" if kind == "b" else None)
        elif kind == "b":
            changes[col] = as_bool(raw, axl)
        else:
            changes[col] = as_int(raw, axl)
    node = soap.find(element, "userLocale")
    if node is not None:
        changes["tkuserlocale"] = text(node) or None   # resolved to the enum in _resolve_fks
    return changes


def _resolve_fks(conn, element, changes, nocase=False):
    if changes.get("tkuserlocale"):
        row = conn.execute("SELECT enum FROM typeuserlocale WHERE name = ?", (changes["tkuserlocale"],)).fetchone()
        if row is None:
            raise not_found(f"User Locale {changes['tkuserlocale']}")
        changes["tkuserlocale"] = row[0]
    for axl, (col, table, thing, where) in FKS.items():
        node = soap.find(element, axl)
        if node is None:
            continue
        name, pkid = fk_of(node)
        changes[col] = resolve(conn, table, thing, name, pkid, where, nocase=nocase) if (name or pkid) else None


def _check_unmodelled(element, version):
    for axl, accepted in UNMODELLED.items():
        node = soap.find(element, axl)
        if node is None or axl not in _fields(version, True):
            continue
        if len(kids(node)) or (text(node) or "") not in ("",) + (accepted if isinstance(accepted, tuple) else (accepted,)):
            raise invalid(f"cucm-axl-sim does not model {axl}: only the value getUser returns "
                          f"({'/'.join(accepted) if isinstance(accepted, tuple) else accepted or 'empty'}) is accepted")
    node = soap.find(element, "customerName")
    if node is not None and "customerName" in _fields(version, True):
        name, pkid = fk_of(node)
        if name or pkid:
            raise not_found(f"Customer {name or soap.braced(pkid)}")


def _check_directory_markers(conn, element, version, current_ldap):
    """ldapDirectoryName / accountType / authenticationType are set by LDAP sync, not by AXL."""
    node = soap.find(element, "ldapDirectoryName")
    if node is not None:
        name, pkid = fk_of(node)
        if (name, pkid) in (("Local", None), ("Local", LOCAL_DIRECTORY.uuid), ("", LOCAL_DIRECTORY.uuid),
                            (None, LOCAL_DIRECTORY.uuid)):
            name = pkid = None    # what getUser shows for a local user, sent back
        wanted = resolve(conn, "directorypluginconfig", "LDAP Directory", name, pkid) if (name or pkid) else None
        if wanted != current_ldap:
            raise invalid("ldapDirectoryName is set by LDAP directory synchronisation and cannot be changed "
                          "through AXL")
    current = "LDAP" if current_ldap else "Local"
    for axl in ("accountType", "authenticationType"):
        node = soap.find(element, axl)
        if node is not None and axl in _fields(version, True) and text(node) and text(node) != current:
            raise invalid(f"{axl} is set by LDAP directory synchronisation and cannot be changed through AXL "
                          f"(the user is {current})")


def _set_secret(conn, user_pk, tk, value, what):
    if value == "":
        return      # what getUser returns (an empty element), sent back: no change
    if tk == PIN and not value.isdigit():
        raise invalid("The PIN must contain digits only")
    digest = seed.credential_digest(user_pk, value)
    now = int(time.time())
    cur = conn.execute("UPDATE credential SET credentials = ?, timechanged = ? WHERE fkenduser = ? AND tkcredential = ?",
                       (digest, now, user_pk, tk))
    if cur.rowcount == 0:
        conn.execute("INSERT INTO credential (pkid, fkenduser, tkcredential, credentials, timechanged) "
                     "VALUES (?, ?, ?, ?, ?)", (new_pkid(), user_pk, tk, digest, now))


def _credential_flags(conn, element, user_pk):
    for tag, tk, prefix in (("passwordCredentials", PASSWORD, "pwd"), ("pinCredentials", PIN, "pin")):
        node = soap.find(element, tag)
        if node is None:
            continue
        sets = {}
        for suffix, col in CRED_FLAGS.items():
            flag = soap.find(node, f"{prefix}Cred{suffix}")
            if flag is not None and text(flag):
                sets[col] = as_bool(flag.text, f"{prefix}Cred{suffix}")
        lock = soap.find(node, f"{prefix}CredLockedByAdministrator")
        if lock is not None and text(lock):
            locked = as_bool(lock.text, f"{prefix}CredLockedByAdministrator") == "t"
            sets["timeadminlockout"] = int(time.time()) if locked else None
        policy = soap.find(node, f"{prefix}CredPolicyName")
        if policy is not None and any(fk_of(policy)):
            raise invalid(f"cucm-axl-sim does not model credential policies ({prefix}CredPolicyName)")
        if sets:   # the hack count and the time stamps are the system's: accepted, not stored
            conn.execute(f"UPDATE credential SET {', '.join(c + ' = ?' for c in sets)} "
                         "WHERE fkenduser = ? AND tkcredential = ?", (*sets.values(), user_pk, tk))


def _device_list(conn, element, wrapper, item, profiles):
    """pkids of the devices (or device profiles) a list element names, in order, de-duplicated."""
    node = soap.find(element, wrapper)
    if node is None:
        return None
    out = []
    thing, cond = ("Device Profile", f"tkclass = {PROFILE_CLASS}") if profiles else ("Device", f"tkclass <> {PROFILE_CLASS}")
    for child in soap.children(node, item):
        name, pkid = fk_of(child)
        out.append(resolve(conn, "device", thing, name, pkid, cond))
    return list(dict.fromkeys(out))


def _apply_lists(conn, element, user_pk, is_add):
    for wrapper, item, tk, profiles in (("associatedDevices", "device", CONTROLLED, False),
                                        ("phoneProfiles", "profileName", PROFILE, True),
                                        ("ctiControlledDeviceProfiles", "profileName", CTI_PROFILE, True)):
        wanted = _device_list(conn, element, wrapper, item, profiles)
        if wanted is None:
            continue
        for dev in replace_map(conn, "enduserdevicemap", "fkenduser", user_pk, "fkdevice", wanted,
                               "AND tkuserassociation = ?", (tk,)):
            conn.execute("INSERT INTO enduserdevicemap (pkid, fkenduser, fkdevice, tkuserassociation) VALUES (?, ?, ?, ?)",
                         (new_pkid(), user_pk, dev, tk))

    node = soap.find(element, "defaultProfile")
    if node is not None:
        name, pkid = fk_of(node)
        conn.execute("UPDATE enduserdevicemap SET defaultprofile = 'f' WHERE fkenduser = ? AND tkuserassociation = ?",
                     (user_pk, PROFILE))
        if name or pkid:
            dev = resolve(conn, "device", "Device Profile", name, pkid, f"tkclass = {PROFILE_CLASS}")
            cur = conn.execute("UPDATE enduserdevicemap SET defaultprofile = 't' WHERE fkenduser = ? AND fkdevice = ? "
                               "AND tkuserassociation = ?", (user_pk, dev, PROFILE))
            if cur.rowcount == 0:
                raise invalid(f"The default profile {name or soap.braced(pkid)} must be one of the user's phoneProfiles")

    node = soap.find(element, "associatedGroups")
    if node is not None:
        wanted = [resolve(conn, "dirgroup", "User Group", text(soap.find(g, "name")) or "")
                  for g in soap.children(node, "userGroup")]
    elif is_add:
        wanted = [r[0] for r in conn.execute("SELECT pkid FROM dirgroup WHERE name = ?", (STANDARD_END_USERS,))]
    else:
        wanted = None
    if wanted is not None:
        for group in replace_map(conn, "enduserdirgroupmap", "fkenduser", user_pk, "fkdirgroup", wanted):
            conn.execute("INSERT INTO enduserdirgroupmap (pkid, fkenduser, fkdirgroup) VALUES (?, ?, ?)",
                         (new_pkid(), user_pk, group))

    node = soap.find(element, "primaryExtension")
    if node is not None:
        pattern = text(soap.find(node, "pattern")) or ""
        partition = text(soap.find(node, "routePartitionName")) or ""
        conn.execute("DELETE FROM endusernumplanmap WHERE fkenduser = ? AND tkdnusage = ?", (user_pk, PRIMARY))
        if pattern:
            part_pk = resolve(conn, "routepartition", "Route Partition", partition) if partition else None
            row = conn.execute("SELECT pkid FROM numplan WHERE dnorpattern = ? AND fkroutepartition IS ?",
                               (pattern, part_pk)).fetchone()
            if row is None:
                raise not_found(f"Directory Number {pattern}" + (f" in partition {partition}" if partition else ""))
            on_device = conn.execute(
                "SELECT 1 FROM devicenumplanmap dn JOIN enduserdevicemap m ON m.fkdevice = dn.fkdevice "
                "WHERE dn.fknumplan = ? AND m.fkenduser = ? AND m.tkuserassociation = ? LIMIT 1",
                (row[0], user_pk, CONTROLLED)).fetchone()
            if on_device is None:
                raise invalid("Only DNs associated with the associatedDevices of the User can be used as primary "
                              f"extension ({pattern}" + (f" in {partition}" if partition else "") + " is not)")
            conn.execute("INSERT INTO endusernumplanmap (pkid, fkenduser, fknumplan, tkdnusage) VALUES (?, ?, ?, ?)",
                         (new_pkid(), user_pk, row[0], PRIMARY))


def _ldap_sync_enabled(conn):
    row = conn.execute("SELECT syncenabled FROM ldapsystemconfig LIMIT 1").fetchone()
    return row is not None and row[0] == "t"


def _ldap_refusal(conn, element, current, changes):
    """The fault for an update of an LDAP-synchronised user that touches what the directory owns."""
    if current["fkdirectorypluginconfig"] is None or not _ldap_sync_enabled(conn):
        return None
    new = dict(changes)
    node = soap.find(element, "newUserid")
    if node is not None:
        new["userid"] = node.text or ""
    offending = [axl for axl, col in LDAP_OWNED.items()
                 if col in new and soap.find(element, axl) is not None and (new[col] or "") != (current[col] or "")]
    who = current["userid"]
    if offending:
        return soap.AxlFault(LDAP_FAULT, f"Cannot modify {', '.join(offending)} of user {who}: the user is "
                                         "synchronised from the corporate directory (LDAP) and these fields are "
                                         "owned by the directory while synchronisation is enabled.")
    if soap.find(element, "password") is not None:
        return soap.AxlFault(LDAP_FAULT, f"Cannot set the password of user {who}: the user is synchronised from the "
                                         "corporate directory (LDAP) and authenticates against it.")
    return None


# ------------------------------------------------------------------ operations
@operation("addUser", write=True)
@db
def add_user(req):
    conn, version = req.conn, req.version
    user = require(req.element, "user", "addUser")
    check_children(user, _fields(version, False), "user")
    for name in ("lastName", "userid"):
        require(user, name, "user")
    _check_unmodelled(user, version)
    _check_directory_markers(conn, user, version, None)
    changes = _scalar_changes(user, version)
    _resolve_fks(conn, user, changes, req.compat("fk-name-case") == "insensitive")
    if changes.get("fkmatrix_presence", "") is None:
        del changes["fkmatrix_presence"]    # nil or empty: the column default (the Standard Presence group)
    pkid = new_pkid()
    changes = {"pkid": pkid, "userid": soap.find(user, "userid").text or "", **changes}
    digest = soap.find(user, "digestCredentials")
    if digest is not None and text(digest):
        changes["passwordreverse"] = seed.credential_digest(pkid, digest.text)
    conn.execute(f"INSERT INTO enduser ({', '.join(changes)}) VALUES ({', '.join('?' * len(changes))})",
                 tuple(changes.values()))
    # RI-397: the password and PIN credential rows exist from the start.
    conn.executemany("INSERT INTO credential (pkid, fkenduser, tkcredential) VALUES (?, ?, ?)",
                     [(new_pkid(), pkid, PASSWORD), (new_pkid(), pkid, PIN)])
    for tag, tk in (("password", PASSWORD), ("pin", PIN)):
        node = soap.find(user, tag)
        if node is not None:
            _set_secret(conn, pkid, tk, node.text or "", tag)
    _apply_lists(conn, user, pkid, True)
    return soap.braced(pkid)


@operation("getUser")
def get_user(req):
    pkid = target(req, "enduser", "userid", "User", "userid")
    row = _rows(req.conn, "e.pkid = ?", (pkid,))[0]
    value = user_value(req.conn, row, req.version, req.compat("ldap-directory-name"))
    return {"user": soap.select(value, req.find("returnedTags"))}


@operation("updateUser", write=True)
@db
def update_user(req):
    conn, version, element = req.conn, req.version, req.element
    check_children(element, _fields(version, True) | {"userid"}, "updateUser")
    pkid = target(req, "enduser", "userid", "User", "userid")
    current = _rows(conn, "e.pkid = ?", (pkid,))[0]
    _check_unmodelled(element, version)
    changes = _scalar_changes(element, version)
    refusal = _ldap_refusal(conn, element, current, changes)
    if refusal is not None:
        raise refusal
    _check_directory_markers(conn, element, version, current["fkdirectorypluginconfig"])
    _resolve_fks(conn, element, changes, req.compat("fk-name-case") == "insensitive")
    node = soap.find(element, "newUserid")
    if node is not None:
        changes["userid"] = node.text or ""
    node = soap.find(element, "digestCredentials")
    if node is not None:
        if text(node):     # empty: what getUser shows, sent back (no change)
            changes["passwordreverse"] = seed.credential_digest(pkid, node.text)
    changes = {col: v for col, v in changes.items() if v != current[col]}
    if changes:
        conn.execute(f"UPDATE enduser SET {', '.join(c + ' = ?' for c in changes)} WHERE pkid = ?",
                     (*changes.values(), pkid))
    for tag, tk in (("password", PASSWORD), ("pin", PIN)):
        node = soap.find(element, tag)
        if node is not None:
            _set_secret(conn, pkid, tk, node.text or "", tag)
    _credential_flags(conn, element, pkid)
    _apply_lists(conn, element, pkid, False)
    return soap.braced(pkid)


@operation("removeUser", write=True)
@db
def remove_user(req):
    pkid = target(req, "enduser", "userid", "User", "userid")
    req.conn.execute("DELETE FROM enduser WHERE pkid = ?", (pkid,))
    return soap.braced(pkid)


@operation("listUser", listing=True)
def list_user(req):
    criteria = {f for f in SEARCH if f != "customerName" or req.at_least("12.5")}
    where, params = search(req, SEARCH, criteria)
    limit, offset = page(req)
    tags = req.find("returnedTags")
    fields = list_fields(req.version, tags)
    rows = _rows(req.conn, where, (*params, limit, offset), "ORDER BY e.userid LIMIT ? OFFSET ?",
                 primary="primaryExtension" in fields)
    nested = {local(c): c for c in kids(tags) if len(c)}    # e.g. primaryExtension/pattern
    out = []
    for r in rows:
        value = {f: GETTERS[f](r) for f in fields}
        if "ldapDirectoryName" in value:
            value["ldapDirectoryName"] = directory_of(r, req.compat("ldap-directory-name"))
        for f, spec in nested.items():
            if f in value:
                value[f] = soap.select(value[f], spec)
        value["@uuid"] = soap.braced(r["pkid"])
        out.append(value)
    return {"user": out}
