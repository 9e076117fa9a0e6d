from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evidence"
    verbose_name = "ExoResist evidence"

    def ready(self):
        # The admin lives with the rest of curation (evidence/curation/), not at evidence/admin.py
        # where the admin's autodiscovery would look.
        from evidence.curation import admin  # noqa: F401

        if settings.EXORESIST_COUNTS_REFRESH == "on_read":
            from evidence.models.counts import watch_reads

            connection_created.connect(watch_reads, dispatch_uid="evidence-counts-on-read")
