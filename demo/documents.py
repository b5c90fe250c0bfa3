"""Stand-in scans for demo and test claims: one small PDF per required document."""

from django.core.files.uploadedfile import SimpleUploadedFile

from claims import services
from claims.models import DocumentKind


def _blank_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # A4 in points
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _blank_pdf()


def attach_required(claim, actor):
    """Attach the first kind of every required document still missing; returns the claim."""
    labels = {kind.label: kind for kind in DocumentKind}
    for item in services.document_checklist(claim):
        if item["done"]:
            continue
        kind = labels[item["label"].split(" 或 ")[0]]
        upload = SimpleUploadedFile(f"{kind.label}.pdf", PDF, content_type="application/pdf")
        services.claim_attach(actor=actor, claim=claim, kind=kind.value, upload=upload)
    return claim
