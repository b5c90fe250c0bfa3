"""Print every SMS template: what to register (and have approved) at Alibaba Cloud or Tencent Cloud,
and the environment variable that takes the id the provider gives it."""

import re

from django.core.management.base import BaseCommand

from mutualaid.notices.backends import template_id, template_variable
from mutualaid.notices.events import sms_templates


class Command(BaseCommand):
    help = "列出所有短信模板（向短信服务商报备用）及填写模板 ID 的环境变量。"

    def add_arguments(self, parser):
        parser.add_argument("--tencent", action="store_true", help="print Tencent Cloud's {1}{2} placeholders")

    def handle(self, *args, tencent=False, **options):
        for name, text in sms_templates().items():
            if tencent:
                text = _numbered(text)
            state = "已配置" if template_id(name) else "未配置"
            self.stdout.write(f"{template_variable(name)}  （{state}）\n    {text}")


def _numbered(text: str) -> str:
    """Tencent Cloud's templates number their variables ({1}, {2} ...) in the order they appear."""
    numbers = iter(range(1, 100))
    return re.sub(r"\$\{\w+\}", lambda match: f"{{{next(numbers)}}}", text)
