"""gunicorn's logger, with every access-log value escaped for the JSON line it goes into."""

from __future__ import annotations

import json

from gunicorn import glogging


class JsonSafeAtoms(glogging.SafeAtoms):
    """gunicorn's ``SafeAtoms`` escapes double quotes only, for its Apache-style default
    format. ``access_log_format`` (gunicorn.conf.py) is one JSON object a request: a path
    ending in a backslash (``/x\\``) broke the line, and a crafted one added fields of its
    own to it (``/x\\", "status": 200, "y": "``). Here every string is JSON-escaped."""

    def __init__(self, atoms):
        dict.__init__(self)
        for key, value in atoms.items():
            self[key] = json.dumps(value)[1:-1] if isinstance(value, str) else value


class JsonAccessLogger(glogging.Logger):
    # gunicorn has no setting for the escaping; the wrapper class is its hook for it.
    atoms_wrapper_class = JsonSafeAtoms
