"""Scanned documents people upload (claim papers, certificates, transfer slips).

One set of rules for every such file: PDF, JPEG or PNG by content, an extension
that agrees with the content, a size limit, a random stored name; one record of it,
``StoredDocument``, which the application, claim and registration documents extend;
and one way to hand it back: Django's ``FileResponse`` (it builds
``Content-Disposition`` for Chinese names), never sniffed, never run.
"""

import uuid
from pathlib import PurePath
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse

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
