from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo records of DOMAIN.md §6-7 and synthetic volume: the top of the house, seeing every app."""

    name = "demo"
    verbose_name = "演示数据"
