"""The bulk services as the CSV import and other callers use them."""

from __future__ import annotations

import gc
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError

from readiness.errors import ConflictError, InvalidError
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.records import bulk, keys, services
from readiness.records.bulk import local_today
from readiness.records.schemas import AttainmentInSchema, CompletionInSchema
from readiness.signals import records_changed
from readiness.training.models import Completion

pytestmark = pytest.mark.usefixtures("force")


def person_id(service_number: str) -> int:
    return db.session.scalar(select(Person.id).where(Person.service_number == service_number))


@pytest.fixture
def changed() -> list[set[int]]:
    """The person_ids of every records_changed signal sent during the test."""
    seen: list[set[int]] = []

    def receiver(_sender, person_ids, **_kw):
        seen.append(set(person_ids))

    with records_changed.connected_to(receiver):
        yield seen


def test_csv_cells_load_through_the_in_schemas():
    row = CompletionInSchema().load({"service_number": "AZ-1", "course": "UNPOC",
                                     "completed_on": "2024-05-01", "score": "87"})
    assert row == {"service_number": "AZ-1", "course": "UNPOC", "completed_on": date(2024, 5, 1),
                   "score": 87}
    assert CompletionInSchema().load({"service_number": "AZ-1", "course": "UNPOC",
                                      "completed_on": "2024-05-01"})["score"] is None
    row = AttainmentInSchema().load({"service_number": "AZ-1", "standard": "ENG", "level": "SLP 3321",
                                     "assessed_on": "2024-05-01"})
    assert row["assessed_on"] == date(2024, 5, 1)


def test_create_completions_without_an_actor_is_recorded_by_the_system(changed):
    rows = [{"service_number": "AZ-1", "course": "UNPOC", "completed_on": date(2024, 5, 1), "score": None},
            {"service_number": "AZ-3", "course": "MONTH", "completed_on": date(2024, 1, 31), "score": 90}]
    created = services.create_completions(rows, None)
    db.session.commit()
    assert [(c.person.service_number, c.course.code, c.expires_on) for c in created] == \
        [("AZ-1", "UNPOC", date(2025, 5, 1)), ("AZ-3", "MONTH", date(2024, 2, 29))]
    assert {c.recorded_by for c in created} == {"system"}
    assert changed == [{person_id("AZ-1"), person_id("AZ-3")}]


def test_today_defaults_to_the_configured_zone(app):
    app.config["TIMEZONE"] = "Pacific/Kiritimati"  # the first zone to reach any date
    ahead = local_today()
    row = {"service_number": "AZ-1", "course": "UNPOC", "completed_on": ahead, "score": None}
    app.config["TIMEZONE"] = "Pacific/Niue"  # the last
    with pytest.raises(InvalidError) as err:
        services.create_completions([row], None)
    assert set(err.value.errors[0]) == {"completed_on"}
    assert len(services.create_completions([row], None, today=ahead)) == 1


def test_errors_are_keyed_by_index_and_field_and_nothing_is_written(changed):
    rows = [{"service_number": "AZ-1", "course": "UNPOC", "completed_on": date(2024, 5, 1), "score": None},
            {"service_number": "X", "course": "UNPOC", "completed_on": date(2024, 5, 1), "score": None}]
    with pytest.raises(InvalidError) as err:
        services.create_completions(rows, None, today=date(2025, 1, 1))
    assert err.value.errors == {1: {"service_number": ["Unknown person 'X'."]}}
    assert "[1].service_number" in err.value.message
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 0
    assert changed == []


def test_duplicates_alone_are_a_conflict_keyed_by_index():
    rows = [{"service_number": "AZ-1", "course": "UNPOC", "completed_on": date(2024, 5, 1), "score": None}]
    services.create_completions(rows, None)
    with pytest.raises(ConflictError) as err:
        services.create_completions(rows * 2, None)
    assert set(err.value.errors) == {0, 1}
    assert "Already recorded" in err.value.errors[0]["completed_on"][0]
    assert "row 0" in err.value.errors[1]["completed_on"][0]


def test_a_long_list_is_checked_and_written_in_few_statements(app):
    rows = [{"service_number": sn, "course": course, "completed_on": date(2020, 1, 1) + timedelta(days=d),
             "score": d % 101}
            for sn in ("AZ-1", "AZ-2", "AZ-3") for course in ("UNPOC", "MONTH", "FOREVER")
            for d in range(150)]
    statements: list[str] = []

    def count_statement(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        with records_changed.muted():
            created = services.create_completions(rows, None)
    finally:
        event.remove(db.engine, "before_cursor_execute", count_statement)
    assert len(created) == len(rows) == 1350
    assert [(c.person.service_number, c.completed_on) for c in created] == \
        [(r["service_number"], r["completed_on"]) for r in rows]
    assert len(statements) <= 10, statements
    assert len({c.verification_code for c in created}) == 1350


def test_revoke_signals_the_person(changed):
    row = {"service_number": "AZ-2", "course": "UNPOC", "completed_on": date(2024, 5, 1), "score": None}
    (done,) = services.create_completions([row], None)
    services.revoke_completion(done, "Wrong course", None)
    assert changed[-1] == {person_id("AZ-2")}
    with pytest.raises(ConflictError):
        services.revoke_completion(done, "Again", None)


def test_create_attainments_signals_the_people(changed):
    services.create_attainments([{"service_number": "AZ-3", "standard": "SWIM", "level": "Pass",
                                  "assessed_on": date(2024, 5, 1)}], None)
    assert changed == [{person_id("AZ-3")}]


def _long_list(days: int = 200) -> list[dict]:
    """More rows than BULK_FROM: the path an import takes (COPY on PostgreSQL)."""
    return [{"service_number": sn, "course": course, "completed_on": date(2020, 1, 1) + timedelta(days=d),
             "score": None} for sn in ("AZ-1", "AZ-2", "AZ-3") for course in ("UNPOC", "MONTH")
            for d in range(days)]


def test_a_long_list_with_a_stored_completion_is_a_conflict_naming_its_row_and_writes_nothing():
    rows = _long_list()
    services.create_completions([rows[700]], None)
    db.session.commit()
    with pytest.raises(ConflictError) as err:
        services.create_completions(rows, None)
    assert err.value.errors == {700: {"completed_on": ["Already recorded for this person, course and date."]}}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 1
    # The session is still usable, and the list without that row goes in.
    assert len(services.create_completions(rows[:700] + rows[701:], None)) == len(rows) - 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Completion)) == len(rows)


def test_a_long_list_never_reuses_a_stored_code(monkeypatch):
    (stored,) = services.create_completions([_long_list()[0]], None)
    db.session.commit()
    drawn = services.codes.generate_codes

    def first_draw_clashes(count, taken=frozenset()):
        codes = drawn(count, taken)
        if not taken:  # the first draw: as if the randomness had repeated a stored code
            codes[17] = stored.verification_code
        return codes

    monkeypatch.setattr(services.codes, "generate_codes", first_draw_clashes)
    created = services.create_completions(_long_list()[1:], None)
    db.session.commit()
    codes = [c.verification_code for c in created]
    assert stored.verification_code not in codes
    assert len(set(codes)) == len(codes) == len(_long_list()) - 1


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's row locks and triggers")


def test_a_long_list_holds_its_people_until_it_commits(postgresql, database_url):
    # The COPY of a long list skips PostgreSQL's check of each row's foreign keys, because the
    # people and courses were read and locked ahead: nobody may delete them meanwhile.
    services.create_completions(_long_list(), None)
    other = create_engine(database_url)
    try:
        with other.connect() as conn:
            for statement in ("DELETE FROM personnel WHERE service_number = 'AZ-2'",
                              "DELETE FROM courses WHERE code = 'MONTH'"):
                conn.execute(text("SET LOCAL lock_timeout = '300ms'"))
                with pytest.raises(OperationalError, match="lock timeout"):
                    conn.execute(text(statement))
                conn.rollback()
    finally:
        other.dispose()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Completion)) == len(_long_list())


def test_a_long_list_is_checked_row_by_row_by_a_login_that_may_not_skip_triggers(postgresql):
    # The usual application login: not a superuser, not granted session_replication_role.
    role = f"readiness_plain_{uuid.uuid4().hex[:8]}"  # dropped with the transaction
    for statement in (f"CREATE ROLE {role} NOLOGIN",
                      f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}",
                      f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}",
                      f"SET LOCAL ROLE {role}"):
        db.session.execute(text(statement))
    assert not bulk._may_skip_triggers(db.session.connection())
    created = services.create_completions(_long_list(), None)
    assert len({c.verification_code for c in created}) == len(_long_list())
    assert db.session.execute(text("SHOW session_replication_role")).scalar() == "origin"
    db.session.rollback()


def test_a_privileged_login_skips_the_row_checks_for_the_copy_only(postgresql):
    assert bulk._may_skip_triggers(db.session.connection())  # the tests' login is a superuser
    services.create_completions(_long_list(), None)
    assert db.session.execute(text("SHOW session_replication_role")).scalar() == "origin"
    db.session.rollback()


def test_a_long_list_is_taken_back_whole_when_a_later_step_fails():
    # Everything up to the engine's update is one transaction: a savepoint in it commits nothing.
    services.create_completions([_long_list()[0]], None)
    db.session.commit()

    def engine_fails(_sender, **_kw):
        raise RuntimeError("the engine failed")

    with records_changed.connected_to(engine_fails), pytest.raises(RuntimeError):
        services.create_completions(_long_list()[1:], None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 1


def test_a_long_list_is_written_with_the_cycle_collector_held_and_released_after():
    seen: list[bool] = []

    def receiver(_sender, **_kw):
        seen.append(gc.isenabled())

    with records_changed.connected_to(receiver):
        services.create_completions(_long_list()[:2], None)
        services.create_completions(_long_list()[2:], None)
        with pytest.raises(ConflictError):
            services.create_completions(_long_list()[2:], None)
    assert seen == [True, False]
    assert gc.isenabled()


def test_a_short_key_list_reuses_its_statement_and_answers_for_its_own_keys(app):
    """Short lists share one statement built once; each call's keys travel as its parameter."""
    from readiness.units.models import Unit

    first, params_1 = keys.matching("test", [Person.service_number], [("AZ-1",), ("AZ-3",)], Person.id)
    second, params_2 = keys.matching("test", [Person.service_number], [("AZ-2",), ("NOPE",)], Person.id)
    assert first is second
    assert set(db.session.scalars(first, params_1)) == {person_id("AZ-1"), person_id("AZ-3")}
    assert set(db.session.scalars(second, params_2)) == {person_id("AZ-2")}
    # Another name, other columns or other entities: another statement.
    assert keys.matching("other", [Person.service_number], [("AZ-1",)], Person.id)[0] is not first
    assert keys.matching("test", [Person.service_number], [("AZ-1",)], Unit.id)[0] is not first
    assert keys.people_by_service_number(["AZ-2", "NOPE"]) == {"AZ-2": (person_id("AZ-2"), _path("1BN-A"))}
    assert keys.people_by_service_number(["AZ-3"], lock=True) == {"AZ-3": (person_id("AZ-3"), _path("2BN"))}


def _path(code: str) -> str:
    from readiness.units.models import Unit

    return db.session.scalar(select(Unit.path).where(Unit.code == code))
