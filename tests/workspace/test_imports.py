"""CSV import in the browser: upload, dry-run preview, confirm; large files in the background."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.training.models import Completion
from readiness.workspace import jobs
from readiness.workspace.models import ImportJob
from tests.workspace.conftest import plain, text

HEADER = "service_number,rank,family_name,given_name,unit,role\n"
GOOD = HEADER + "N-001,Private,Əhmədov,Rəşad,A1,rifleman\nN-002,Corporal,Nəsirova,Aygün,BN1,medic\n"
BAD = (HEADER + "N-001,Private,Əhmədov,Rəşad,A1,rifleman\nN-002,Corporal,,Aygün,BN1,medic\n"
       "N-003,Private,X,Y,ZZZ,rifleman\n")


def _people() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def _upload(browser, body: str, kind: str = "personnel", name: str = "people.csv"):
    return browser.post("/workspace/imports", {"kind": kind, "file": (io.BytesIO(body.encode()), name)},
                        content_type="multipart/form-data")


def _settle(job_id: int) -> None:
    # The tests share one session with the pages: forget what it read before the thread wrote.
    jobs.wait(job_id)
    db.session.expire_all()


def _job() -> ImportJob:
    db.session.expire_all()
    return db.session.scalar(select(ImportJob).order_by(ImportJob.id.desc()))


def test_a_bad_file_is_refused_with_each_problem_on_its_line(browser):
    to = browser("to")
    resp = _upload(to, BAD)
    assert resp.status_code == 302
    page = plain(to.get(resp.headers["Location"]))
    assert "Refused: nothing written" in page
    assert "3 family_name: Shorter than minimum length 1." in page or "3 family_name" in page
    assert "4 unit: Unknown unit 'ZZZ'." in page
    assert "N-003,Private,X,Y,ZZZ,rifleman" in page  # the row as the file has it
    assert _people() == 5


def test_a_good_file_is_previewed_then_imported_on_confirmation(browser):
    to = browser("to")
    resp = _upload(to, GOOD)
    job_url = resp.headers["Location"]
    page = plain(to.get(job_url))
    assert "2 people to add" in page
    assert "Nəsirova" in page  # the preview shows the rows
    assert _people() == 5  # the check wrote nothing
    resp = to.post(f"{job_url}/confirm", {})
    assert resp.status_code == 302
    page = plain(to.get(job_url))
    assert "Imported 2 people" in page
    assert _people() == 7
    assert _job().content is None  # the file is not kept once imported


def test_a_file_is_checked_again_when_confirmed_and_fails_whole(browser):
    to = browser("to")
    job_url = _upload(to, GOOD).headers["Location"]
    # Someone records N-002 between the check and the confirmation.
    from readiness.personnel.services import create_people
    from tests.workspace.conftest import person_row

    create_people([person_row("N-002", "BN2", "Other", "Person")], None)
    db.session.commit()
    to.post(f"{job_url}/confirm", {})
    page = plain(to.get(job_url))
    assert "Failed: nothing written" in page
    assert "already exists" in page
    assert db.session.scalar(select(Person).where(Person.service_number == "N-001")) is None


def test_large_files_are_checked_and_imported_in_the_background(browser, app, world):
    app.config["IMPORT_BACKGROUND_ROWS"] = 3
    day = (world["today"] - timedelta(days=2)).isoformat()
    body = "service_number,course,completed_on,score\n" + "".join(
        f"{sn},CLS,{day},{70 + i}\n" for i, sn in enumerate(("AZ-1001", "AZ-1002", "AZ-1003")))
    to = browser("to")
    job_url = _upload(to, body, kind="completions", name="class.csv").headers["Location"]
    job = _job()
    assert job.background
    _settle(job.id)
    page = plain(to.get(job_url))
    assert "3 completions to add" in page
    to.post(f"{job_url}/confirm", {})
    _settle(job.id)
    assert "Imported 3 completions" in plain(to.get(job_url))
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 4


def test_a_running_import_shows_its_progress_and_refreshes(browser, app):
    to = browser("to")
    job = ImportJob(kind="personnel", filename="big.csv", content=b"x", rows=20000, state="importing",
                    phase="Importing: reading", done_lines=5000, total_lines=20000, background=True)
    from readiness.auth.models import User

    job.user_id = db.session.scalar(select(User.id).where(User.name == "to"))
    db.session.add(job)
    db.session.commit()
    page = text(to.get(f"/workspace/imports/{job.id}"))
    assert '<progress max="100" value="25"' in page
    assert 'http-equiv="refresh"' in page
    assert "5,000 of 20,000 lines" in page


def test_imports_belong_to_their_uploader(browser):
    job_url = _upload(browser("to"), GOOD).headers["Location"]
    assert browser("admin").get(job_url).status_code == 200
    other = browser("admin")
    assert other.get("/workspace/imports").status_code == 200
    from tests.factories import make_user

    make_user("to2", role="training_officer", unit="BN1")
    assert browser("to2").get(job_url).status_code == 404
    assert browser("to2").post(f"{job_url}/confirm", {}).status_code == 404


def test_training_officers_import_records_not_the_catalogue(browser):
    to = browser("to")
    page = text(to.get("/workspace/imports"))
    assert 'value="completions"' in page
    assert 'value="courses"' not in page
    resp = _upload(to, "code,title,provider\nX,Y,Z\n", kind="courses")
    assert resp.status_code == 422
    assert "Not a valid choice" in text(resp)
    assert 'value="courses"' in text(browser("admin").get("/workspace/imports"))


def test_readers_may_not_import(browser):
    assert browser("cdr").get("/workspace/imports").status_code == 403
    assert _upload(browser("viewer"), GOOD).status_code == 403
    assert _people() == 5


def test_people_outside_the_scope_are_refused_on_their_line(browser):
    to = browser("to")
    job_url = _upload(to, HEADER + "N-001,Private,A,B,BN2,rifleman\n").headers["Location"]
    page = plain(to.get(job_url))
    assert "outside your scope" in page
    assert _people() == 5


def test_an_upload_without_a_file_or_token_is_refused(browser):
    to = browser("to")
    resp = to.post("/workspace/imports", {"kind": "personnel"}, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "Choose a CSV file." in text(resp)
    resp = to.post("/workspace/imports", {"kind": "personnel", "file": (io.BytesIO(GOOD.encode()), "p.csv")},
                   token="", content_type="multipart/form-data")
    assert resp.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_an_import_whose_process_ended_shows_as_interrupted(browser):
    from datetime import UTC, datetime, timedelta

    from readiness.auth.models import User

    user_id = db.session.scalar(select(User.id).where(User.name == "to"))
    job = ImportJob(user_id=user_id, kind="personnel", filename="big.csv", content=b"x", rows=20000,
                    state="importing", background=True, updated_at=datetime.now(UTC) - timedelta(hours=2))
    db.session.add(job)
    db.session.commit()
    page = plain(browser("to").get(f"/workspace/imports/{job.id}"))
    assert "Failed: nothing written" in page
    assert "interrupted" in page
