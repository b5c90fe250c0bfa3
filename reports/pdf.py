"""HTML templates to A4 PDFs with WeasyPrint; long documents in chunks, merged.

The font is Noto Sans CJK from Debian's fonts-noto-cjk, embedded as a subset
(WeasyPrint subsets with HarfBuzz; ``reports.checks`` says when either is missing).
"""

import concurrent.futures
import contextlib
import gc
import io
import logging
import multiprocessing
import os
import threading
from concurrent.futures.process import BrokenProcessPool

from django.template.loader import render_to_string

# Rows per WeasyPrint pass for long rosters: layout cost grows faster than linearly with
# one huge table, and memory with the whole document; 1,000 rows is about 25 pages.
CHUNK_ROWS = 1000
# Processes laying out chunks at once: None is one per core.
WORKERS: int | None = None


logger = logging.getLogger(__name__)
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


_collector_lock = threading.Lock()
_collector_paused = 0  # documents being made now, in any thread
_collector_was_enabled = True


@contextlib.contextmanager
def _without_collector():
    """Python's cycle collector off while a document is laid out and written, and one collection after.

    WeasyPrint makes hundreds of thousands of objects for a long table and keeps them all until the
    PDF is written; the collector, run after every few hundred new objects, walked them again and
    again: a third of the layout time of a 1,000-row chunk. Other threads go without it for as long
    as the longest document takes (seconds); the garbage (a document's boxes hold cycles, about
    100 MB a chunk) is collected when the last one is done."""
    global _collector_paused, _collector_was_enabled
    with _collector_lock:
        if not _collector_paused:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_paused += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_paused -= 1
            last = not _collector_paused
            if last and _collector_was_enabled:
                gc.enable()
        if last:
            gc.collect(0)  # what was made meanwhile is all in the youngest generation: 5 ms, not a full 80 ms


def _pdf(html: str) -> tuple[bytes, int]:
    """The PDF of ``html`` and its number of pages."""
    with _without_collector():
        document = _layout(html)
        data, pages = document.write_pdf(), len(document.pages)
        del document  # before the collection, so that it frees the document too
    return data, pages


def html_to_pdf(html: str) -> bytes:
    return _pdf(html)[0]


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
# Put before a chunk's </head> when chunks are laid out side by side: its pages get their footers later.
_NO_FOOTER = "<style>@page { @bottom-center { content: none } }</style></head>"


def render_chunked(template: str, make_context, total: int, *, progress=None, workers: int | None = None) -> bytes:
    """Render ``total`` rows ``CHUNK_ROWS`` at a time (``make_context(start, stop)`` builds each
    chunk's context, header included) and merge the parts into one PDF. The footer's page numbers
    count on across the chunks.

    With more than one core (``workers``, by default ``WORKERS``) the chunks are laid out in that
    many processes at once; see ``_render_side_by_side`` for the page numbers."""
    if total <= CHUNK_ROWS:
        return render(template, make_context(0, total))
    workers = min(workers or WORKERS or len(os.sched_getaffinity(0)) or 1, -(-total // CHUNK_ROWS))
    if workers > 1:
        # One long document at a time per process lays out in parallel (the cores are the limit, and
        # each worker holds a few hundred MB); another waits for the pool rather than doubling it.
        with _side_by_side:
            try:
                return _render_side_by_side(template, make_context, total, workers=workers, progress=progress)
            except (BrokenProcessPool, OSError, EOFError):
                # A worker killed (memory) or the fork server unable to start: the same PDF, in turn.
                logger.exception("PDF layout workers failed; laying the chunks out in turn")
    return _render_in_turn(template, make_context, total, progress=progress)


_side_by_side = threading.Lock()


def _render_in_turn(template: str, make_context, total: int, *, progress=None) -> bytes:
    """The chunks one after another in this process, each first page reset to follow the pages before."""
    parts, pages = [], 0
    for start in range(0, total, CHUNK_ROWS):
        html = render_to_string(template, make_context(start, min(start + CHUNK_ROWS, total)))
        if pages:
            html = html.replace("</head>", _FIRST_PAGE.format(number=pages + 1), 1)
        data, count = _pdf(html)
        pages += count
        parts.append(data)
        if progress:
            progress.advance(min(CHUNK_ROWS, total - start))
    return merge(parts)


def _render_side_by_side(template: str, make_context, total: int, *, workers: int, progress=None) -> bytes:
    """The chunks in ``workers`` processes at once. A chunk cannot wait for the page count of the
    chunks before it, so each is laid out without its footer; as soon as the pages before a chunk
    are all counted, its footers are laid out on blank pages under the same ``@page`` rules,
    numbered on from there, and printed onto its pages (``_stamp``, in a worker too)."""
    # Started by a fork server that has WeasyPrint loaded (once per process): forking this process
    # itself could deadlock a child, since the worker and the web server run requests in threads.
    # The HTML is made in this process, which alone talks to the database; only strings and PDFs
    # cross over.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["reports.pdf", "weasyprint"])
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        laying_out, rows, head = {}, {}, ""
        for index, start in enumerate(range(0, total, CHUNK_ROWS)):
            html = render_to_string(template, make_context(start, min(start + CHUNK_ROWS, total)))
            head = head or html[: html.index("</head>")]  # the same footer text and rules for every chunk
            laying_out[pool.submit(_pdf, html.replace("</head>", _NO_FOOTER, 1))] = index
            rows[index] = min(CHUNK_ROWS, total - start)
        laid_out: dict[int, tuple[bytes, int]] = {}
        stamping, counted, first = [], 0, 1  # chunks before ``counted`` have their footers on the way
        for future in concurrent.futures.as_completed(laying_out):
            laid_out[laying_out[future]] = future.result()
            while counted in laid_out:
                data, pages = laid_out.pop(counted)
                stamping.append(pool.submit(_stamp, data, head, first, pages))
                counted, first = counted + 1, first + pages
            if progress:
                progress.advance(rows[laying_out[future]])
        return merge([future.result() for future in stamping])
    finally:
        pool.shutdown(cancel_futures=True)  # after a failed chunk, the others not laid out first


def _stamp(data: bytes, head: str, first: int, pages: int) -> bytes:
    """The chunk's PDF with its footers, numbered from ``first``, printed onto its pages."""
    from pypdf import PdfReader, PdfWriter

    blank = '<div style="break-after: page"></div>' * (pages - 1) + "<div></div>"
    footers = PdfReader(io.BytesIO(html_to_pdf(f"{head}{_FIRST_PAGE.format(number=first)}<body>{blank}</body></html>")))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page, footer in zip(writer.pages, footers.pages, strict=True):
        page.merge_page(footer)
        page.compress_content_streams()  # merging leaves the page's text uncompressed, five times the size
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
