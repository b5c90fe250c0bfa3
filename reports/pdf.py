"""HTML templates to A4 PDFs with WeasyPrint; long documents in chunks, merged.

The font is Noto Sans CJK from Debian's fonts-noto-cjk, embedded as a subset
(WeasyPrint subsets with HarfBuzz; ``reports.checks`` says when either is missing).
"""

import io
import threading

from django.template.loader import render_to_string

# Rows per WeasyPrint pass for long rosters: layout cost grows faster than linearly with
# one huge table, and memory with the whole document; 1,000 rows is about 25 pages.
CHUNK_ROWS = 1000


_local = threading.local()


def url_fetcher():
    """What a document may load besides its own HTML: ``data:`` URIs only (the receipt's QR code), never
    a file or the network, whatever text a form carries. One per thread (a fetcher keeps state
    between calls), made once: WeasyPrint's default builds a new one per document, loading the
    system's certificates each time (about 75 ms a PDF)."""
    fetcher = getattr(_local, "fetcher", None)
    if fetcher is None:
        from weasyprint.urls import URLFetcher

        fetcher = _local.fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)
    return fetcher


def _layout(html: str):
    from weasyprint import HTML

    return HTML(string=html, base_url=None, url_fetcher=url_fetcher()).render()


def html_to_pdf(html: str) -> bytes:
    return _layout(html).write_pdf()


def render(template: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template, context))


def merge(parts) -> bytes:
    """One PDF of the given PDFs, in order."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# Put before a chunk's </head>: its first page carries the number after the previous chunks' pages.
_FIRST_PAGE = "<style>@page :first {{ counter-reset: page {number} }}</style></head>"


def render_chunked(template: str, make_context, total: int, *, progress=None) -> bytes:
    """Render ``total`` rows ``CHUNK_ROWS`` at a time (``make_context(start, stop)`` builds each
    chunk's context, header included) and merge the parts into one PDF. The footer's page numbers
    count on across the chunks: each chunk after the first starts its page counter after the pages
    laid out before it."""
    if total <= CHUNK_ROWS:
        return render(template, make_context(0, total))
    parts, pages = [], 0
    for start in range(0, total, CHUNK_ROWS):
        html = render_to_string(template, make_context(start, min(start + CHUNK_ROWS, total)))
        if pages:
            html = html.replace("</head>", _FIRST_PAGE.format(number=pages + 1), 1)
        document = _layout(html)
        pages += len(document.pages)
        parts.append(document.write_pdf())
        if progress:
            progress.advance(min(CHUNK_ROWS, total - start))
    return merge(parts)
