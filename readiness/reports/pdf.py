"""Rendering HTML to PDF with WeasyPrint, fetching nothing but embedded data and the app's own files.

As Indico does, the URL fetcher refuses `file:` and every remote URL: a template (or a
value slipped into one) cannot make the server read its disk or call the network. Only
`data:` URLs and `app-static:` URLs (files under the app's static folder) are served.
Refusals stop the rendering instead of leaving a silent hole in the document.

Font configuration and parsed stylesheets are kept per process: loading the fonts costs
more than laying out a certificate.

Python's cyclic garbage collector runs less often while certificates are laid out and
written (`gc_relaxed`): WeasyPrint builds hundreds of thousands of objects a document that
live until it is written, and the collector keeps walking them (and everything else the
process holds) to find little garbage. A chunk of certificates takes about a fifth less
CPU time so, for some 50 MB more at peak; the garbage is still collected, less often.
"""

from __future__ import annotations

import gc
import mimetypes
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from readiness.reports import fonts


class FetchRefusedError(ValueError):
    """A PDF asked for a URL it may not fetch."""


class PdfRenderError(RuntimeError):
    """The PDF could not be rendered (e.g. a template asked for a refused URL)."""


class AppUrlFetcher(URLFetcher):
    """Serve `data:` URLs and the app's static files; refuse everything else."""

    def __init__(self, static_folder: str | Path) -> None:
        # A refused or missing resource must stop the rendering, not be skipped.
        super().__init__(fail_on_errors=True)
        self.root = Path(static_folder).resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the resource of `url`, or raise FetchRefusedError."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == fonts.STATIC_SCHEME:
            return self._static(url)
        raise FetchRefusedError(f"PDF rendering fetches no URL: refused {url[:120]!r} "
                                "(only data: and the app's own static files are allowed).")

    def _static(self, url: str) -> URLFetcherResponse:
        relative = url.split(":", 1)[1].lstrip("/").split("?", 1)[0].split("#", 1)[0]
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise FetchRefusedError(f"No static file {relative!r} for the PDF.")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


@dataclass
class Renderer:
    """Fonts and stylesheets loaded once per process for one static folder."""

    static_folder: str
    fetcher: AppUrlFetcher
    font_config: FontConfiguration
    fonts_css: CSS
    sheets: dict[tuple[str, float], CSS] = field(default_factory=dict)
    # Images of the app's own files, parsed once per process (see render_document).
    images: dict[str, Any] = field(default_factory=dict)
    # WeasyPrint's shared font configuration is not documented as thread-safe.
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sheet(self, path: Path) -> CSS:
        """Return the parsed stylesheet at `path` (parsed again when the file changes)."""
        key = (str(path), path.stat().st_mtime)
        if key not in self.sheets:
            self.sheets[key] = CSS(string=path.read_text(encoding="utf-8"), font_config=self.font_config,
                                   url_fetcher=self.fetcher, base_url=f"{fonts.STATIC_SCHEME}:")
        return self.sheets[key]


#: Collector thresholds while certificates are rendered: young collections every 20,000
#: allocations instead of 700, no full collection in between.
RELAXED_GC = (20_000, 50, 1_000)
_gc_lock = threading.Lock()
_gc_holders = 0
_gc_saved: tuple[int, ...] = ()


@contextmanager
def gc_relaxed() -> Iterator[None]:
    """Collect garbage less often during a bounded piece of rendering (nests; threads share it).

    The thresholds in force before the first holder come back when the last one leaves.
    """
    global _gc_holders, _gc_saved
    with _gc_lock:
        if _gc_holders == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(*RELAXED_GC)
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0:
                gc.set_threshold(*_gc_saved)


_renderers: dict[str, Renderer] = {}
_renderers_lock = threading.Lock()


def renderer(static_folder: str | None = None) -> Renderer:
    """Return the renderer of the app's static folder, creating it on first use."""
    folder = str(static_folder or current_app.static_folder)
    with _renderers_lock:
        if folder not in _renderers:
            fetcher = AppUrlFetcher(folder)
            config = FontConfiguration()
            css = CSS(string=fonts.font_face_css(), font_config=config, url_fetcher=fetcher)
            _renderers[folder] = Renderer(folder, fetcher, config, css)
        return _renderers[folder]


def stylesheet_path(name: str) -> Path:
    """Return the path of a PDF stylesheet under templates/pdf."""
    return Path(current_app.root_path, current_app.template_folder or "templates", "pdf", name).resolve()


def render_template(name: str, **context: Any) -> str:
    """Render templates/pdf/`name` with plain data only: no request, no context processors (CLI too)."""
    return current_app.jinja_env.get_template(f"pdf/{name}").render(**context)


def render_document(html: str, stylesheets: Sequence[str] = (), *,
                    static_folder: str | None = None) -> Document:
    """Lay out `html` with the shipped fonts and the named stylesheets of templates/pdf."""
    r = renderer(static_folder)
    sheets = [r.fonts_css, *(r.sheet(stylesheet_path(name)) for name in stylesheets)]
    # A cache per document, seeded with the static images: WeasyPrint also keeps a raster
    # image's data in it until the PDF is written, and embedded data (a QR code) must not
    # pile up across renders.
    cache = dict(r.images)
    with r.lock:
        try:
            document = HTML(string=html, url_fetcher=r.fetcher, base_url=f"{fonts.STATIC_SCHEME}:").render(
                stylesheets=sheets, font_config=r.font_config, cache=cache)
        except FatalURLFetchingError as exc:
            raise PdfRenderError(str(exc.__cause__ or exc)) from exc
        r.images.update({k: v for k, v in cache.items()
                         if isinstance(k, str) and k.startswith(f"{fonts.STATIC_SCHEME}:")})
    return document


def write(document: Document, pages: Sequence[Any] | None = None, *, metadata: Any = None,
          static_folder: str | None = None) -> bytes:
    """Write a laid-out document (or some of its pages, with their own metadata) as PDF bytes."""
    doc = document if pages is None else document.copy(pages)
    if metadata is not None:
        doc.metadata = metadata
    with renderer(static_folder).lock:
        return doc.write_pdf()


def render_pdf(html: str, stylesheets: Sequence[str] = (), *, static_folder: str | None = None) -> bytes:
    """Render `html` to PDF bytes (see render_document)."""
    return write(render_document(html, stylesheets, static_folder=static_folder), static_folder=static_folder)
