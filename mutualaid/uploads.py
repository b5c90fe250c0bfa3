"""Files people upload: the scanned documents (claim papers, certificates, transfer slips) and the
spreadsheets an import keeps until the person confirms it (``KeptFiles``).

One set of rules for every such file: PDF, JPEG or PNG by content, an extension
that agrees with the content, a size limit, a random stored name; one record of it,
``StoredDocument``, which the application, claim and registration documents extend;
and one way to hand it back: Django's ``FileResponse`` (it builds
``Content-Disposition`` for Chinese names), never sniffed, never run.
"""

import uuid
from datetime import timedelta
from pathlib import PurePath
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.http import FileResponse
from django.utils import timezone

SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
EXTENSIONS = {"application/pdf": {".pdf"}, "image/jpeg": {".jpg", ".jpeg"}, "image/png": {".png"}}


def sniff(upload) -> str | None:
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def check_document(upload, *, max_bytes: int) -> str:
    """The content type of an acceptable scan, or a ValidationError a clerk can act on."""
    if upload.size > max_bytes:
        raise ValidationError(
            f"文件“{upload.name}”过大（{upload.size / 1048576:.1f} MB），单个文件不能超过 {max_bytes // 1048576} MB。"
        )
    content_type = sniff(upload)
    if content_type is None:
        raise ValidationError(f"文件“{upload.name}”不是 PDF、JPG 或 PNG 格式。请上传扫描件或照片。")
    if PurePath(upload.name).suffix.lower() not in EXTENSIONS[content_type]:
        raise ValidationError(
            f"文件“{upload.name}”的扩展名与内容不符（内容是 {content_type.split('/')[1].upper()}），请检查后重新上传。"
        )
    return content_type


def document_fields(upload, *, max_bytes: int) -> dict:
    """The checked upload as the fields every stored scan has (file, original_name, content_type, size)."""
    content_type = check_document(upload, max_bytes=max_bytes)
    return {"file": upload, "original_name": upload.name[:200], "content_type": content_type, "size": upload.size}


def random_path(folder: str, filename: str) -> str:
    """A stored name nothing can be guessed from: neither the record nor the original name."""
    return f"{folder}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


def stored_document_path(instance: "StoredDocument", filename: str) -> str:
    """Where a stored scan goes: a random name in its model's ``upload_folder``."""
    return random_path(instance.upload_folder, filename)


class StoredDocument(models.Model):
    """What every stored scan keeps: the file, under a random name in the model's ``upload_folder``;
    the name it was uploaded under, its content type as checked, its size (``document_fields`` gives
    these four from an upload) and when it came. Each document adds what it belongs to, and, where
    it has them, its kind (each with its own list) and who uploaded it (a registering union has no
    account yet)."""

    upload_folder: ClassVar[str]

    file = models.FileField("文件", upload_to=stored_document_path)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name


class KeptFiles:
    """Uploads kept from one step to the next — an import's preview, then the person's confirmation;
    a large roster, then the worker — in one folder of the default storage (which every web and
    worker machine shares, unlike a machine's /tmp), each under a random name: nothing in it says
    whose it is or what the file was called. Read back only by a name in that folder, deleted once
    used, and the ones nobody came back for deleted by ``sweep`` (``manage.py cleanup_uploads``,
    nightly on the worker): they hold ID numbers and bank accounts.

    Used by the roster's error reports and previews (``enrollment.roster.pending``), the bank
    statement's preview (``enrollment.services.payments``) and the admin's imports
    (``mutualaid.importing``)."""

    def __init__(self, folder: str):
        self.folder = folder

    def store(self, data: bytes, filename: str = "") -> str:
        """Keep ``data`` under a random name (with ``filename``'s extension); returns the stored name."""
        return default_storage.save(random_path(self.folder, filename), ContentFile(data))

    def owns(self, name: str | None) -> bool:
        """Whether ``name`` is a file of this folder (a name from a form or a session is checked)."""
        folder, _, base = (name or "").rpartition("/")
        return folder == self.folder and bool(base) and not base.startswith(".")

    def read(self, name: str | None) -> bytes | None:
        """The kept file, or None when it is gone (used, or swept meanwhile) or is none of this folder's."""
        if not self.owns(name) or not default_storage.exists(name):
            return None
        with default_storage.open(name, "rb") as handle:
            return handle.read()

    def delete(self, name: str | None) -> None:
        if self.owns(name) and default_storage.exists(name):
            default_storage.delete(name)

    def delete_on_commit(self, name: str | None) -> None:
        """Delete the file once the transaction that stops referring to it commits."""
        transaction.on_commit(lambda: self.delete(name))

    def sweep(self, *, older_than: timedelta, keep=frozenset(), now=None) -> list[str]:
        """Delete the folder's files last written more than ``older_than`` ago, except those in ``keep``
        (still referred to); returns the names deleted."""
        limit = (now or timezone.now()) - older_than
        try:
            names = default_storage.listdir(self.folder)[1]
        except (FileNotFoundError, NotADirectoryError):
            return []
        deleted = []
        for base in names:
            name = f"{self.folder}/{base}"
            if name not in keep and default_storage.get_modified_time(name) < limit:
                default_storage.delete(name)
                deleted.append(name)
        return deleted


def serve_document(request, document: StoredDocument) -> FileResponse:
    """A stored scan, viewed in the browser (PDF and images) or, with ``?download=1``, downloaded under
    its original name. Every opening is logged: these are workers' medical records."""
    from mutualaid.models import audit

    download = request.GET.get("download") == "1"
    audit(actor=request.user, obj=document, action="download", comment=document.original_name)
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=download,
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; plugin-types application/pdf"
    response["Cache-Control"] = "private, no-store"
    return response
