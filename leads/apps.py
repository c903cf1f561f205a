from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self):
        from .quality.lookups import register_lookups  # it imports the models, which load only after apps are

        register_lookups()
        from .quality import jobs  # noqa: F401  (registers the nightly lead-score retraining)
