"""`manage.py check` says when this machine cannot print the forms as they must look."""

import ctypes.util
import shutil
import subprocess

from django.core.checks import Error, register

FONT_FAMILY = "Noto Sans CJK SC"


@register()
def pdf_prerequisites(app_configs, **kwargs):
    errors = []
    if ctypes.util.find_library("harfbuzz-subset") is None:
        errors.append(Error(
            "找不到 HarfBuzz 子集化库（libharfbuzz-subset0）：PDF 无法嵌入字体子集。",
            hint="apt-get install libharfbuzz-subset0（make run / make test 会自动安装）", id="reports.E001",
        ))  # fmt: skip
    if not _font_installed():
        errors.append(Error(
            f"找不到中文字体 {FONT_FAMILY}（fonts-noto-cjk）：PDF 中的中文无法显示。",
            hint="apt-get install fonts-noto-cjk（make run / make test 会自动安装）", id="reports.E002",
        ))  # fmt: skip
    return errors


def _font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    listed = subprocess.run([fc_list, f":family={FONT_FAMILY}", "family"], capture_output=True, text=True,  # noqa: S603 - fixed arguments
                            check=False, timeout=20)  # fmt: skip
    return FONT_FAMILY in listed.stdout
