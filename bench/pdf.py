"""`python -m bench.pdf`: certificates, batches and readiness reports as PDF, timed.

Builds a SQLite force (one brigade of 5,000 assigned people in 20 companies, names in
Azerbaijani, Russian and Georgian, nobody fully qualified so the full report lists
everyone; four rosters of the same 500 people: four courses completed on one day), then
measures, each in a fresh process so that peak memory is the step's own:

- one certificate: the first one of a fresh process (fonts loaded), then warm (the
  process has rendered before, and the workers' fork server its first certificate
  started is up; each timed certificate is a new one, rendered and stored on its first
  request, as the issue's "warm" means); and served once stored;
- a 500-page batch: from nothing (every certificate issued, then the stored files
  merged) and with its certificates already issued (the background job
  `certificates.issue_pending` does that ahead of time: what a user waits for). From
  nothing it is rendered by the worker processes (CERTIFICATE_WORKERS, default one per
  CPU) three times on three rosters of the same people, and the median is the figure (this
  machine's speed varies by a fifth from run to run); then once all in one process, as
  before;
- the full report of the 5,000-person unit, and its partner edition;
- the naive way beside it in the same run: the same 5,000 rows as one WeasyPrint table.

Figures are wall time (and CPU time, the workers' included: the machine may be shared),
peak RSS (the workers' apart), and the load average when the step started. A batch from
nothing starts in a warm process, as in a web worker that has rendered before: its fork
server is up, so its start (about a second of CPU) is counted in the workers' CPU but not
waited for. The workers' peak is their line's ru_maxrss, which Linux carries over the
exec of the fork server: it is at least the caller's size when that started the server. The header
says whether WeasyPrint subsets fonts with HarfBuzz (fast) or falls back to fontTools
(about four times slower a certificate).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

TARGETS = {"certificate": 60.0, "batch": 15_000.0, "report": 10_000.0}
REPORT_MEMORY_MB = 500
FAMILY = ["Əliyev", "Məmmədova", "Hüseynov", "Quliyeva", "Иванов", "Смирнова", "ქართველი", "ბერიძე",
          "Şükürov"]
GIVEN = ["Ülvi", "Aysel", "Orxan", "Günay", "Иван", "Ольга", "გიორგი", "ნინო", "Çingiz"]
PATRONYMIC = ["Şəmsəddin oğlu", "Elçin qızı", None, "Иванович", None, "Ramiz oğlu"]


def _app(db_path: Path, **config: Any) -> Any:
    from readiness import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench",
                       "TESTING": True, "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 64,
                                                                 "parallelism": 1}, **config})


def environment() -> dict[str, Any]:
    """Say what renders the PDFs here: library versions and whether fonts are subset by HarfBuzz."""
    from importlib.metadata import version

    from weasyprint.text import ffi

    fast = ffi.harfbuzz_subset is not None and bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))
    hb = "?"
    if found := ctypes.util.find_library("harfbuzz"):
        lib = ctypes.CDLL(found)
        lib.hb_version_string.restype = ctypes.c_char_p
        hb = lib.hb_version_string().decode()
    return {"weasyprint": version("weasyprint"), "pydyf": version("pydyf"), "harfbuzz": hb,
            "fast_subsetting": fast, "pikepdf": version("pikepdf"), "cores": os.cpu_count()}


def _load() -> str:
    return "load " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _cpu_s(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _collect_workers() -> None:
    """Stop the fork server the rendering workers came from, so that its CPU time and theirs count.

    The workers are the fork server's children; their CPU time reaches this process's
    RUSAGE_CHILDREN only once the server (which lives as long as this process) has ended.
    """
    from multiprocessing import forkserver

    forkserver._forkserver._stop()  # private, as in the stdlib's own tests; harmless if none runs


def _wait_for_fork_server(workers: int | None) -> None:
    """Wait until the fork server that this process's first certificate started is up.

    A web worker that has rendered before has had it up since (it imports WeasyPrint and
    loads the fonts for about a second, in its own process): so timings called warm do
    not share the CPU with its start. One trivial job in a worker forked from it waits
    for it.
    """
    from readiness.reports import pdf

    if pdf.worker_count(workers, "CERTIFICATE_WORKERS") > 1:
        pdf.in_workers(abs, [0], 1)


def build(db_path: Path, people: int, batch: int) -> dict[str, Any]:
    """Create the force: units, people, courses, requirements and completions."""
    from readiness.auth.services import create_user
    from readiness.engine.rules import today
    from readiness.extensions import db
    from readiness.personnel.services import create_people
    from readiness.records.services import create_completions
    from readiness.training.services import create_courses, create_requirements
    from readiness.units.services import create_units

    app = _app(db_path)
    with app.app_context():
        db.create_all()
        companies = 20
        strength = people // companies + 10
        create_units([{"code": "BDE", "name": "Peacekeeping Brigade", "parent": None, "kind": "brigade",
                       "authorized_strength": 0}]
                     + [{"code": f"C{i:02d}", "name": f"Company {i}", "parent": "BDE", "kind": "company",
                         "authorized_strength": strength} for i in range(1, companies + 1)], None)
        rows = [{"service_number": f"AZ{n:06d}", "rank": "Sergeant", "family_name": FAMILY[n % len(FAMILY)],
                 "given_name": GIVEN[n % len(GIVEN)], "patronymic": PATRONYMIC[n % len(PATRONYMIC)],
                 "unit": f"C{n % companies + 1:02d}", "role": "rifleman", "status": "active",
                 "earmarked": True}
                for n in range(people)]
        create_people(rows, None)
        create_courses([
            {"code": "UNPOC", "title": "UN Protection of Civilians", "provider": "PTEC Baku",
             "kind": "individual", "validity_months": 12},
            {"code": "LOAC", "title": "Law of Armed Conflict", "provider": "ICRC", "kind": "individual",
             "validity_months": None},
            {"code": "PKO", "title": "Peacekeeping Operations Course", "provider": "PTEC Baku",
             "kind": "individual", "validity_months": 24},
            {"code": "CIMIC", "title": "Civil-Military Cooperation", "provider": "NATO School",
             "kind": "individual", "validity_months": None},
            *({"code": code, "title": title, "provider": "PTEC Baku", "kind": "individual",
               "validity_months": 36} for code, title in EXTRA_ROSTERS)], None)
        create_requirements([{"course": "UNPOC"}, {"course": "LOAC"}], None)
        on = today() - timedelta(days=30)
        create_completions([{"service_number": r["service_number"], "course": "UNPOC", "completed_on": on}
                            for r in rows[: people * 3 // 4]], None)
        # Rosters of the same people, each a batch from nothing: PKO and the extra ones by the
        # workers (the median of those runs is the figure), CIMIC in one process.
        for course in ("PKO", "CIMIC", *(code for code, _ in EXTRA_ROSTERS)):
            create_completions([{"service_number": r["service_number"], "course": course, "completed_on": on}
                                for r in rows[:batch]], None)
        create_user("bench", "admin", "bench password")
        db.session.commit()
    return {"roster_date": on.isoformat()}


def step_certificate(db_path: Path, runs: int = 20) -> dict[str, Any]:
    """One certificate: the first of a fresh process, then warm (each a new one, rendered and stored).

    Warm means the process has rendered before (fonts and stylesheets loaded), as a web
    worker has: every timed certificate is still a new one, issued on its first request.
    """
    from sqlalchemy import select

    from readiness.auth.models import User
    from readiness.extensions import db
    from readiness.reports import certificates
    from readiness.training.models import Completion, Course

    load = _load()
    app = _app(db_path)
    with app.app_context():
        completions = list(db.session.scalars(
            select(Completion).join(Completion.course).where(Course.code == "UNPOC").limit(runs + 3)))
        started = time.perf_counter()
        certificates.certificate_for(completions[0], None)
        first = (time.perf_counter() - started) * 1000
        for c in completions[1:3]:  # the rest of the warm-up
            certificates.certificate_for(c, None)
        _wait_for_fork_server(app.config.get("CERTIFICATE_WORKERS"))
        times, cpu = [], []
        for c in completions[3:]:
            started, started_cpu = time.perf_counter(), time.process_time()
            cert = certificates.certificate_for(c, None)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        size = cert.size
        db.session.commit()
        user = db.session.scalar(select(User))
        from readiness.auth.services import create_token

        token = create_token(user.name)
        db.session.commit()
        client = app.test_client()
        url = f"/api/v1/completions/{completions[-1].id}/certificate.pdf"
        headers = {"Authorization": f"Bearer {token}"}
        client.get(url, headers=headers)
        served = []
        for _ in range(runs):
            started = time.perf_counter()
            resp = client.get(url, headers=headers)
            served.append((time.perf_counter() - started) * 1000)
        assert resp.status_code == 200
        assert resp.data == db.session.get(type(cert), cert.id).pdf
    return {"first_ms": first, "render_ms": statistics.median(times), "render_min_ms": min(times),
            "render_cpu_ms": statistics.median(cpu), "served_ms": statistics.median(served),
            "size_kb": size / 1024, "peak_mb": _peak_mb(), "load": load}


def step_batch(db_path: Path, roster_date: str, workers: int | None, course: str,
               issued_too: bool) -> dict[str, Any]:
    """A roster as one PDF: from nothing (issue every certificate, then merge), then all stored.

    `workers` is CERTIFICATE_WORKERS (None: the default, one per CPU); 1 renders in this process.
    """
    from datetime import date

    from sqlalchemy import select

    from readiness.auth.models import User
    from readiness.extensions import db
    from readiness.reports import batches, certificates, pdf
    from readiness.training.models import Completion, Course

    load = _load()
    app = _app(db_path, CERTIFICATE_WORKERS=workers)
    with app.app_context():
        user = db.session.scalar(select(User))
        selection = {"course": course, "completed_on": date.fromisoformat(roster_date)}
        # Warm the process (fonts, stylesheets) on one certificate outside the roster, as a
        # web worker that has rendered before.
        outside = db.session.scalar(select(Completion).join(Completion.course).where(Course.code == "UNPOC")
                                    .order_by(Completion.id.desc()).limit(1))
        certificates.certificate_for(outside, user)
        db.session.commit()
        _wait_for_fork_server(workers)
        out: dict[str, Any] = {"load": load, "workers": pdf.worker_count(workers, "CERTIFICATE_WORKERS"),
                               "threshold": app.config["CERTIFICATE_PARALLEL_MIN"]}
        for label in ("cold", "warm") if issued_too else ("cold",):
            started, started_cpu = time.perf_counter(), _cpu_s()
            started_workers = _cpu_s(resource.RUSAGE_CHILDREN)
            found = batches.batch(user, **selection)
            issued = time.perf_counter()
            content = batches.merged_pdf(found.title, found.certificates, "bench")
            merged = time.perf_counter()
            db.session.commit()
            out[f"{label}_ms"] = (time.perf_counter() - started) * 1000
            _collect_workers()
            out[f"{label}_cpu_ms"] = (_cpu_s() - started_cpu) * 1000
            out[f"{label}_workers_cpu_ms"] = (_cpu_s(resource.RUSAGE_CHILDREN) - started_workers) * 1000
            out[f"{label}_issue_ms"] = (issued - started) * 1000
            out[f"{label}_merge_ms"] = (merged - issued) * 1000
            out["pages"] = len(found.certificates)
            out["size_mb"] = len(content) / 2**20
            out[f"{label}_load"] = _load()
        if issued_too:
            started = time.perf_counter()
            batches.zip_archive(batches.batch(user, **selection).certificates)
            out["zip_ms"] = (time.perf_counter() - started) * 1000
    return {**out, "peak_mb": _peak_mb(), "worker_peak_mb": _peak_mb(resource.RUSAGE_CHILDREN)}


def step_report(db_path: Path, edition: str) -> dict[str, Any]:
    """The readiness report of the brigade, today."""
    from io import BytesIO

    from pypdf import PdfReader

    from readiness.engine.rules import today
    from readiness.reports import readiness_report
    from readiness.units.services import get_unit

    load = _load()
    app = _app(db_path)
    with app.app_context():
        unit = get_unit("BDE")
        started, started_cpu = time.perf_counter(), time.process_time()
        data = readiness_report.report_data(unit, today(), edition)
        gathered = time.perf_counter()
        content = readiness_report.render(data)
        done = time.perf_counter()
        pages = len(PdfReader(BytesIO(content)).pages)
    return {"ms": (done - started) * 1000, "cpu_ms": (time.process_time() - started_cpu) * 1000,
            "data_ms": (gathered - started) * 1000, "render_ms": (done - gathered) * 1000,
            "people": data.people_listed, "pages": pages, "size_kb": len(content) / 1024,
            "peak_mb": _peak_mb(), "load": load}


def step_naive(db_path: Path) -> dict[str, Any]:
    """The same people as one HTML table laid out by WeasyPrint: the way not taken."""
    from html import escape

    from readiness.engine.rules import today
    from readiness.reports import pdf, readiness_report
    from readiness.units.services import get_unit

    load = _load()
    app = _app(db_path)
    with app.app_context():
        data = readiness_report.report_data(get_unit("BDE"), today(), "full")
        rows = "".join(
            f"<tr><td>{escape(p.service_number)}</td><td>{escape(p.rank)}</td><td>{escape(p.name)}</td>"
            f"<td>{escape(p.role)}</td><td>{escape(p.gaps)}</td></tr>" for g in data.groups for p in g.people)
        html = ("<html><body><table><thead><tr><th>Service no.</th><th>Rank</th><th>Name</th><th>Role</th>"
                f"<th>Gaps</th></tr></thead><tbody>{rows}</tbody></table></body></html>")
        pdf.render_pdf("<p>warm</p>", ["report.css"])
        started, started_cpu = time.perf_counter(), time.process_time()
        content = pdf.render_pdf(html, ["report.css"])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return {"ms": elapsed * 1000, "cpu_ms": cpu * 1000, "people": data.people_listed,
            "size_kb": len(content) / 1024, "peak_mb": _peak_mb(), "load": load}


def _in_fresh_process(*args: str) -> dict[str, Any]:
    # Our own module with our own arguments: nothing untrusted reaches the command line.
    done = subprocess.run([sys.executable, "-m", "bench.pdf", *args], capture_output=True,  # noqa: S603
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench step {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


#: More rosters of the same people, for repeated batches from nothing (the machine's speed varies).
EXTRA_ROSTERS = (("MILOBS", "UN Military Observer Course"), ("UNLOG", "UN Logistics Officer Course"))


def _mark(value: float, target: float) -> str:
    return "ok" if value <= target else "SLOW"


def _cold(b: dict[str, Any], how: str) -> str:
    """Describe a batch from nothing: time, CPU here and in the workers, split, memory, load."""
    pages, s = b["pages"], {k: v / 1000 for k, v in b.items() if k.endswith("_ms")}
    parallel = b["workers"] > 1 and pages >= b["threshold"]
    workers = f"; workers' peak {b['worker_peak_mb']:.0f} MB each at most" if parallel else ""
    return (f"batch of {pages} pages from nothing, {how}: {s['cold_ms']:.1f} s "
            f"[target 15 s: {_mark(b['cold_ms'], TARGETS['batch'])}] (cpu {s['cold_cpu_ms']:.1f} s here, "
            f"{s['cold_workers_cpu_ms']:.1f} s in the workers and their fork server; issuing "
            f"{s['cold_issue_ms']:.1f} s = {b['cold_issue_ms'] / pages:.0f} ms a certificate, merge "
            f"{s['cold_merge_ms']:.1f} s); {b['size_mb']:.1f} MB; peak {b['peak_mb']:.0f} MB{workers} "
            f"(CERTIFICATE_WORKERS {b['workers']}, parallel from {b['threshold']} certificates; {b['load']}, "
            f"after: {b['cold_load'].removeprefix('load ')})")


def main(argv: list[str] | None = None) -> None:
    """Build the force once, then run each measurement in its own process and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.pdf", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000, help="people of the reported unit")
    parser.add_argument("--batch", type=int, default=500, help="certificates of the batch")
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive table (half a minute)")
    parser.add_argument("--workers", type=int, default=None,
                        help="CERTIFICATE_WORKERS for the batch (default: the app's, one per CPU, at most 4)")
    parser.add_argument("--skip-serial", action="store_true",
                        help="skip the batch from nothing rendered in one process (half a minute)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--arg", default="", help=argparse.SUPPRESS)
    parser.add_argument("--course", default="PKO", help=argparse.SUPPRESS)
    parser.add_argument("--issued-too", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        steps = {"build": lambda: build(args.db, args.people, args.batch),
                 "certificate": lambda: step_certificate(args.db),
                 "batch": lambda: step_batch(args.db, args.arg, args.workers, args.course, args.issued_too),
                 "report": lambda: step_report(args.db, args.arg),
                 "naive": lambda: step_naive(args.db)}
        print(json.dumps(steps[args.step]()))
        return

    env = environment()
    subsetting = "HarfBuzz (fast)" if env["fast_subsetting"] else "fontTools (SLOW)"
    print(f"PDF benchmark: WeasyPrint {env['weasyprint']} (pydyf {env['pydyf']}), "
          f"HarfBuzz {env['harfbuzz']}, font subsetting: {subsetting}, "
          f"pikepdf {env['pikepdf']}; {env['cores']} cores, {_load()}")
    if not env["fast_subsetting"]:
        print("  warning: libharfbuzz-subset0 is missing: certificates render about four times slower "
              "(scripts/check-system.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        db_path = Path(tmp) / "pdf.db"
        started = time.perf_counter()
        built = _in_fresh_process("--step", "build", "--db", str(db_path), "--people", str(args.people),
                                  "--batch", str(args.batch))
        print(f"  {args.people} people in one brigade, a roster of {args.batch} "
              f"(built in {time.perf_counter() - started:.1f} s, SQLite)")
        c = _in_fresh_process("--step", "certificate", "--db", str(db_path))
        print(f"  one certificate, warm (each a new one, rendered and stored on its first request): median "
              f"{c['render_ms']:.0f} ms (min {c['render_min_ms']:.0f}, cpu {c['render_cpu_ms']:.0f}) "
              f"[target {TARGETS['certificate']:.0f} ms: {_mark(c['render_ms'], TARGETS['certificate'])}]; "
              f"first of a fresh process {c['first_ms']:.0f} ms; served stored {c['served_ms']:.1f} ms; "
              f"{c['size_kb']:.0f} kB ({c['load']})", flush=True)
        workers = ["--workers", str(args.workers)] if args.workers is not None else []
        b = _in_fresh_process("--step", "batch", "--db", str(db_path), "--arg", built["roster_date"],
                              "--issued-too", *workers)
        print(f"  batch of {b['pages']} pages, certificates already issued (what a user waits for once "
              f"issue_pending issued them ahead): {b['warm_ms'] / 1000:.1f} s (merge "
              f"{b['warm_merge_ms'] / 1000:.1f}) [target 15 s: {_mark(b['warm_ms'], TARGETS['batch'])}]; "
              f"ZIP {b['zip_ms'] / 1000:.1f} s", flush=True)
        runs = [b] + [_in_fresh_process("--step", "batch", "--db", str(db_path), "--arg",
                                        built["roster_date"], "--course", code, *workers)
                      for code, _ in EXTRA_ROSTERS]
        runs.sort(key=lambda run: run["cold_ms"])
        each = ", ".join(f"{run['cold_ms'] / 1000:.1f}" for run in runs)
        how = f"rendered by {b['workers']} worker processes, median of {len(runs)} runs ({each} s)"
        print(f"  {_cold(runs[len(runs) // 2], how)}", flush=True)
        if not args.skip_serial:
            serial = _in_fresh_process("--step", "batch", "--db", str(db_path), "--arg", built["roster_date"],
                                       "--course", "CIMIC", "--workers", "1")
            print(f"  {_cold(serial, 'all in one process (CERTIFICATE_WORKERS=1, as before)')}", flush=True)
        for edition in ("full", "partner"):
            r = _in_fresh_process("--step", "report", "--db", str(db_path), "--arg", edition)
            mark = ""
            if edition == "full":
                ok = r["ms"] <= TARGETS["report"] and r["peak_mb"] <= REPORT_MEMORY_MB
                mark = f" [target 10 s, {REPORT_MEMORY_MB} MB: {'ok' if ok else 'SLOW'}]"
            print(f"  report {edition}: {r['ms'] / 1000:.1f} s (cpu {r['cpu_ms'] / 1000:.1f}; data "
                  f"{r['data_ms'] / 1000:.1f} s, render {r['render_ms'] / 1000:.1f} s), {r['people']} people "
                  f"listed, {r['pages']} pages, {r['size_kb']:.0f} kB, peak {r['peak_mb']:.0f} MB{mark} "
                  f"({r['load']})", flush=True)
        if not args.skip_naive:
            n = _in_fresh_process("--step", "naive", "--db", str(db_path))
            print(f"  naive: the same {n['people']} rows as one WeasyPrint table: {n['ms'] / 1000:.1f} s "
                  f"(cpu {n['cpu_ms'] / 1000:.1f}), peak {n['peak_mb']:.0f} MB ({n['load']})", flush=True)


if __name__ == "__main__":
    main()
