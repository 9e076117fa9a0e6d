from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evidence"
    verbose_name = "ExoResist evidence"

    def ready(self):
        if settings.EXORESIST_COUNTS_REFRESH == "on_read":
            from evidence.models.counts import watch_reads

            connection_created.connect(watch_reads, dispatch_uid="evidence-counts-on-read")
