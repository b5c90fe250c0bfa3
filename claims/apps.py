from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "理赔管理"

    def ready(self):
        from claims import summary
        from enrollment.summary import figures_moved

        # A unit moved to another district (enrollment's admin): its claims' figures move with it.
        figures_moved.connect(summary.moved, dispatch_uid="claims.summary.moved")
