"""SQLite schema of the simulated CUCM database.

Tables and columns are named and typed after Cisco's CUCM 12.5(1) Data Dictionary, so that AXL
operations and ``executeSQLQuery``/``executeSQLUpdate`` see one truth.  Only the tables the
simulated operations touch are present, each with the dictionary's columns that matter to them.

Conventions (as CUCM's Informix database shows them through AXL SQL):
- ``pkid`` columns are GUIDs stored as 36-character lowercase text without braces; the default is
  a new random GUID, built from SQLite built-ins so any connection (a test's independent reader,
  too) can insert rows.
- ``bool`` columns are TEXT ``'t'``/``'f'``.
- ``tk*`` columns reference the ``enum`` of a ``type*`` table; ``fk*`` columns reference a pkid,
  with ``ON DELETE CASCADE`` where the dictionary says "Cascade Delete".
- Database rules (the dictionary's RI-/RFI- rules) are triggers that ``RAISE(ABORT, '<message>')``
  with the dictionary's error message; the SQL layer reports them as Informix error -746.
  Uniqueness is enforced by UNIQUE indexes (error -239), as in CUCM.
"""

NEWID = (
    "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))"
)


def _bool(name, default):
    return f"{name} TEXT NOT NULL DEFAULT '{'t' if default else 'f'}' CHECK ({name} IN ('t', 'f'))"


PK = f"pkid TEXT PRIMARY KEY NOT NULL DEFAULT {NEWID}"

# device.fkcommonphoneconfig's default in the dictionary: the "Standard Common Phone Profile".
STANDARD_COMMON_PHONE_PROFILE = "ac243d17-98b4-4118-8feb-5ff2e1b781ac"
# enduser.fkmatrix_presence's default in the dictionary: the "Standard Presence group".
STANDARD_PRESENCE_GROUP = "ad243d17-98b4-4118-8feb-5ff2e1b781ac"

DDL = f"""
-- ---------------------------------------------------------------- enumerations (install data)
CREATE TABLE typeapplication (
    enum INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    moniker TEXT NOT NULL DEFAULT '',
    vroot TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX typeapplication_name ON typeapplication (name);
CREATE TABLE typeresource (
    enum INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    moniker TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL DEFAULT '',
    tkapplication INTEGER REFERENCES typeapplication(enum),
    iktyperesource_parent INTEGER REFERENCES typeresource(enum) ON DELETE CASCADE,
    tkinputguiwidget INTEGER
);
CREATE UNIQUE INDEX typeresource_moniker ON typeresource (moniker);
CREATE TABLE typebitpos (
    enum INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    moniker TEXT NOT NULL DEFAULT ''
);
CREATE TABLE typeresourceaction (
    enum INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    moniker TEXT NOT NULL DEFAULT '',
    tkresource INTEGER NOT NULL REFERENCES typeresource(enum),
    tkbitpos INTEGER NOT NULL REFERENCES typebitpos(enum)
);
CREATE UNIQUE INDEX typeresourceaction_moniker_tkresource ON typeresourceaction (moniker, tkresource);
CREATE UNIQUE INDEX typeresourceaction_tkbitpos_tkresource ON typeresourceaction (tkbitpos, tkresource);
CREATE TABLE typeclass (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE TABLE typemodel (
    enum INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    moniker TEXT NOT NULL DEFAULT '',
    tkclass INTEGER NOT NULL REFERENCES typeclass(enum),
    supportsservices TEXT NOT NULL DEFAULT 't'   -- simulator-only: the model supports IP phone services
);
CREATE TABLE typeproduct (
    enum INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    moniker TEXT NOT NULL DEFAULT '',
    tkmodel INTEGER NOT NULL REFERENCES typemodel(enum)
);
CREATE TABLE typedeviceprotocol (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE TABLE typedeviceprofile (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE TABLE typeuserassociation (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX typeuserassociation_name ON typeuserassociation (name);
CREATE TABLE typednusage (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE TABLE typeuserlocale (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE TABLE typecredential (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE TABLE typematrix (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE TABLE typephoneservice (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE TABLE typephoneservicecategory (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE TABLE typepatternusage (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');

-- ---------------------------------------------------------------- dial plan and device settings
CREATE TABLE routepartition (
    {PK},
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    description TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX routepartition_name ON routepartition (name);
CREATE TABLE callingsearchspace (
    {PK},
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    description TEXT NOT NULL DEFAULT '',
    clause TEXT
);
CREATE UNIQUE INDEX callingsearchspace_name ON callingsearchspace (name);
CREATE TABLE voicemessagingprofile (
    {PK},
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    description TEXT NOT NULL DEFAULT '',
    {_bool('isdefault', False)}
);
CREATE UNIQUE INDEX voicemessagingprofile_name ON voicemessagingprofile (name);
CREATE TABLE devicepool (
    {PK},
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50)
);
CREATE UNIQUE INDEX devicepool_name ON devicepool (name);
CREATE TABLE location (
    {PK},
    name TEXT NOT NULL
);
CREATE UNIQUE INDEX location_name ON location (name);
CREATE TABLE matrix (               -- presence groups are matrix rows (enduser.fkmatrix_presence)
    {PK},
    name TEXT NOT NULL,
    description TEXT DEFAULT '',
    tkmatrix INTEGER NOT NULL REFERENCES typematrix(enum),
    {_bool('isstandard', False)}
);
CREATE UNIQUE INDEX matrix_name_tkmatrix ON matrix (name, tkmatrix);
CREATE TABLE ucserviceprofile (
    {PK},
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    {_bool('isdefault', False)}
);
CREATE UNIQUE INDEX ucserviceprofile_name ON ucserviceprofile (name);
CREATE TABLE ucuserprofile (        -- "User Profile" of an end user (universal device/line templates)
    {PK},
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    {_bool('isdefault', False)}
);
CREATE UNIQUE INDEX ucuserprofile_name ON ucuserprofile (name);
CREATE TABLE directorypluginconfig (   -- an LDAP directory synchronisation agreement
    {PK},
    name TEXT NOT NULL CHECK (length(name) <= 40),
    ldapdn TEXT NOT NULL DEFAULT '',
    ldapsynchronizationbase TEXT NOT NULL DEFAULT '',
    {_bool('syncgroups', False)}
);
CREATE UNIQUE INDEX directorypluginconfig_name ON directorypluginconfig (name);
CREATE TABLE ldapsystemconfig (
    {PK},
    {_bool('syncenabled', True)}
);

-- ---------------------------------------------------------------- users and access control
CREATE TABLE enduser (
    {PK},
    userid TEXT NOT NULL CHECK (length(CAST(userid AS BLOB)) BETWEEN 1 AND 128),
    firstname TEXT NOT NULL DEFAULT '',
    middlename TEXT NOT NULL DEFAULT '' CHECK (length(middlename) <= 64),
    lastname TEXT NOT NULL CHECK (length(lastname) >= 1),
    displayname TEXT NOT NULL DEFAULT '' CHECK (length(displayname) <= 132),
    mailid TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    manager TEXT NOT NULL DEFAULT '' CHECK (length(manager) <= 255),
    telephonenumber TEXT NOT NULL DEFAULT '' CHECK (length(telephonenumber) <= 64),
    mobile TEXT NOT NULL DEFAULT '' CHECK (length(mobile) <= 64),
    homephone TEXT NOT NULL DEFAULT '' CHECK (length(homephone) <= 64),
    pager TEXT NOT NULL DEFAULT '' CHECK (length(pager) <= 64),
    facsimiletelephonenumber TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 64),
    building TEXT NOT NULL DEFAULT '',
    site TEXT NOT NULL DEFAULT '',
    nickname TEXT NOT NULL DEFAULT '',
    directoryuri TEXT DEFAULT '' CHECK (directoryuri IS NULL OR length(directoryuri) <= 254),
    assocpc TEXT NOT NULL DEFAULT '' CHECK (length(assocpc) <= 50),
    tkuserlocale INTEGER REFERENCES typeuserlocale(enum),
    fkmatrix_presence TEXT NOT NULL DEFAULT '{STANDARD_PRESENCE_GROUP}' REFERENCES matrix(pkid),
    fkcallingsearchspace_restrict TEXT REFERENCES callingsearchspace(pkid),
    fkucserviceprofile TEXT REFERENCES ucserviceprofile(pkid),
    fkucuserprofile TEXT REFERENCES ucuserprofile(pkid),
    fkdirectorypluginconfig TEXT REFERENCES directorypluginconfig(pkid),
    {_bool('allowcticontrolflag', True)},
    {_bool('enablemobility', False)},
    {_bool('enablemobilevoice', False)},
    {_bool('enableemcc', False)},
    {_bool('enablecups', False)},
    {_bool('enablecalendarpresence', False)},
    {_bool('enableusertohostconferencenow', False)},
    {_bool('islocaluser', True)},
    maxdeskpickupwaittime INTEGER NOT NULL DEFAULT 10000 CHECK (maxdeskpickupwaittime BETWEEN 0 AND 30000),
    remotedestinationlimit INTEGER NOT NULL DEFAULT 4 CHECK (remotedestinationlimit BETWEEN 1 AND 10),
    emmaxlogintime INTEGER CHECK (emmaxlogintime IS NULL OR emmaxlogintime BETWEEN 0 AND 10080),
    conferencenowaccesscode TEXT NOT NULL DEFAULT '',
    keypadenteredalternateidentifier TEXT,
    namedialing TEXT NOT NULL DEFAULT '',   -- simulator-only: AXL nameDialing (its CUCM column is not in DD12.5)
    discoveryuseridentity TEXT NOT NULL DEFAULT '',
    uniqueidentifier TEXT NOT NULL DEFAULT '',
    passwordreverse TEXT,
    status INTEGER NOT NULL DEFAULT 1,
    userrank INTEGER NOT NULL DEFAULT 1 CHECK (userrank BETWEEN 1 AND 10),
    tkuserprofile INTEGER NOT NULL DEFAULT 1,
    deletedtimestamp INTEGER
);
CREATE UNIQUE INDEX enduser_userid ON enduser (userid);
-- MFI-784: "firstname + lastname + mailid is unique"
CREATE UNIQUE INDEX enduser_firstname_lastname_mailid ON enduser (firstname, lastname, mailid);
CREATE INDEX enduser_lastname ON enduser (lastname);
CREATE INDEX enduser_mailid ON enduser (lower(mailid));
CREATE INDEX enduser_directoryuri ON enduser (lower(directoryuri));
CREATE INDEX enduser_discoveryuseridentity ON enduser (lower(discoveryuseridentity));
CREATE INDEX enduser_keypad ON enduser (lower(keypadenteredalternateidentifier));

CREATE TABLE credential (            -- passwords (tkcredential 3) and PINs (4); never stored in clear
    {PK},
    fkenduser TEXT REFERENCES enduser(pkid) ON DELETE CASCADE,
    fkapplicationuser TEXT REFERENCES applicationuser(pkid) ON DELETE CASCADE,
    tkcredential INTEGER NOT NULL DEFAULT 4 REFERENCES typecredential(enum),
    credentials TEXT,
    {_bool('credmustchange', False)},
    {_bool('cantchange', False)},
    {_bool('doesntexpire', False)},
    timechanged INTEGER NOT NULL DEFAULT 0,
    timeadminlockout INTEGER
);
CREATE UNIQUE INDEX credential_fkapplicationuser_fkenduser_tkcredential ON credential (fkapplicationuser, fkenduser, tkcredential);

CREATE TABLE applicationuser (
    {PK},
    name TEXT NOT NULL,
    {_bool('isstandard', False)}
);
CREATE UNIQUE INDEX applicationuser_name ON applicationuser (name);

CREATE TABLE dirgroup (              -- access control group ("User Group" in AXL)
    {PK},
    name TEXT NOT NULL,
    {_bool('isstandard', False)},
    minimumuserrank INTEGER NOT NULL DEFAULT 1 CHECK (minimumuserrank BETWEEN 1 AND 10)
);
CREATE UNIQUE INDEX dirgroup_name ON dirgroup (name);
CREATE TABLE enduserdirgroupmap (
    {PK},
    fkenduser TEXT NOT NULL REFERENCES enduser(pkid) ON DELETE CASCADE,
    fkdirgroup TEXT NOT NULL REFERENCES dirgroup(pkid) ON DELETE CASCADE
);
CREATE UNIQUE INDEX enduserdirgroupmap_fkdirgroup_fkenduser ON enduserdirgroupmap (fkdirgroup, fkenduser);
CREATE INDEX enduserdirgroupmap_user ON enduserdirgroupmap (fkenduser);
CREATE TABLE applicationuserdirgroupmap (
    {PK},
    fkapplicationuser TEXT NOT NULL REFERENCES applicationuser(pkid) ON DELETE CASCADE,
    fkdirgroup TEXT NOT NULL REFERENCES dirgroup(pkid) ON DELETE CASCADE,
    {_bool('isstandard', False)}
);
CREATE UNIQUE INDEX applicationuserdirgroupmap_fkdirgroup_fkapplicationuser ON applicationuserdirgroupmap (fkdirgroup, fkapplicationuser);
CREATE TABLE functionrole (
    {PK},
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    {_bool('isstandard', False)}
);
CREATE UNIQUE INDEX functionrole_name ON functionrole (name);
CREATE TABLE functionroleresourcemap (  -- no uniqueness in CUCM: duplicates are possible
    {PK},
    fkfunctionrole TEXT NOT NULL REFERENCES functionrole(pkid) ON DELETE CASCADE,
    tkresource INTEGER NOT NULL REFERENCES typeresource(enum),
    permission INTEGER NOT NULL
);
CREATE INDEX functionroleresourcemap_role ON functionroleresourcemap (fkfunctionrole);
CREATE TABLE functionroledirgroupmap (
    {PK},
    fkdirgroup TEXT NOT NULL REFERENCES dirgroup(pkid) ON DELETE CASCADE,
    fkfunctionrole TEXT NOT NULL REFERENCES functionrole(pkid) ON DELETE CASCADE
);
CREATE UNIQUE INDEX functionroledirgroupmap_fkfunctionrole_fkdirgroup ON functionroledirgroupmap (fkfunctionrole, fkdirgroup);

-- ---------------------------------------------------------------- devices and lines
CREATE TABLE commonphoneconfig (    -- "Common Phone Profile"; the standard one has a fixed pkid (DD12.5)
    {PK},
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 50),
    description TEXT NOT NULL DEFAULT '',
    {_bool('isstandard', False)}
);
CREATE TABLE phonetemplate (        -- phone button template, one model each (RI-17)
    {PK},
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 50),
    tkmodel INTEGER NOT NULL REFERENCES typemodel(enum),
    tkdeviceprotocol INTEGER NOT NULL DEFAULT 0 REFERENCES typedeviceprotocol(enum),
    numofbuttons INTEGER NOT NULL DEFAULT 0,
    {_bool('usermodifiable', True)}
);
CREATE TABLE softkeytemplate (
    {PK},
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 50),
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE securityprofile (
    {PK},
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 75),
    description TEXT DEFAULT '',
    {_bool('isstandard', False)}
);
CREATE TABLE sipprofile (
    {PK},
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 50),
    description TEXT NOT NULL DEFAULT '',
    {_bool('isstandard', False)}
);
CREATE TABLE device (
    {PK},
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 129),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 128),
    tkclass INTEGER NOT NULL REFERENCES typeclass(enum),
    tkmodel INTEGER NOT NULL REFERENCES typemodel(enum),
    tkproduct INTEGER NOT NULL REFERENCES typeproduct(enum),
    tkdeviceprotocol INTEGER NOT NULL REFERENCES typedeviceprotocol(enum),
    tkprotocolside INTEGER NOT NULL DEFAULT 1,
    tkdeviceprofile INTEGER NOT NULL DEFAULT 0 REFERENCES typedeviceprofile(enum),
    fkdevicepool TEXT REFERENCES devicepool(pkid),
    fklocation TEXT REFERENCES location(pkid),
    fkcallingsearchspace TEXT REFERENCES callingsearchspace(pkid),
    fkenduser TEXT REFERENCES enduser(pkid) ON DELETE SET NULL,
    fkcommonphoneconfig TEXT NOT NULL DEFAULT '{STANDARD_COMMON_PHONE_PROFILE}' REFERENCES commonphoneconfig(pkid),
    fkphonetemplate TEXT REFERENCES phonetemplate(pkid),
    fksoftkeytemplate TEXT REFERENCES softkeytemplate(pkid),
    fksecurityprofile TEXT REFERENCES securityprofile(pkid),
    fksipprofile TEXT REFERENCES sipprofile(pkid),
    tkuserlocale INTEGER REFERENCES typeuserlocale(enum),
    ikdevice_defaultprofile TEXT REFERENCES device(pkid) ON DELETE SET NULL,
    {_bool('allowhotelingflag', False)},
    {_bool('isstandard', False)},
    versionstamp TEXT
);
CREATE UNIQUE INDEX device_name ON device (name);
CREATE INDEX device_class ON device (tkclass);
CREATE TABLE numplan (
    {PK},
    dnorpattern TEXT NOT NULL CHECK (length(dnorpattern) BETWEEN 1 AND 50),
    fkroutepartition TEXT REFERENCES routepartition(pkid),
    description TEXT NOT NULL DEFAULT '',
    alertingname TEXT NOT NULL DEFAULT '',
    alertingnameascii TEXT NOT NULL DEFAULT '' CHECK (length(alertingnameascii) <= 30),
    tkpatternusage INTEGER NOT NULL DEFAULT 2 REFERENCES typepatternusage(enum),
    cfbdestination TEXT CHECK (length(cfbdestination) <= 50),
    {_bool('cfbvoicemailenabled', False)},
    fkcallingsearchspace_cfb TEXT REFERENCES callingsearchspace(pkid),
    cfbintdestination TEXT CHECK (length(cfbintdestination) <= 50),
    {_bool('cfbintvoicemailenabled', False)},
    fkcallingsearchspace_cfbint TEXT REFERENCES callingsearchspace(pkid),
    cfnadestination TEXT CHECK (length(cfnadestination) <= 50),
    {_bool('cfnavoicemailenabled', False)},
    fkcallingsearchspace_cfna TEXT REFERENCES callingsearchspace(pkid),
    cfnaintdestination TEXT CHECK (length(cfnaintdestination) <= 50),
    {_bool('cfnaintvoicemailenabled', False)},
    fkcallingsearchspace_cfnaint TEXT REFERENCES callingsearchspace(pkid),
    cfurdestination TEXT CHECK (length(cfurdestination) <= 50),
    {_bool('cfurvoicemailenabled', False)},
    fkcallingsearchspace_cfur TEXT REFERENCES callingsearchspace(pkid),
    cfurintdestination TEXT CHECK (length(cfurintdestination) <= 50),
    {_bool('cfurintvoicemailenabled', False)},
    fkcallingsearchspace_cfurint TEXT REFERENCES callingsearchspace(pkid),
    fkcallingsearchspace_sharedlineappear TEXT REFERENCES callingsearchspace(pkid),
    fkvoicemessagingprofile TEXT REFERENCES voicemessagingprofile(pkid)
);
-- MFI-67 (dnorpattern + partition unique); ifnull() so that two DNs in the <None> partition clash
CREATE UNIQUE INDEX numplan_pattern ON numplan (dnorpattern, ifnull(fkroutepartition, ''));
CREATE TABLE devicenumplanmap (
    {PK},
    fkdevice TEXT NOT NULL REFERENCES device(pkid) ON DELETE CASCADE,
    fknumplan TEXT REFERENCES numplan(pkid) ON DELETE CASCADE,
    numplanindex INTEGER NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    display TEXT NOT NULL DEFAULT '',
    e164mask TEXT
);
CREATE UNIQUE INDEX devicenumplanmap_fkdevice_fknumplan ON devicenumplanmap (fkdevice, fknumplan);
-- RI-229 ValidateDevNumPlanIndex: one line per index of a device ("numplanindex ... is unique per device")
CREATE TRIGGER ri229_ins BEFORE INSERT ON devicenumplanmap
WHEN EXISTS (SELECT 1 FROM devicenumplanmap WHERE fkdevice = NEW.fkdevice AND numplanindex = NEW.numplanindex)
BEGIN SELECT RAISE(ABORT, 'Duplicate phone line.'); END;
CREATE TRIGGER ri229_upd BEFORE UPDATE OF numplanindex ON devicenumplanmap
WHEN EXISTS (SELECT 1 FROM devicenumplanmap WHERE fkdevice = NEW.fkdevice AND numplanindex = NEW.numplanindex
             AND pkid <> NEW.pkid)
BEGIN SELECT RAISE(ABORT, 'Duplicate phone line.'); END;
-- Call Forward All lives beside the line (DD callforwarddynamic, TI-434), one row per DN
CREATE TABLE callforwarddynamic (
    {PK},
    fknumplan TEXT NOT NULL REFERENCES numplan(pkid) ON DELETE CASCADE,
    cfadestination TEXT CHECK (length(cfadestination) <= 255),
    {_bool('cfavoicemailenabled', False)},
    fkcallingsearchspace_cfa TEXT REFERENCES callingsearchspace(pkid),
    fkcallingsearchspace_scfa TEXT REFERENCES callingsearchspace(pkid)
);
CREATE UNIQUE INDEX callforwarddynamic_fknumplan ON callforwarddynamic (fknumplan);
CREATE INDEX devicenumplanmap_numplan ON devicenumplanmap (fknumplan);
CREATE TABLE enduserdevicemap (
    {PK},
    fkenduser TEXT NOT NULL REFERENCES enduser(pkid) ON DELETE CASCADE,
    fkdevice TEXT NOT NULL REFERENCES device(pkid) ON DELETE CASCADE,
    tkuserassociation INTEGER NOT NULL REFERENCES typeuserassociation(enum),
    {_bool('defaultprofile', False)},
    description TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX enduserdevicemap_fkdevice_fkenduser_tkuserassociation ON enduserdevicemap (fkdevice, fkenduser, tkuserassociation);
CREATE INDEX enduserdevicemap_user ON enduserdevicemap (fkenduser);
CREATE TABLE endusernumplanmap (     -- tkdnusage 1: the user's primary extension
    {PK},
    fkenduser TEXT NOT NULL REFERENCES enduser(pkid) ON DELETE CASCADE,
    fknumplan TEXT NOT NULL REFERENCES numplan(pkid) ON DELETE CASCADE,
    tkdnusage INTEGER NOT NULL REFERENCES typednusage(enum),
    sortorder INTEGER
);
CREATE UNIQUE INDEX endusernumplanmap_fkenduser_fknumplan_tkdnusage ON endusernumplanmap (fkenduser, fknumplan, tkdnusage);

-- ---------------------------------------------------------------- IP phone services
CREATE TABLE telecasterservice (
    {PK},
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),   -- not unique in CUCM
    nameascii TEXT NOT NULL DEFAULT '',
    description TEXT,
    urltemplate TEXT,
    secureurltemplate TEXT,
    tkphoneservice INTEGER NOT NULL DEFAULT 0 REFERENCES typephoneservice(enum),
    tkphoneservicecategory INTEGER NOT NULL DEFAULT 0 REFERENCES typephoneservicecategory(enum),
    {_bool('enterprisesubscription', False)},
    {_bool('enabled', True)},
    priority INTEGER NOT NULL DEFAULT 50 CHECK (priority BETWEEN 1 AND 100),
    vendor TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT ''
);
CREATE TABLE telecasterserviceparameter (
    {PK},
    fktelecasterservice TEXT NOT NULL REFERENCES telecasterservice(pkid) ON DELETE CASCADE,
    name TEXT NOT NULL,
    displayname TEXT NOT NULL,
    defaultvalue TEXT NOT NULL DEFAULT '',
    description TEXT,
    {_bool('required', True)},
    {_bool('hidden', False)}
);
CREATE INDEX telecasterserviceparameter_service ON telecasterserviceparameter (fktelecasterservice);
CREATE TABLE telecastersubscribedservice (
    {PK},
    fkdevice TEXT NOT NULL REFERENCES device(pkid) ON DELETE CASCADE,
    fktelecasterservice TEXT NOT NULL REFERENCES telecasterservice(pkid) ON DELETE CASCADE,
    servicename TEXT NOT NULL,
    servicenameascii TEXT NOT NULL DEFAULT '',
    serviceurl TEXT,
    secureserviceurl TEXT,
    urlbuttonindex INTEGER NOT NULL DEFAULT 0,
    urllabel TEXT NOT NULL DEFAULT '',
    urllabelascii TEXT NOT NULL DEFAULT '',
    priority INTEGER
);
CREATE INDEX telecastersubscribedservice_device ON telecastersubscribedservice (fkdevice);
CREATE TABLE telecastersubscribedparameter (
    {PK},
    fktelecastersubscribedservice TEXT NOT NULL REFERENCES telecastersubscribedservice(pkid) ON DELETE CASCADE,
    fktelecasterserviceparameter TEXT NOT NULL REFERENCES telecasterserviceparameter(pkid) ON DELETE CASCADE,
    value TEXT NOT NULL DEFAULT '' CHECK (length(value) <= 100)
);
CREATE INDEX telecastersubscribedparameter_sub ON telecastersubscribedparameter (fktelecastersubscribedservice);

-- ---------------------------------------------------------------- simulator bookkeeping (not CUCM)
CREATE TABLE sim_meta (key TEXT PRIMARY KEY, value TEXT);
"""

# Database rules from the data dictionary, as triggers.  Messages are the dictionary's own.
# RAISE() takes one string literal; these messages are too long for one source line.
_MESSAGES = {
    "@GROUP_NAME_MESSAGE@": ("The Access Control Group name is not valid. Valid characters are a-z, A-Z, 0-9, space, "
                             "period, underscore and hyphen (1 to 128 characters)."),
    "@SUBSCRIBED_NAME_MESSAGE@": ("The Subscribed Service Name format is not valid. Service Names can contain up to 32 "
                                  "characters, or 128 for an Android package name."),
    "@IMP_HOME_MESSAGE@": ("You can only enable IM and Presence feature for users that have this Unified CM cluster "
                           "marked as their home cluster."),
}

# RI-2159 "Check for duplicate IDs in Enduser fields": MailID, DiscoveryUserIdentity, DirectoryURI and
# KeyPadEnteredAlternateIdentifier, compared with my_lower() (the dictionary's test condition).  The
# dictionary gives the rule's name and no error message; the message is that name and the field.
RI2159_FIELDS = (("mailid", "MailID"), ("discoveryuseridentity", "DiscoveryUserIdentity"),
                 ("directoryuri", "DirectoryURI"), ("keypadenteredalternateidentifier", "KeyPadEnteredAlternateIdentifier"))


def _ri2159():
    out = []
    for column, field in RI2159_FIELDS:
        message = f"Check for duplicate IDs in Enduser fields (RI-2159): {field} is already used by another end user."
        out.append(
            f"CREATE TRIGGER ri2159_{column}_ins BEFORE INSERT ON enduser\n"
            f"WHEN ifnull(NEW.{column}, '') <> '' AND EXISTS (SELECT 1 FROM enduser WHERE lower({column}) = lower(NEW.{column}))\n"
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;\n"
            f"CREATE TRIGGER ri2159_{column}_upd BEFORE UPDATE OF {column} ON enduser\n"
            f"WHEN ifnull(NEW.{column}, '') <> '' AND lower(NEW.{column}) IS NOT lower(OLD.{column})\n"
            f" AND EXISTS (SELECT 1 FROM enduser WHERE lower({column}) = lower(NEW.{column}) AND pkid <> NEW.pkid)\n"
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;\n")
    return "".join(out)


RULES = """
-- RI-335 Standard Functional Role Resource Restriction
CREATE TRIGGER ri335_ins BEFORE INSERT ON functionroleresourcemap
WHEN (SELECT isstandard FROM functionrole WHERE pkid = NEW.fkfunctionrole) = 't'
 AND (SELECT value FROM sim_meta WHERE key = 'installing') IS NULL
BEGIN SELECT RAISE(ABORT, 'Cannot modify the Permission and Resources associated with a standard Functional Role.'); END;
CREATE TRIGGER ri335_upd BEFORE UPDATE ON functionroleresourcemap
WHEN (SELECT isstandard FROM functionrole WHERE pkid = OLD.fkfunctionrole) = 't'
  OR (SELECT isstandard FROM functionrole WHERE pkid = NEW.fkfunctionrole) = 't'
BEGIN SELECT RAISE(ABORT, 'Cannot modify the Permission and Resources associated with a standard Functional Role.'); END;
CREATE TRIGGER ri335_del BEFORE DELETE ON functionroleresourcemap
WHEN (SELECT isstandard FROM functionrole WHERE pkid = OLD.fkfunctionrole) = 't'
 AND (SELECT value FROM sim_meta WHERE key = 'installing') IS NULL
BEGIN SELECT RAISE(ABORT, 'Cannot modify the Permission and Resources associated with a standard Functional Role.'); END;

-- isstandard is "Not Modifiable"; standard rows are install data (simulator wording).  The
-- 'installing' flag in sim_meta lets the simulator itself lay down install data.
CREATE TRIGGER functionrole_std_upd BEFORE UPDATE ON functionrole
WHEN OLD.isstandard = 't' OR NEW.isstandard <> OLD.isstandard
BEGIN SELECT RAISE(ABORT, 'Cannot modify a standard Functional Role.'); END;
CREATE TRIGGER functionrole_std_del BEFORE DELETE ON functionrole
WHEN OLD.isstandard = 't'
BEGIN SELECT RAISE(ABORT, 'Cannot delete a standard Functional Role.'); END;
CREATE TRIGGER functionrole_std_ins BEFORE INSERT ON functionrole
WHEN NEW.isstandard = 't' AND (SELECT value FROM sim_meta WHERE key = 'installing') IS NULL
BEGIN SELECT RAISE(ABORT, 'Cannot insert a standard Functional Role.'); END;

-- RI-334 Standard DirGroup Functional Role Restriction
CREATE TRIGGER ri334_ins BEFORE INSERT ON functionroledirgroupmap
WHEN (SELECT isstandard FROM dirgroup WHERE pkid = NEW.fkdirgroup) = 't'
 AND (SELECT value FROM sim_meta WHERE key = 'installing') IS NULL
BEGIN SELECT RAISE(ABORT, 'Cannot modify the Functional Roles associated with a standard DirGroup'); END;
CREATE TRIGGER ri334_upd BEFORE UPDATE ON functionroledirgroupmap
WHEN (SELECT isstandard FROM dirgroup WHERE pkid = OLD.fkdirgroup) = 't'
  OR (SELECT isstandard FROM dirgroup WHERE pkid = NEW.fkdirgroup) = 't'
BEGIN SELECT RAISE(ABORT, 'Cannot modify the Functional Roles associated with a standard DirGroup'); END;
CREATE TRIGGER ri334_del BEFORE DELETE ON functionroledirgroupmap
WHEN (SELECT isstandard FROM dirgroup WHERE pkid = OLD.fkdirgroup) = 't'
BEGIN SELECT RAISE(ABORT, 'Cannot modify the Functional Roles associated with a standard DirGroup'); END;

CREATE TRIGGER dirgroup_std_upd BEFORE UPDATE OF name, isstandard ON dirgroup
WHEN OLD.isstandard = 't' OR NEW.isstandard <> OLD.isstandard
BEGIN SELECT RAISE(ABORT, 'Cannot modify a standard DirGroup.'); END;
CREATE TRIGGER dirgroup_std_del BEFORE DELETE ON dirgroup
WHEN OLD.isstandard = 't'
BEGIN SELECT RAISE(ABORT, 'Cannot delete a standard DirGroup.'); END;
CREATE TRIGGER dirgroup_name_ins BEFORE INSERT ON dirgroup
WHEN NOT regexp('^[a-zA-Z 0-9._-]{1,128}$', NEW.name)
BEGIN SELECT RAISE(ABORT, '@GROUP_NAME_MESSAGE@'); END;
CREATE TRIGGER dirgroup_name_upd BEFORE UPDATE OF name ON dirgroup
WHEN NOT regexp('^[a-zA-Z 0-9._-]{1,128}$', NEW.name)
BEGIN SELECT RAISE(ABORT, '@GROUP_NAME_MESSAGE@'); END;

-- RI-201 Standard CCM Super Users Group Restriction
CREATE TRIGGER ri201_del BEFORE DELETE ON applicationuserdirgroupmap
WHEN (SELECT name FROM dirgroup WHERE pkid = OLD.fkdirgroup) = 'Standard CCM Super Users'
 AND (SELECT count(*) FROM applicationuserdirgroupmap WHERE fkdirgroup = OLD.fkdirgroup) <= 1
BEGIN SELECT RAISE(ABORT, 'CCM Super User Group must contain at least one application user at all times.'); END;

-- RI-58 EndUser userid must not equal an application user's name
CREATE TRIGGER ri58_ins BEFORE INSERT ON enduser
WHEN EXISTS (SELECT 1 FROM applicationuser WHERE lower(name) = lower(NEW.userid))
BEGIN SELECT RAISE(ABORT, 'EndUser userid already exists as an AppUser. Userids must be unique across EndUser and AppUser.'); END;
CREATE TRIGGER ri58_upd BEFORE UPDATE OF userid ON enduser
WHEN EXISTS (SELECT 1 FROM applicationuser WHERE lower(name) = lower(NEW.userid))
BEGIN SELECT RAISE(ABORT, 'EndUser userid already exists as an AppUser. Userids must be unique across EndUser and AppUser.'); END;

@RI2159@

-- IM and Presence needs this cluster as the user's home cluster (Cisco BAT guide, "update users": "You can
-- only enable IM and Presence feature for users that have this Unified CM cluster marked as their home
-- cluster").  The data dictionary's rule on enablecups (RI-2118) is about presence node assignment.
CREATE TRIGGER imp_home_cluster_ins BEFORE INSERT ON enduser
WHEN NEW.enablecups = 't' AND NEW.islocaluser = 'f'
BEGIN SELECT RAISE(ABORT, '@IMP_HOME_MESSAGE@'); END;
CREATE TRIGGER imp_home_cluster_upd BEFORE UPDATE OF enablecups, islocaluser ON enduser
WHEN NEW.enablecups = 't' AND NEW.islocaluser = 'f'
BEGIN SELECT RAISE(ABORT, '@IMP_HOME_MESSAGE@'); END;

-- RI-300 LDAP-synchronised users cannot be deleted while synchronisation is enabled
CREATE TRIGGER ri300_del BEFORE DELETE ON enduser
WHEN OLD.fkdirectorypluginconfig IS NOT NULL
 AND (SELECT syncenabled FROM ldapsystemconfig LIMIT 1) = 't'
BEGIN SELECT RAISE(ABORT, 'Cannot delete users added through Corporate Directory because data is sync is going on.'); END;

-- RI-189 Max 100 Subscribed Services per device
CREATE TRIGGER ri189_ins BEFORE INSERT ON telecastersubscribedservice
WHEN (SELECT count(*) FROM telecastersubscribedservice WHERE fkdevice = NEW.fkdevice) >= 100
BEGIN SELECT RAISE(ABORT, 'Cannot have more than 100 IP Phone Service subscriptions on a device.'); END;

-- RI-476 Cannot subscribe to service where EnterpriseSubscription = True
CREATE TRIGGER ri476_ins BEFORE INSERT ON telecastersubscribedservice
WHEN (SELECT enterprisesubscription FROM telecasterservice WHERE pkid = NEW.fktelecasterservice) = 't'
BEGIN SELECT RAISE(ABORT, 'Cannot Subscribe to an Enterprise Service.'); END;
CREATE TRIGGER ri476_upd BEFORE UPDATE OF fktelecasterservice ON telecastersubscribedservice
WHEN (SELECT enterprisesubscription FROM telecasterservice WHERE pkid = NEW.fktelecasterservice) = 't'
BEGIN SELECT RAISE(ABORT, 'Cannot Subscribe to an Enterprise Service.'); END;

-- RI-477 Cannot add parameters to service where EnterpriseSubscription = True
CREATE TRIGGER ri477_ins BEFORE INSERT ON telecasterserviceparameter
WHEN (SELECT enterprisesubscription FROM telecasterservice WHERE pkid = NEW.fktelecasterservice) = 't'
BEGIN SELECT RAISE(ABORT, 'Cannot add user-defined parameters to EnterpriseSubscriptions'); END;

-- enterprisesubscription is Not Modifiable
CREATE TRIGGER telecasterservice_es_upd BEFORE UPDATE OF enterprisesubscription ON telecasterservice
WHEN NEW.enterprisesubscription <> OLD.enterprisesubscription
BEGIN SELECT RAISE(ABORT, 'EnterpriseSubscription cannot be changed after the service is created.'); END;

-- RI-707 urltemplate and secureurltemplate cannot both be NULL
CREATE TRIGGER ri707_ins BEFORE INSERT ON telecasterservice
WHEN ifnull(NEW.urltemplate, '') = '' AND ifnull(NEW.secureurltemplate, '') = ''
BEGIN SELECT RAISE(ABORT, 'Service URL and Secure Service URL cannot both be empty.'); END;
CREATE TRIGGER ri707_upd BEFORE UPDATE OF urltemplate, secureurltemplate ON telecasterservice
WHEN ifnull(NEW.urltemplate, '') = '' AND ifnull(NEW.secureurltemplate, '') = ''
BEGIN SELECT RAISE(ABORT, 'Service URL and Secure Service URL cannot both be empty.'); END;

-- RI-948 subscribed service name: up to 32 characters (128 for an Android APK), no double quote
CREATE TRIGGER ri948_ins BEFORE INSERT ON telecastersubscribedservice
WHEN instr(NEW.servicename, '"') > 0 OR length(NEW.servicename) < 1 OR length(NEW.servicename) >
     CASE (SELECT tkphoneservicecategory FROM telecasterservice WHERE pkid = NEW.fktelecasterservice) WHEN 4 THEN 128 ELSE 32 END
BEGIN SELECT RAISE(ABORT, '@SUBSCRIBED_NAME_MESSAGE@'); END;
CREATE TRIGGER ri948_upd BEFORE UPDATE OF servicename ON telecastersubscribedservice
WHEN instr(NEW.servicename, '"') > 0 OR length(NEW.servicename) < 1 OR length(NEW.servicename) >
     CASE (SELECT tkphoneservicecategory FROM telecasterservice WHERE pkid = NEW.fktelecasterservice) WHEN 4 THEN 128 ELSE 32 END
BEGIN SELECT RAISE(ABORT, '@SUBSCRIBED_NAME_MESSAGE@'); END;

-- RI-707 (second half): a Java MIDlet service needs its (non-secure) URL
CREATE TRIGGER ri707_midlet_ins BEFORE INSERT ON telecasterservice
WHEN NEW.tkphoneservicecategory = 1 AND ifnull(NEW.urltemplate, '') = ''
BEGIN SELECT RAISE(ABORT, 'Service URL cannot be empty for a Java MIDlet service.'); END;
CREATE TRIGGER ri707_midlet_upd BEFORE UPDATE OF urltemplate, tkphoneservicecategory ON telecasterservice
WHEN NEW.tkphoneservicecategory = 1 AND ifnull(NEW.urltemplate, '') = ''
BEGIN SELECT RAISE(ABORT, 'Service URL cannot be empty for a Java MIDlet service.'); END;

-- Subscriptions only on models that support IP phone services (the dictionary's RI-152 states the
-- same for the telecaster table; typemodel.supportsservices stands in for ProductSupportsFeature 1)
CREATE TRIGGER services_supported_ins BEFORE INSERT ON telecastersubscribedservice
WHEN (SELECT m.supportsservices FROM device d JOIN typemodel m ON m.enum = d.tkmodel WHERE d.pkid = NEW.fkdevice) = 'f'
BEGIN SELECT RAISE(ABORT, 'Telecaster table may only reference devices that support IP Phone Services..'); END;

-- RI-16 Phone Template required; RI-17 Phone Template Model
CREATE TRIGGER ri16_ins BEFORE INSERT ON device
WHEN NEW.tkclass IN (1, 254) AND NEW.fkphonetemplate IS NULL
BEGIN SELECT RAISE(ABORT, 'A device that uses Phone Templates have a specific Phone Template assigned.'); END;
CREATE TRIGGER ri16_upd BEFORE UPDATE OF fkphonetemplate ON device
WHEN NEW.tkclass IN (1, 254) AND NEW.fkphonetemplate IS NULL
BEGIN SELECT RAISE(ABORT, 'A device that uses Phone Templates have a specific Phone Template assigned.'); END;
CREATE TRIGGER ri17_ins BEFORE INSERT ON device
WHEN NEW.fkphonetemplate IS NOT NULL AND (SELECT tkmodel FROM phonetemplate WHERE pkid = NEW.fkphonetemplate) <> NEW.tkmodel
BEGIN SELECT RAISE(ABORT, 'The Phone Template model does not match the device model.'); END;
CREATE TRIGGER ri17_upd BEFORE UPDATE OF fkphonetemplate, tkmodel ON device
WHEN NEW.fkphonetemplate IS NOT NULL AND (SELECT tkmodel FROM phonetemplate WHERE pkid = NEW.fkphonetemplate) <> NEW.tkmodel
BEGIN SELECT RAISE(ABORT, 'The Phone Template model does not match the device model.'); END;

-- RI-167 Update Subscribed Service URL: a changed parameter value rebuilds the subscription's URLs.
-- (Self Care's edit path replaces the value row instead of updating it, which is why its change
-- leaves the URL stale until an administrator re-saves the device; see selfcare_set_parameter.)
CREATE TRIGGER ri167_upd AFTER UPDATE OF value ON telecastersubscribedparameter
WHEN NEW.value IS NOT OLD.value
BEGIN
    UPDATE telecastersubscribedservice
       SET serviceurl = build_service_url(pkid, 0), secureserviceurl = build_service_url(pkid, 1)
     WHERE pkid = NEW.fktelecastersubscribedservice;
END;
"""

# The dictionary's "Validation:" expressions of the IP phone service tables, as triggers:
# (table, column, condition or None, pattern, message).  Messages of RFI-315..318 are the
# dictionary's remarks; the others are the simulator's wording.
_URL = r"^[]a-zA-Z0-9 !#$%&'()*+,./:;<=>?@[^_{|}~\\-]{0,512}$"
_VALUE = r"^[]a-zA-Z0-9 !@#$%^&*()_+=[{}|';:,.<>/?`~\\-]{0,100}$"
_ASCII_NAME = r"^[]a-zA-Z0-9 !#$%&'()*+,./:;<=>?@[^_{|}~\\-]{0,MAX}$"
FIELD_VALIDATIONS = [
    ("telecasterservice", "name", "NEW.tkphoneservicecategory <> 4", r'^[^"]{1,32}$',
     "TelecasterService Name has invalid format. Name may contain up to 32 characters in any language, except double quotes."),
    ("telecasterservice", "name", "NEW.tkphoneservicecategory = 4", r'^[^"]{1,128}$',
     "TelecasterService Name for Android has invalid format. Name may contain up to 128 characters in any language, except double quotes."),
    ("telecasterservice", "nameascii", "NEW.tkphoneservicecategory <> 4", _ASCII_NAME.replace("MAX", "32"),
     "TelecasterService NameASCII has invalid format."),
    ("telecasterservice", "nameascii", "NEW.tkphoneservicecategory = 4", _ASCII_NAME.replace("MAX", "128"),
     "TelecasterService NameASCII for Android has invalid format."),
    ("telecasterservice", "description", None, r'^[^\x00-\x1F"`]{0,100}$',
     "TelecasterService Description has invalid format: up to 100 characters, no double quote or back quote."),
    ("telecasterservice", "urltemplate", None, _URL, "TelecasterService Service URL has invalid format: up to 512 URL characters."),
    ("telecasterservice", "secureurltemplate", None, _URL,
     "TelecasterService Secure Service URL has invalid format: up to 512 URL characters."),
    ("telecasterservice", "vendor", None, r'^[^"]{0,64}$', "TelecasterService Vendor has invalid format: up to 64 characters, no double quote."),
    ("telecasterservice", "version", None, r"^[0-9.]{0,16}$", "TelecasterService Version has invalid format: up to 16 digits and periods."),
    ("telecasterserviceparameter", "name", None, r"^[a-zA-Z0-9_./:;,-]{1,50}$",
     "TelecasterServiceParameter Name has invalid format: 1 to 50 of a-z, A-Z, 0-9 and _ . / : ; , -"),
    ("telecasterserviceparameter", "displayname", None, r"^[]a-zA-Z0-9 !#$'()*+,./:;=?@[^_`{|}~\\-]{1,50}$",
     "TelecasterServiceParameter Display Name has invalid format: 1 to 50 characters."),
    ("telecasterserviceparameter", "defaultvalue", None, _VALUE,
     "TelecasterServiceParameter Default Value has invalid format: up to 100 printable ASCII characters, no double quote."),
    ("telecasterserviceparameter", "description", None, r'^[^\x00-\x1F"%<>]{0,500}$',
     "TelecasterServiceParameter Description has invalid format: up to 500 characters, none of \" % < >"),
    ("telecastersubscribedparameter", "value", None, _VALUE,
     "TelecasterSubscribedParameter Value has invalid format: up to 100 printable ASCII characters, no double quote."),
    ("telecastersubscribedservice", "urllabel", None, r'^[^"%&<>]{0,50}$',
     "TelecasterSubscribedService URL Label has invalid format: up to 50 characters, none of \" % & < >"),
]


def _validation_triggers():
    out = []
    for number, (table, column, when, pattern, message) in enumerate(FIELD_VALIDATIONS):
        quoted = pattern.replace("'", "''")
        test = f"NEW.{column} IS NOT NULL AND NOT regexp('{quoted}', NEW.{column})"
        if when:
            test = f"{when} AND {test}"
        for event in ("INSERT", "UPDATE"):
            out.append(f"CREATE TRIGGER v{number}_{table}_{column}_{event.lower()} BEFORE {event} ON {table}\n"
                       f"WHEN {test}\nBEGIN SELECT RAISE(ABORT, '{message}'); END;\n")
    return "".join(out)


RULES += _validation_triggers()
RULES = RULES.replace("@RI2159@", _ri2159())
for _placeholder, _message in _MESSAGES.items():
    RULES = RULES.replace(_placeholder, _message)


# ---------------------------------------------------------------- enterprise and service parameters
# processnode (TI-86), processconfig (TI-88), processconfigdefaults (TI-101), typeparam (TI-89),
# typeservice (TI-90), with the dictionary's columns that getServiceParameter/updateServiceParameter/
# listServiceParameter use.  Enterprise parameters are processconfig rows of the "Enterprise Node",
# the processnode whose pkid is 00000000-1111-0000-0000-000000000000 (DD12.5 TI-86).
PARAMETER_DDL = f"""
CREATE TABLE typeservice (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX typeservice_name ON typeservice (name);
CREATE TABLE typeparam (enum INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, moniker TEXT NOT NULL DEFAULT '');
CREATE TABLE processnode (
    {PK},
    name TEXT NOT NULL CHECK (length(name) <= 255),
    description TEXT NOT NULL DEFAULT '',
    mac TEXT NOT NULL DEFAULT '',
    {_bool('systemnode', False)},
    {_bool('isactive', True)},
    nodeid INTEGER,
    tkprocessnoderole INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX processnode_name ON processnode (name);
CREATE TABLE processconfigdefaults (
    enum INTEGER PRIMARY KEY NOT NULL,
    tkservice INTEGER NOT NULL REFERENCES typeservice(enum),
    paramname TEXT NOT NULL CHECK (length(paramname) <= 50),
    paramvalue TEXT NOT NULL DEFAULT '',
    tkparam INTEGER NOT NULL REFERENCES typeparam(enum),
    minlongvalue INTEGER,
    maxlongvalue INTEGER,
    {_bool('servicewide', True)},
    {_bool('primarydata', False)},
    typetablelink TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX processconfigdefaults_service_param ON processconfigdefaults (tkservice, paramname);  -- MFI-73
CREATE TABLE processconfig (
    {PK},
    fkprocessnode TEXT NOT NULL REFERENCES processnode(pkid) ON DELETE CASCADE,
    tkservice INTEGER NOT NULL REFERENCES typeservice(enum),
    paramname TEXT NOT NULL CHECK (length(paramname) <= 50),
    paramvalue TEXT CHECK (paramvalue IS NULL OR length(paramvalue) <= 255),
    tkparam INTEGER NOT NULL REFERENCES typeparam(enum),
    {_bool('primarydata', False)},
    {_bool('resettoggle', False)},
    tkreset INTEGER NOT NULL DEFAULT 2,
    versionstamp TEXT
);
CREATE UNIQUE INDEX processconfig_node_service_param ON processconfig (fkprocessnode, tkservice, paramname);  -- MFI-10
"""

# ---------------------------------------------------------------- LDAP directory synchronisation
# Simulator bookkeeping (not CUCM): the state of the last synchronisation of each directory agreement
# (directorypluginconfig).  CUCM keeps it in DirSync's own state; the dictionary's syncnow /
# fullsyncstatus columns are not documented enough to model.
LDAP_SYNC_DDL = """
CREATE TABLE sim_ldapsync (
    fkdirectorypluginconfig TEXT PRIMARY KEY NOT NULL REFERENCES directorypluginconfig(pkid) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('running', 'completed', 'cancelled', 'failed')),
    started REAL NOT NULL,
    due REAL NOT NULL,
    finished REAL,
    message TEXT NOT NULL DEFAULT ''
);
"""

DDL += PARAMETER_DDL + LDAP_SYNC_DDL
