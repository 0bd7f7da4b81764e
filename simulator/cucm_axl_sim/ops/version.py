"""getCCMVersion."""

from . import operation

# A plausible full build string per served version (the format CUCM reports).
BUILDS = {"11.5": "11.5.1.23900-30", "12.5": "12.5.1.18900-40", "14.0": "14.0.1.13900-155", "15.0": "15.0.1.12900-234"}


@operation("getCCMVersion")
def get_ccm_version(req):
    return {"componentVersion": {"version": BUILDS[req.server.config.axl_version]}}
