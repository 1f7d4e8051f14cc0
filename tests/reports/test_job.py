"""The `certificates` job: `readiness scheduler --once certificates` issues what batches would render."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from readiness.cli import cli
from readiness.engine.rules import today
from readiness.extensions import db
from readiness.reports import certificates, pdf
from readiness.reports.models import Certificate
from readiness.scheduler.models import JobRun
from readiness.training.models import Completion


@pytest.fixture
def once(runner):
    """Run `readiness scheduler --once certificates` against the test app."""
    return lambda: runner.invoke(cli, ["scheduler", "--once", "certificates"])


def _stored() -> dict[int, Certificate]:
    return {c.completion_id: c for c in db.session.scalars(select(Certificate))}


def test_the_job_issues_every_missing_certificate_once_and_batches_then_only_merge(
        app, admin, force, completed_on, once, monkeypatch):
    admin.post(f"completions/{force['GE-1']}/revoke", {"reason": "Wrong person"})
    result = once()
    assert result.exit_code == 0, result.output
    assert "certificates: ok in" in result.output
    assert "2 certificates issued" in result.output
    stored = _stored()
    assert set(stored) == {force["AZ-1"], force["RU-1"]}  # the revoked completion gets none
    run = db.session.scalar(select(JobRun).where(JobRun.job == "certificates"))
    assert (run.outcome, run.trigger, run.message) == ("ok", "once", "2 certificates issued")
    for completion_id, cert in stored.items():
        served = admin.get(f"completions/{completion_id}/certificate.pdf")
        assert hashlib.sha256(served.data).hexdigest() == cert.sha256
    # A batch now renders nothing: every certificate is served as the job stored it.
    monkeypatch.setattr(pdf, "write_pages", None)
    resp = admin.get("certificates/batch", query_string={"unit": "1BN"})
    assert resp.status_code == 200
    second = once()
    assert "0 certificates issued" in second.output
    assert len(_stored()) == 2


def test_a_run_issues_at_most_the_configured_number_the_rest_next_time(app, force, once):
    app.config["CERTIFICATES_PER_RUN"] = 2
    assert "2 certificates issued (the most a run issues" in once().output
    assert len(_stored()) == 2
    assert "1 certificate issued" in once().output
    assert len(_stored()) == 3


def test_the_job_renders_in_worker_processes_the_bytes_of_each_certificate_alone(app, force, once,
                                                                                 monkeypatch):
    app.config.update(CERTIFICATE_WORKERS=2, CERTIFICATE_PARALLEL_MIN=2)
    pools = []
    real = pdf.in_workers
    monkeypatch.setattr(pdf, "in_workers", lambda f, jobs, n: pools.append(n) or real(f, jobs, n))
    assert "3 certificates issued" in once().output
    assert pools == [2]
    on = today()
    for completion_id, cert in _stored().items():
        data = certificates.certificate_data(db.session.get(Completion, completion_id), cert.code, on)
        assert certificates.render_certificate(data) == cert.pdf  # one certificate: in this process
        assert hashlib.sha256(cert.pdf).hexdigest() == cert.sha256
    assert pools == [2]


def test_a_bad_per_run_setting_fails_the_run_by_name_and_issues_nothing(app, force, once):
    app.config["CERTIFICATES_PER_RUN"] = 0
    result = once()
    assert result.exit_code == 1
    assert "CERTIFICATES_PER_RUN must be a whole number" in result.output
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
