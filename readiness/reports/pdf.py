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

Many pages at once (a batch of certificates issued from nothing) can be rendered by
worker processes (`in_workers`): rendering is a pure function of plain data (`PagesJob`:
HTML, stylesheet paths, static folder, page metadata) to PDF bytes, so the caller builds
the jobs and stores the results in its own transaction. The workers start
from a fork server (never forked from the caller: a fork would copy its database
connections, locks and threads) and render with the same fetcher as here, so the same
URLs are refused. The fork server starts with a process's first certificate
(`start_fork_server`), not with its first batch, and loads the fonts before it forks
any worker (`load_for_workers`): a batch from nothing waits neither for its start (about
a second) nor for each worker's fonts.
"""

from __future__ import annotations

import copy
import gc
import mimetypes
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import forkserver
from pathlib import Path
from typing import Any, TypeVar

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
    folder = os.path.realpath(static_folder or current_app.static_folder or "")
    with _renderers_lock:
        if folder not in _renderers:
            fetcher = AppUrlFetcher(folder)
            config = FontConfiguration()
            css = CSS(string=fonts.font_face_css(), font_config=config, url_fetcher=fetcher)
            _renderers[folder] = Renderer(folder, fetcher, config, css)
        return _renderers[folder]


#: The app's own folders (create_app's static folder and templates/pdf), found without an
#: app: the workers' fork server loads their fonts and stylesheets before any app exists.
APP_STATIC_FOLDER = os.path.realpath(Path(__file__).parents[2] / "static")
APP_STYLESHEETS = Path(__file__).parents[2].resolve() / "templates" / "pdf"


def load_for_workers() -> None:
    """Load the fonts and stylesheets of the app's folders, and lay out and write a page with each face.

    Run by the workers' fork server (readiness.reports.pdf_workers) before it forks any
    worker: each worker inherits them instead of loading its own (about 0.1 s of CPU
    each, and a temporary folder of fonts that a worker, which ends without running
    finalizers, would leave behind). The fork server stays one thread: nothing here
    starts one, so forking it is safe.
    """
    sheets = sorted(str(path) for path in APP_STYLESHEETS.glob("*.css"))
    lines = "".join(
        f'<p style="font-family: {fonts.family_css(stack)}; font-weight: {weight}; font-style: {style}">'
        "Aa Əə Şş Ğğ Жж ქართული 0123 ·—№</p>"
        for stack in fonts.STACKS for weight in ("normal", "bold") for style in ("normal", "italic"))
    write_pages(PagesJob(f"<html><body>{lines}</body></html>", tuple(sheets), APP_STATIC_FOLDER,
                         (PageMeta("Fonts", "Fonts loaded for the PDF workers"),)))


def stylesheet_path(name: str) -> Path:
    """Return the path of a PDF stylesheet under templates/pdf."""
    return Path(current_app.root_path, current_app.template_folder or "templates", "pdf", name).resolve()


def render_template(name: str, **context: Any) -> str:
    """Render templates/pdf/`name` with plain data only: no request, no context processors (CLI too)."""
    return current_app.jinja_env.get_template(f"pdf/{name}").render(**context)


def render_document(html: str, stylesheets: Sequence[str | Path] = (), *,
                    static_folder: str | None = None) -> Document:
    """Lay out `html` with the shipped fonts and stylesheets (a name under templates/pdf, or a path)."""
    r = renderer(static_folder)
    paths = [name if isinstance(name, Path) else stylesheet_path(name) for name in stylesheets]
    sheets = [r.fonts_css, *(r.sheet(path) for path in paths)]
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


@dataclass(frozen=True)
class PageMeta:
    """The metadata of one page written as its own PDF."""

    title: str
    description: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class PagesJob:
    """One document to lay out and write one PDF per page: plain data, so a worker process can take it."""

    html: str
    #: Resolved stylesheet paths (a worker has no app to resolve names with).
    stylesheets: tuple[str, ...]
    static_folder: str
    pages: tuple[PageMeta, ...]
    #: What the pages are, for the message when the layout does not give one page each.
    what: str = "pages"


def pages_job(html: str, stylesheets: Sequence[str], pages: Sequence[PageMeta], what: str) -> PagesJob:
    """Return the job of `html` for this app: stylesheet names and the static folder resolved."""
    return PagesJob(html, tuple(str(stylesheet_path(name)) for name in stylesheets),
                    str(current_app.static_folder), tuple(pages), what)


def write_pages(job: PagesJob) -> list[bytes]:
    """Lay out the job's document, then write each page as its own PDF with its own metadata.

    A page written alone from a shared layout is byte for byte the page its content gives
    alone (fonts are subset per file), in this process or in a worker.
    """
    with gc_relaxed():
        document = render_document(job.html, [Path(p) for p in job.stylesheets],
                                   static_folder=job.static_folder)
        if len(document.pages) != len(job.pages):
            raise PdfRenderError(f"{len(job.pages)} {job.what} were laid out on {len(document.pages)} pages: "
                                 "one overflows.")
        out = []
        for meta, page in zip(job.pages, document.pages, strict=True):
            metadata = copy.copy(document.metadata)
            metadata.title = meta.title
            metadata.description = meta.description
            metadata.keywords = list(meta.keywords)
            out.append(write(document, [page], metadata=metadata, static_folder=job.static_folder))
        return out


#: The most worker processes used unless configured otherwise: each holds its own fonts
#: and layouts (some 150-250 MB at peak), and past a few the caller's own share (data,
#: storage, merging) is what the batch waits for.
DEFAULT_MAX_WORKERS = 4


def worker_count(setting: Any, name: str) -> int:
    """Return how many processes may render at once: the setting `name`, else this process's CPUs (at most 4).

    1 means everything renders in the calling process. Anything but a whole number of
    at least 1 (or None for the default) is refused, naming the setting.
    """
    if setting is None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux: every CPU of the machine
            cpus = os.cpu_count() or 1
        return max(1, min(cpus, DEFAULT_MAX_WORKERS))
    if isinstance(setting, bool) or not isinstance(setting, int) or setting < 1:
        raise ValueError(f"{name} must be a whole number of processes, at least 1 (1 renders in the "
                         f"calling process), or unset for one per CPU (at most {DEFAULT_MAX_WORKERS}); "
                         f"got {setting!r}.")
    return setting


Job = TypeVar("Job")
Result = TypeVar("Result")


def worker_context() -> multiprocessing.context.BaseContext:
    """Return how worker processes start: from a fork server with this module loaded, else spawned.

    Never a plain fork of the caller, which may hold database connections, locks and
    threads (a web worker does). The fork server is a fresh interpreter started ahead
    (start_fork_server) or on first use, with this module (WeasyPrint included) imported
    and the app's fonts and stylesheets loaded once (readiness.reports.pdf_workers): each
    worker forked from it starts in milliseconds with them, instead of importing for about
    a second and loading its own. It holds no app and no connection, and it lasts as long
    as the calling process (its fonts' temporary folder goes with it).
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Read only when the server starts (a server started before just leaves the imports and
    # the fonts to each worker). "__main__" is the default's: the caller's main script,
    # which every worker imports as multiprocessing does, is then imported once too.
    context.set_forkserver_preload(["__main__", __name__, f"{__package__}.pdf_workers"])
    return context


def start_fork_server() -> None:
    """Start the workers' fork server now, without waiting for it (nothing if it runs already).

    A process that may render in workers calls this on its first certificate: the fork
    server imports WeasyPrint in its own process (about a second of CPU) while this one
    goes on, so that a later batch from nothing finds it up instead of waiting for it.
    Without a fork server on this platform (workers are spawned), nothing starts.
    """
    if worker_context().get_start_method() == "forkserver":
        forkserver.ensure_running()


def in_workers(func: Callable[[Job], Result], jobs: Iterable[Job], workers: int) -> list[Result]:
    """Run `func` on every job in up to `workers` worker processes; return the results in order.

    The workers (see worker_context) start for this call and end with it: nothing stays in
    a web worker but the fork server. Jobs are handed to the workers as this thread
    produces them, so its work on the next job overlaps their rendering; a helper thread
    submits them, because starting a worker blocks the submitter (for the fork server's
    start, about a second, if it was not started ahead) and this thread keeps producing
    meanwhile. An
    exception in a worker cancels the jobs not started and is raised here.
    """
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=worker_context())
    handoff: queue.SimpleQueue[Any] = queue.SimpleQueue()
    futures: list[Future[Result]] = []
    refused: list[BaseException] = []

    def submit_all() -> None:
        while (job := handoff.get()) is not _NO_MORE_JOBS:
            if not refused:
                try:
                    futures.append(pool.submit(func, job))
                except BaseException as exc:  # a broken pool: said in the caller's thread
                    refused.append(exc)

    submitter = threading.Thread(target=submit_all, name="pdf-workers-submit", daemon=True)
    submitter.start()
    try:
        try:
            for job in jobs:
                handoff.put(job)
                if refused:
                    break
        finally:
            handoff.put(_NO_MORE_JOBS)
            submitter.join()
        if refused:
            raise refused[0]
        results = [future.result() for future in futures]
    except BrokenProcessPool as exc:
        pool.shutdown(wait=True, cancel_futures=True)
        raise PdfRenderError(f"A PDF worker process ended abruptly ({exc}); rendering abandoned.") from exc
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


_NO_MORE_JOBS = object()
