"""gunicorn's logger, with every access-log value escaped for the JSON line it goes into."""

from __future__ import annotations

import json

from gunicorn import glogging


class JsonSafeAtoms(glogging.SafeAtoms):
    """gunicorn's ``SafeAtoms`` escapes double quotes only; in the JSON ``access_log_format``
    a crafted path (``/x\\", "status": 200, "y": "``) could add fields of its own."""

    def __init__(self, atoms):
        dict.__init__(self)
        for key, value in atoms.items():
            self[key] = json.dumps(value)[1:-1] if isinstance(value, str) else value


class JsonAccessLogger(glogging.Logger):
    # gunicorn has no setting for the escaping; the wrapper class is its hook for it.
    atoms_wrapper_class = JsonSafeAtoms
