import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exoresist.settings")
application = get_wsgi_application()

from exoresist.checks import static_manifest_problem  # noqa: E402 (needs the settings loaded)

# Refuse to serve rather than answer every page with a 500 (see exoresist/checks.py).
if problem := static_manifest_problem():
    raise ImproperlyConfigured(problem)
