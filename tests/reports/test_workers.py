"""Certificates rendered by worker processes: the same bytes as alone, the same refusals, all or nothing."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from multiprocessing import forkserver

import pytest
from sqlalchemy import func, select

from readiness.engine.rules import today
from readiness.extensions import db
from readiness.reports import certificates, pdf
from readiness.reports.models import Certificate
from readiness.training.models import Completion
from tests.reports.conftest import page_count, pdf_text


def _parent_pid(_: object) -> tuple[int, int]:
    return os.getpid(), os.getppid()


def _die(_: object) -> None:
    os._exit(3)


def _inherited(_: object) -> tuple[int, list[str], str, int]:
    """What a worker found loaded before its first job: the fonts' folder and parsed stylesheets."""
    loaded = dict(pdf._renderers)
    r = loaded.get(pdf.APP_STATIC_FOLDER)
    return (os.getppid(), list(loaded), str(r.font_config._folder) if r else "",
            len(r.sheets) if r else 0)


def _stop_fork_server() -> None:
    forkserver._forkserver._stop()  # private, as in the stdlib's own tests


def _fork_server_pid() -> int | None:
    return forkserver._forkserver._forkserver_pid


@pytest.fixture
def pools(app, monkeypatch) -> list[tuple[int, int]]:
    """Render even the force's three certificates in two worker processes; list each pool (workers, jobs)."""
    app.config.update(CERTIFICATE_WORKERS=2, CERTIFICATE_PARALLEL_MIN=2)
    seen: list[tuple[int, int]] = []
    real = pdf.in_workers

    def recording(func, jobs, workers):
        jobs = list(jobs)
        seen.append((workers, len(jobs)))
        return real(func, jobs, workers)

    monkeypatch.setattr(pdf, "in_workers", recording)
    return seen


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Certificate))


def test_certificates_rendered_by_workers_are_byte_for_byte_the_ones_rendered_alone(
        app, admin, public, force, completed_on, pools):
    on = today()
    resp = admin.get("certificates/batch", query_string={"course": "UNPOC", "format": "zip",
                                                         "completed_on": completed_on.isoformat()})
    assert resp.status_code == 200
    assert pools == [(2, 2)]  # three certificates, two to a layout, one layout per worker
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    stored = list(db.session.scalars(select(Certificate).order_by(Certificate.id)))
    assert len(stored) == 3
    datas = []
    for cert in stored:
        completion = db.session.get(Completion, cert.completion_id)
        datas.append(certificates.certificate_data(completion, cert.code, on))
        alone = certificates.render_certificate(datas[-1])  # one certificate: in this process
        zipped = archive.read(f"{completion.person.service_number}_{cert.code}.pdf")
        served = admin.get(f"completions/{cert.completion_id}/certificate.pdf")
        assert zipped == served.data == alone
        assert hashlib.sha256(served.data).hexdigest() == cert.sha256
        assert served.headers["X-Certificate-SHA256"] == cert.sha256
        assert cert.size == len(served.data)
        assert page_count(served.data) == 1
        assert cert.code in pdf_text(served.data)
        answer = public.post("/api/v1/verify/pdf", data={"file": (io.BytesIO(served.data), "c.pdf")}).json
        assert (answer["genuine"], answer["certificate"]["code"]) == (True, cert.code)
        assert public.get(f"/api/v1/verify/{cert.code}").json["status"] == "valid"
    assert pools == [(2, 2)]  # the single renders did not start a pool
    # The same batch rendered all in this process gives the same files.
    app.config["CERTIFICATE_WORKERS"] = 1
    assert certificates.render_certificates(datas) == [db.session.get(Certificate, c.id).pdf for c in stored]
    assert pools == [(2, 2)]


def test_workers_are_other_processes_started_from_the_fork_server_not_forked_from_the_caller(app):
    answers = pdf.in_workers(_parent_pid, range(4), 2)
    pids, parents = {pid for pid, _ in answers}, {parent for _, parent in answers}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2
    assert os.getpid() not in parents  # a plain fork would copy this process's connections


@pytest.mark.parametrize(("html", "refusal"), [
    ('<img src="file:///etc/hostname">', "refused 'file:///etc/hostname'"),
    ('<p style="background: url(http://example.com/x.png)">x</p>', "refused 'http://example.com/x.png'"),
    ('<link rel="stylesheet" href="https://example.com/x.css"><p>x</p>', "refused 'https://example.com/x.css'"),
    ('<img src="app-static:../config.py">', "No static file '../config.py'"),
])
def test_workers_refuse_files_and_remote_urls_too(app, html, refusal):
    page = pdf.PageMeta("Refused", "A page asking for a URL")
    jobs = [pdf.pages_job("<p>fine</p>", (), [page], "pages"), pdf.pages_job(html, (), [page], "pages")]
    with pytest.raises(pdf.PdfRenderError, match=refusal) as caught:
        pdf.in_workers(pdf.write_pages, jobs, 2)
    # Raised in the worker, sent back with its traceback.
    assert "write_pages" in str(caught.value.__cause__)
    assert type(caught.value.__cause__).__name__ == "_RemoteTraceback"


def test_a_batch_whose_template_asks_for_a_file_stores_nothing(app, force, pools, monkeypatch):
    template = certificates.certificate_html
    monkeypatch.setattr(certificates, "certificate_html", lambda datas: template(datas).replace(
        "</body>", '<img src="file:///etc/hostname"></body>'))
    completions = list(db.session.scalars(select(Completion).order_by(Completion.id)))
    with pytest.raises(pdf.PdfRenderError, match="refused 'file:///etc/hostname'"):
        certificates.issue_many(completions, None)
    assert pools == [(2, 2)]
    db.session.rollback()
    assert _stored() == 0


def test_a_job_that_cannot_be_built_stops_the_workers_and_is_raised(app):
    def jobs():
        yield 1
        raise ValueError("row 2: no such course")

    with pytest.raises(ValueError, match="row 2: no such course"):
        pdf.in_workers(_parent_pid, jobs(), 2)


def test_a_worker_that_dies_is_an_error_not_a_hang(app):
    with pytest.raises(pdf.PdfRenderError, match="ended abruptly"):
        pdf.in_workers(_die, [1, 2], 2)


def test_fewer_certificates_than_the_threshold_render_in_this_process(app, admin, force, completed_on, pools):
    app.config["CERTIFICATE_PARALLEL_MIN"] = 4
    resp = admin.get("certificates/batch", query_string={"course": "UNPOC",
                                                         "completed_on": completed_on.isoformat()})
    assert resp.status_code == 200
    assert page_count(resp.data) == 3
    assert pools == []
    app.config["CERTIFICATE_PARALLEL_MIN"] = 1
    reissued = admin.post(f"completions/{force['AZ-1']}/certificate/reissue")
    assert reissued.status_code == 201
    assert pools == []  # one certificate never pays for a pool
    assert _stored() == 4


def test_worker_count_is_the_setting_or_the_cpus_at_most_four():
    default = pdf.worker_count(None, "CERTIFICATE_WORKERS")
    assert 1 <= default <= min(pdf.DEFAULT_MAX_WORKERS, len(os.sched_getaffinity(0)))
    assert pdf.worker_count(3, "CERTIFICATE_WORKERS") == 3
    assert pdf.worker_count(1, "CERTIFICATE_WORKERS") == 1
    for bad in (0, -2, 2.5, "2", True):
        with pytest.raises(ValueError, match=r"CERTIFICATE_WORKERS must be a whole number .* got "):
            pdf.worker_count(bad, "CERTIFICATE_WORKERS")


@pytest.mark.parametrize(("setting", "value"), [
    ("CERTIFICATE_WORKERS", 0), ("CERTIFICATE_WORKERS", "two"), ("CERTIFICATE_PARALLEL_MIN", 0),
    ("CERTIFICATE_PARALLEL_MIN", "many"), ("CERTIFICATE_PARALLEL_MIN", None)])
def test_a_bad_render_setting_is_refused_by_name(app, admin, force, setting, value):
    app.config[setting] = value
    with pytest.raises(ValueError, match=f"{setting} must be a whole number .* got {value!r}"):
        admin.get(f"completions/{force['AZ-1']}/certificate.pdf")
    db.session.rollback()
    assert _stored() == 0


@pytest.mark.parametrize(("count", "workers", "size"), [
    (500, 2, 25), (500, 4, 25), (60, 2, 15), (101, 2, 17), (3, 2, 2), (2, 4, 1), (40, 2, 20)])
def test_chunks_give_every_worker_an_even_share(count, workers, size):
    assert certificates.chunk_size(count, workers) == size
    chunks = -(-count // size)
    assert size <= certificates.CHUNK
    assert chunks % workers == 0 or count < workers


def test_the_first_certificate_starts_the_fork_server_ahead_and_a_batch_then_gives_the_same_bytes(
        app, force, pools):
    _stop_fork_server()
    completions = list(db.session.scalars(select(Completion).order_by(Completion.id)))
    on = today()
    datas = [certificates.certificate_data(c, c.verification_code, on) for c in completions]
    app.config["CERTIFICATE_WORKERS"] = 1  # never renders in workers: starts nothing
    alone = [certificates.render_certificate(d) for d in datas]
    assert _fork_server_pid() is None
    app.config["CERTIFICATE_WORKERS"] = 2
    assert certificates.render_certificate(datas[0]) == alone[0]  # rendered here, the server started
    server = _fork_server_pid()
    assert server is not None
    assert os.waitpid(server, os.WNOHANG) == (0, 0)  # running, not waited for
    assert pools == []
    assert certificates.render_certificates(datas) == alone  # in workers forked from that server
    assert pools == [(2, 2)]
    assert _fork_server_pid() == server
    assert {parent for parent, *_ in pdf.in_workers(_inherited, range(2), 2)} == {server}


def test_workers_inherit_the_fonts_and_stylesheets_the_fork_server_loaded(app):
    _stop_fork_server()
    pdf.start_fork_server()
    first = pdf.in_workers(_inherited, range(4), 2)
    second = pdf.in_workers(_inherited, range(2), 2)
    folders = {folder for _, _, folder, _ in first + second}
    # One fonts folder, the server's, for every worker of every pool: none loads (and
    # leaves behind, as workers end without finalizers) its own.
    assert len(folders) == 1
    assert folders != {""}
    assert all(loaded == [pdf.APP_STATIC_FOLDER] and sheets >= 2 for _, loaded, _, sheets in first + second)
    server = _fork_server_pid()
    assert os.listdir(f"/proc/{server}/task") == [str(server)]  # one thread: safe to fork
    _stop_fork_server()  # its fonts folder goes with it
    assert not os.path.exists(folders.pop())


def test_the_fork_server_knows_the_apps_folders_without_an_app(app):
    assert os.path.realpath(app.static_folder) == pdf.APP_STATIC_FOLDER
    assert pdf.APP_STYLESHEETS.resolve() == pdf.stylesheet_path("certificate.css").parent
    assert pdf.renderer() is pdf.renderer(pdf.APP_STATIC_FOLDER)  # one renderer, however the folder is spelt
