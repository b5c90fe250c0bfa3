"""Deployment checks of this project's own (run by `manage.py check` and `check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register(deploy=True)
def static_collected(app_configs, **kwargs):
    """With DEBUG off, pages need the manifest `collectstatic` writes; without it every page is a 500."""
    if settings.DEBUG:
        return []
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if manifest.exists():
        return []
    return [Warning(
        f"静态文件尚未收集：{manifest} 不存在，关闭 DEBUG 后所有页面都会出错。",
        hint="部署时先运行 `manage.py collectstatic --noinput`。", id="mutualaid.W001",
    )]  # fmt: skip


@register()
def sms_configured(app_configs, **kwargs):
    """The SMS backend exists and, for a provider, has its keys, sign name and every template id:
    named at start-up rather than discovered at the first failed send."""
    from mutualaid.notices import backends
    from mutualaid.notices.events import sms_templates

    name = backends.backend_name()
    if name not in backends.BACKENDS:
        return [Error(f"DJANGO_SMS_BACKEND={name!r} 无效。", hint=f"可选：{'、'.join(backends.BACKENDS)}。",
                      id="mutualaid.E010")]  # fmt: skip
    missing = backends.missing_configuration(name, sms_templates())
    if not missing:
        return []
    return [Error(
        f"短信服务（{name}）缺少配置：{'、'.join(missing)}。",
        hint="在环境变量中设置这些值（README “Notices”：每个短信模板须先在服务商处报备，再填写模板 ID）。",
        id="mutualaid.E011",
    )]  # fmt: skip


@register(deploy=True)
def sms_really_sent(app_configs, **kwargs):
    from mutualaid.notices import backends

    name = backends.backend_name()
    if settings.DEBUG or name not in ("console", "file"):
        return []
    return [Warning(
        f"短信只{'打印在控制台' if name == 'console' else '写入文件'}（DJANGO_SMS_BACKEND={name}），会员和经办人收不到任何短信。",
        hint="生产环境请设置 DJANGO_SMS_BACKEND=aliyun 或 tencent 及其密钥、签名和模板 ID。", id="mutualaid.W010",
    )]  # fmt: skip


CALENDAR_LOOKAHEAD_DAYS = 90


@register()
def holiday_calendar_current(app_configs, **kwargs):
    """The payment deadline counts working days on the State Council's calendar; a year it does not
    know counts Monday-Friday, and deadlines around its holidays come out wrong."""
    from datetime import timedelta

    from django.utils import timezone

    from mutualaid.holidays import working_calendar

    today = timezone.localdate()
    years = sorted({today.year, (today + timedelta(days=CALENDAR_LOOKAHEAD_DAYS)).year})
    unknown = [year for year in years if not working_calendar().covers(year)]
    if not unknown:
        return []
    return [Warning(
        f"节假日日历没有 {'、'.join(map(str, unknown))} 年的数据：付款期限将按周一至周五计算，节假日和调休不计。",
        hint="升级 chinese-calendar（pip install -U chinese-calendar 并更新 requirements.txt），或把国务院办公厅的"
             "放假安排写入 DJANGO_HOLIDAYS_FILE 指向的 JSON 文件（README “Payment deadline”）。",
        id="mutualaid.W011",
    )]  # fmt: skip
