"""django-import-export in the admin, made safe for this data.

Every import form refuses a file over ``IMPORT_MAX_BYTES``, and reads it through the guarded
reader every import shares (``mutualaid.lib.sheet_reader``: zip size, rows, columns) before
import-export sees it; the formats then read through that same reader rather than openpyxl,
which pads every row out to the sheet's declared width. Only the columns a resource knows are
kept. Between the preview and 确认导入 the file is kept like every import's upload
(``KeptFiles``), not in the web machine's /tmp. Every export writes text cells that no spreadsheet
program evaluates (a leading ``= + - @`` is neutralised, the text kept).
"""

import io

import tablib
from django import forms
from django.conf import settings
from import_export import resources
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from import_export.forms import ImportForm
from import_export.tmp_storages import BaseStorage

from mutualaid.lib.sheet_reader import SheetRefused, read_table
from mutualaid.lib.spreadsheet import safe_text
from mutualaid.uploads import KeptFiles

ADMIN_IMPORTS = KeptFiles("admin-imports")


class GuardedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"文件过大（{upload.size / 1048576:.1f} MB），导入文件不能超过 {limit // 1048576} MB。"
            )
        if upload.name.lower().endswith((".xlsx", ".xlsm", ".csv")):
            try:
                read_table(upload.read(), upload.name)
            except SheetRefused as exc:
                raise forms.ValidationError(str(exc)) from exc
            finally:
                upload.seek(0)
        return upload


def _dataset(rows: list) -> tablib.Dataset:
    """The first row as headers, the rest as values; a whole number read as 1.0 becomes 1 (as openpyxl gave)."""
    dataset = tablib.Dataset()
    if not rows:
        return dataset
    header = ["" if value is None else str(value).strip() for value in rows[0]]
    width = max((i + 1 for i, text in enumerate(header) if text), default=0)
    dataset.headers = header[:width]
    for row in rows[1:]:
        values = [int(v) if isinstance(v, float) and v.is_integer() else (None if v == "" else v) for v in row[:width]]
        dataset.append(values + [None] * (width - len(values)))
    return dataset


class GuardedXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        return _dataset(read_table(in_stream, "import.xlsx"))


class GuardedCSV(base_formats.CSV):
    def create_dataset(self, in_stream, **kwargs):
        data = in_stream.encode("utf-8") if isinstance(in_stream, str) else in_stream
        return _dataset(read_table(data, "import.csv"))


class KeptImportFile(BaseStorage):
    """import-export's file between the preview and the confirmation. Its own default keeps it in
    the web machine's /tmp under a name the confirmation form sends back as a path, and leaves it
    there when the admin never confirms; here it is a ``KeptFiles`` upload: the shared storage (the
    confirmation may reach another web machine), a random name, only a file of its folder read back,
    deleted once imported and swept by ``cleanup_uploads`` otherwise."""

    # The confirmation form sends back ``name`` and import-export keeps only its last part.
    def save(self, data):
        self.name = ADMIN_IMPORTS.store(data).rpartition("/")[2]

    def _kept(self) -> str:
        return f"{ADMIN_IMPORTS.folder}/{self.name}"

    def read(self):
        data = ADMIN_IMPORTS.read(self._kept())
        if data is None:
            raise FileNotFoundError("导入文件已过期删除，请重新上传。")
        if self.read_mode == "rb":
            return data
        return io.TextIOWrapper(io.BytesIO(data), encoding=self.encoding).read()  # as open(..., "r") reads

    def remove(self):
        ADMIN_IMPORTS.delete(self._kept())


class SafeResource(resources.ModelResource):
    """A resource whose exported text cells are never formulas."""

    def export_field(self, field, instance, **kwargs):
        return safe_text(super().export_field(field, instance, **kwargs))

    def before_import(self, dataset, **kwargs):
        """Only the columns this resource imports: the rest of a wide sheet is never looked at."""
        known = {field.column_name for field in self.get_import_fields()}
        for header in [h for h in dataset.headers or () if h not in known]:
            del dataset[header]
        super().before_import(dataset, **kwargs)


class GuardedImportExportAdmin(ImportExportModelAdmin):
    import_form_class = GuardedImportForm
    tmp_storage_class = KeptImportFile
    # Only what people here use: .xlsx and .csv, both read by the guarded reader.
    formats = [GuardedXLSX, GuardedCSV]

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """Every admin export of members, units or catalogues is a read of personal data: logged."""
        from mutualaid.models import audit

        data = super().get_export_data(file_format, request, queryset, **kwargs)
        audit(actor=request.user, obj=None, subject=str(self.model._meta.verbose_name_plural), action="export",
              comment=f"后台导出 {queryset.count()} 条（{file_format.get_title()}）")  # fmt: skip
        return data
