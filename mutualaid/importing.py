"""django-import-export in the admin, made safe for this data.

Every import form refuses a file over ``IMPORT_MAX_BYTES`` and an .xlsx whose zip would expand
past the spreadsheet limit, before anything parses it; every export writes text cells that no
spreadsheet program evaluates (a leading ``= + - @`` is neutralised, the text kept).
"""

import zipfile

from django import forms
from django.conf import settings
from import_export import resources
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from import_export.forms import ImportForm

from mutualaid.lib.spreadsheet import SpreadsheetTooLarge, check_xlsx_size, safe_text


class GuardedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"文件过大（{upload.size / 1048576:.1f} MB），导入文件不能超过 {limit // 1048576} MB。"
            )
        if upload.name.lower().endswith((".xlsx", ".xlsm")):
            try:
                if not zipfile.is_zipfile(upload):
                    raise forms.ValidationError("无法读取该 .xlsx 文件：文件已损坏，或不是 Excel 文件。")
                check_xlsx_size(upload)
            except SpreadsheetTooLarge as exc:
                raise forms.ValidationError(str(exc)) from exc
            except forms.ValidationError:
                raise
            except Exception as exc:  # a damaged zip
                raise forms.ValidationError("无法读取该 .xlsx 文件：文件已损坏，或不是 Excel 文件。") from exc
            finally:
                upload.seek(0)
        return upload


class SafeResource(resources.ModelResource):
    """A resource whose exported text cells are never formulas."""

    def export_field(self, field, instance, **kwargs):
        return safe_text(super().export_field(field, instance, **kwargs))


class GuardedImportExportAdmin(ImportExportModelAdmin):
    import_form_class = GuardedImportForm
    # Only what people here use: .xlsx and .csv (openpyxl parses .xlsx XML through defusedxml).
    formats = [base_formats.XLSX, base_formats.CSV]

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """Every admin export of members, units or catalogues is a read of personal data: logged."""
        from mutualaid.models import audit

        data = super().get_export_data(file_format, request, queryset, **kwargs)
        audit(actor=request.user, obj=None, subject=str(self.model._meta.verbose_name_plural), action="export",
              comment=f"后台导出 {queryset.count()} 条（{file_format.get_title()}）")  # fmt: skip
        return data
