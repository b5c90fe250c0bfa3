"""Deployment checks of this project's own (run by `manage.py check` and `check --deploy`)."""

from django.conf import settings
from django.core.checks import Warning, register


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
