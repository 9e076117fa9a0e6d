from django.apps import AppConfig


class ExoresistConfig(AppConfig):
    """The project package as an app: operations commands and cache invalidation."""

    name = "exoresist"
    label = "exoresist"
    verbose_name = "ExoResist operations"

    def ready(self) -> None:
        from exoresist import checks, data_version  # noqa: F401 (checks registers itself)

        data_version.connect_signals()
