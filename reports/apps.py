from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "报表打印"

    def ready(self):
        from reports import (
            checks,  # noqa: F401 - registers the PDF system check
            tasks,  # noqa: F401 - registers the batch printing jobs
        )
