"""Training records: record completions and attainments in bulk, revoke, list.

Both `create_*` functions follow the bulk contract: they validate every row before
writing anything, with one query per kind of lookup however long the list, then insert
in one statement, audit every record, tell the engine which people changed (the
`records_changed` signal), and flush without committing. (A long list of completions
is checked against the stored ones by the write itself, in a savepoint: `_long`.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar, cast

from sqlalchemy import Select, false, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from readiness import audit
from readiness.auth.scope import scope_path
from readiness.db import utcnow
from readiness.errors import ConflictError, NotFoundError
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.records import codes
from readiness.records.bulk import BULK_FROM, RowErrors, insert_columns, local_today, many_objects, savepoint
from readiness.records.keys import Key, Recorded, by_code, existing_keys, people_by_service_number
from readiness.signals import records_changed
from readiness.training import slp
from readiness.training.dates import expires_on
from readiness.training.models import Attainment, Completion, Course, Standard
from readiness.units.models import Unit

PASS_LEVELS = ("pass", "fail")
_COMPLETION_KEY = (Completion.person_id, Completion.course_id, Completion.completed_on)
_ATTAINMENT_KEY = (Attainment.person_id, Attainment.standard_id, Attainment.assessed_on)


_Create = TypeVar("_Create", bound=Callable[..., Any])


def _bulk(create: _Create) -> _Create:
    """Run a bulk `create_*` with the cycle collector held for a long list (`many_objects`)."""
    @functools.wraps(create)
    def creating(rows: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        with many_objects(len(rows)):
            return create(rows, *args, **kwargs)
    return cast(_Create, creating)


def _actor_name(actor: Any) -> str:
    return getattr(actor, "name", None) or "system"


Lookups = tuple[dict[str, tuple[int, str]], dict[str, Any]]


def _resolve(rows: Sequence[dict[str, Any]], errors: RowErrors, actor: Any, today: date,
             catalogue: type[Course] | type[Standard], date_field: str) -> Lookups:
    """Check people, scope, catalogue codes and dates of every row; return the lookups.

    For a long list the people and catalogue entries found are locked as the records'
    foreign keys would lock them, so `_insert` need not check every row again.
    """
    lock = _long(len(rows))
    people = people_by_service_number((row["service_number"] for row in rows), lock=lock)
    key = "course" if catalogue is Course else "standard"
    columns = [catalogue.code, catalogue.id, catalogue.validity_months]
    if catalogue is Standard:
        columns.append(Standard.scale)
    entries = by_code(columns, (row[key] for row in rows), lock=lock)
    unknown = {row[key] for row in rows} - entries.keys()
    # A code of the other catalogue is a slip worth naming: a language test recorded as a course.
    other, other_key = (Standard, "standard") if catalogue is Course else (Course, "course")
    misplaced = set(by_code([other.code], unknown)) if unknown else set()
    scope = scope_path(actor) if actor is not None else None
    for index, row in enumerate(rows):
        number = row["service_number"]
        if number not in people:
            errors.invalid[index]["service_number"].append(f"Unknown person {number!r}.")
        elif scope is not None and not people[number][1].startswith(scope):
            errors.forbidden[index]["service_number"].append(
                f"{number} is outside your scope ({actor.unit.code}).")
        if row[key] in misplaced:
            kind = "result" if other is Standard else "completion"
            errors.invalid[index][key].append(
                f"{row[key]!r} is a {other_key}, not a {key}: record it as a {kind}.")
        elif row[key] not in entries:
            errors.invalid[index][key].append(f"Unknown {key} {row[key]!r}.")
        if row[date_field] > today:
            errors.invalid[index][date_field].append(
                f"{row[date_field].isoformat()} is after today ({today.isoformat()}).")
    return people, entries


def _check_duplicates(keys: list[tuple[int, int, date] | None], columns: Sequence[Any],
                      errors: RowErrors, labels: tuple[str, str], *, stored: bool = True) -> None:
    """Report keys repeated in the list and (`stored`) stored already, as 409s on the date field."""
    date_field, other = labels
    first: dict[tuple[int, int, date], int] = {}
    for index, k in enumerate(keys):
        if k is None:
            continue
        if k in first:
            errors.conflict[index][date_field].append(
                f"Same person, {other} and date as row {first[k]}.")
        else:
            first[k] = index
    if not stored or errors.invalid or errors.forbidden:
        return  # not asked, or no need to ask the database: the list is refused anyway
    for k in existing_keys(columns, first):
        errors.conflict[first[k]][date_field].append(
            f"Already recorded for this person, {other} and date.")


def _insert(model: type[Completion] | type[Attainment], columns: dict[str, list[Any]], order: Sequence[Any],
            key_columns: Sequence[Any], keys: list[Key]) -> Recorded:
    """Insert rows given column by column in one statement; return the new records, in list order.

    Without RETURNING: several times faster for long lists; the records are read back on
    first use by `keys` (values of `key_columns`). A long list goes in in the order of
    `order` (person first), so the indexes on the person are written in order (twice as
    fast for 100,000 rows).
    """
    if _long(len(keys)):
        positions = sorted(range(len(keys)), key=order.__getitem__)
        columns = {name: [values[i] for i in positions] for name, values in columns.items()}
    # A long list's people and catalogue entries were locked by `_resolve`.
    insert_columns(model.__table__, columns, references_locked=_long(len(keys)))
    return Recorded(model, key_columns, keys)


def _split(keys: list[tuple[int, int, date]]) -> tuple[list[int], list[int], list[date]]:
    """Return (person, catalogue entry, date) keys as three columns."""
    if not keys:
        return [], [], []
    people, entries, dates = zip(*keys, strict=True)
    return list(people), list(entries), list(dates)


def _expiry() -> Callable[[date, int | None], date | None]:
    """Return `expires_on`, remembering its answers: a long list repeats few (date, validity) pairs."""
    return functools.cache(expires_on)


def _fresh_codes(count: int) -> list[str]:
    """Return `count` new verification codes none of which is stored yet."""
    # 60 random bits make a clash practically impossible; checking makes it impossible.
    fresh: list[str] = []
    candidates = codes.generate_codes(count)
    while candidates:
        clashes = {c for (c,) in existing_keys([Completion.verification_code], [(c,) for c in candidates])}
        fresh += [c for c in candidates if c not in clashes]
        candidates = codes.generate_codes(len(clashes), taken=set(fresh) | clashes)
    return fresh


def _long(count: int) -> bool:
    """Whether a list this long takes the bulk path, where three things go together.

    - `_resolve` locks the people and catalogue entries found, as foreign keys would, so
      `_insert` may skip PostgreSQL's per-row foreign key checks (`insert_columns`);
    - `_insert` writes the rows in person order;
    - completions go in before asking what is stored: asking first which keys and codes are
      stored takes a 100,000-row import a second on PostgreSQL and a third of one on SQLite,
      and the unique constraints find the same while writing. If the write fails, a
      savepoint takes it back and the questions are asked after all, to name the rows.
    """
    return count >= BULK_FROM


@_bulk
def create_completions(rows: list[dict[str, Any]], actor: Any, *,
                       today: date | None = None) -> Sequence[Completion]:
    """Record schema-loaded completion rows, all or none; `today` defaults to the configured zone's."""
    # The views pass `today`; the CSV import does not, hence this one read of configuration.
    today = today or local_today()
    errors = RowErrors("completions")
    people, courses = _resolve(rows, errors, actor, today, Course, "completed_on")
    keys = [(people[r["service_number"]][0], courses[r["course"]][1], r["completed_on"])
            if r["service_number"] in people and r["course"] in courses else None for r in rows]
    labels = ("completed_on", "course")
    optimistic = _long(len(rows))
    _check_duplicates(keys, _COMPLETION_KEY, errors, labels, stored=not optimistic)
    errors.raise_any()

    # Column by column: for a long list, building a dict per row cost more than writing it.
    count, expiry = len(rows), _expiry()
    person_ids, course_ids, completed = _split(keys)  # type: ignore[arg-type]
    expiries = [expiry(on, courses[row["course"]][2]) for row, on in zip(rows, completed, strict=True)]
    scores = [row.get("score") for row in rows]
    columns = {
        "person_id": person_ids, "course_id": course_ids, "completed_on": completed, "expires_on": expiries,
        "score": scores, "revoked": [False] * count, "recorded_by": [_actor_name(actor)] * count,
        "recorded_at": [utcnow()] * count,
    }

    def insert(codes_: list[str]) -> Recorded:
        return _insert(Completion, {**columns, "verification_code": codes_}, keys,
                       [Completion.verification_code], [(code,) for code in codes_])

    created = None
    if optimistic:
        codes_ = codes.generate_codes(count)
        try:
            with savepoint():
                created = insert(codes_)
        except IntegrityError:
            # A completion stored already (said row by row), or one of 2^60 codes drawn twice.
            _check_duplicates(keys, _COMPLETION_KEY, errors, labels)
            errors.raise_any()
    if created is None:
        codes_ = _fresh_codes(count)
        created = insert(codes_)
    # Audited by verification code: the completion's natural key, printed on its certificate.
    audit.record_many(actor, "create", "completion", [
        (code, {"service_number": row["service_number"], "course": row["course"], "completed_on": on,
                "score": score})
        for code, row, on, score in zip(codes_, rows, completed, scores, strict=True)
    ])
    db.session.flush()
    # What was added, so the engine can fold it into its facts rather than recompute them.
    added = list(zip(person_ids, course_ids, completed, expiries, strict=True))
    records_changed.send(person_ids=set(person_ids), added_completions=added)
    return created


def revoke_completion(completion: Completion, reason: str, actor: Any) -> Completion:
    """Mark a completion revoked with its reason; it is kept, never deleted."""
    # Conditional on not being revoked yet, so of two revokes at the same time one is a 409.
    done = db.session.execute(
        update(Completion).where(Completion.id == completion.id, Completion.revoked.is_(False))
        .values(revoked=True, revoke_reason=reason, revoked_at=utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        db.session.refresh(completion)
        raise ConflictError(f"Completion {completion.id} is already revoked "
                            f"({completion.revoke_reason}).")
    db.session.refresh(completion)
    audit.record(actor, "revoke", "completion", completion.verification_code,
                 {"reason": reason, "id": completion.id})
    records_changed.send(person_ids={completion.person_id})
    return completion


def _level(scale: str, text: str) -> str:
    """Return the stored form of a level on `scale`; ValueError saying what is wrong."""
    if scale == "slp":
        return slp.parse_level(text)
    level = text.strip().lower()
    if level not in PASS_LEVELS:
        raise ValueError(f"{text!r} is not a result on a pass scale: give 'pass' or 'fail'.")
    return level


@_bulk
def create_attainments(rows: list[dict[str, Any]], actor: Any, *,
                       today: date | None = None) -> Sequence[Attainment]:
    """Record schema-loaded attainment rows, all or none; `today` defaults to the configured zone's."""
    today = today or local_today()
    errors = RowErrors("attainments")
    people, standards = _resolve(rows, errors, actor, today, Standard, "assessed_on")
    levels: list[str | None] = []
    for index, row in enumerate(rows):
        standard = standards.get(row["standard"])
        try:
            levels.append(_level(standard[3], row["level"]) if standard else None)
        except ValueError as exc:
            errors.invalid[index]["level"].append(str(exc))
            levels.append(None)
    keys = [(people[r["service_number"]][0], standards[r["standard"]][1], r["assessed_on"])
            if r["service_number"] in people and r["standard"] in standards else None for r in rows]
    _check_duplicates(keys, _ATTAINMENT_KEY, errors, ("assessed_on", "standard"))
    errors.raise_any()

    count, expiry = len(rows), _expiry()
    person_ids, standard_ids, assessed = _split(keys)  # type: ignore[arg-type]
    expiries = [expiry(on, standards[row["standard"]][2]) for row, on in zip(rows, assessed, strict=True)]
    created = _insert(Attainment, {
        "person_id": person_ids, "standard_id": standard_ids, "level": levels, "assessed_on": assessed,
        "expires_on": expiries, "recorded_by": [_actor_name(actor)] * count,
        "recorded_at": [utcnow()] * count,
    }, keys, _ATTAINMENT_KEY, keys)  # type: ignore[arg-type]
    # Audited by natural key: service number / standard / date.
    audit.record_many(actor, "create", "attainment", [
        (f"{row['service_number']}/{row['standard']}/{on.isoformat()}", {"level": level})
        for row, on, level in zip(rows, assessed, levels, strict=True)
    ])
    db.session.flush()
    records_changed.send(person_ids=set(person_ids))
    return created


def get_completion(completion_id: int) -> Completion:
    """Return the completion with `completion_id` or raise NotFoundError."""
    completion = db.session.get(Completion, completion_id)
    if completion is None:
        raise NotFoundError(f"Completion {completion_id} not found.")
    return completion


def get_attainment(attainment_id: int) -> Attainment:
    """Return the attainment with `attainment_id` or raise NotFoundError."""
    attainment = db.session.get(Attainment, attainment_id)
    if attainment is None:
        raise NotFoundError(f"Attainment {attainment_id} not found.")
    return attainment


def _people_filters(stmt: Select[Any], model: Any, filters: dict[str, Any], scope_clause: Any) -> Select[Any]:
    stmt = (stmt.join(model.person).join(Person.unit)
            .options(contains_eager(model.person).contains_eager(Person.unit))
            .where(scope_clause))
    if "service_number" in filters:
        stmt = stmt.where(Person.service_number == filters["service_number"])
    if "unit" in filters:
        path = db.session.scalar(select(Unit.path).where(Unit.code == filters["unit"]))
        stmt = stmt.where(Unit.path.startswith(path, autoescape=True) if path else false())
    return stmt


def list_completions(filters: dict[str, Any], scope_clause: Any) -> Select[tuple[Completion]]:
    """Return the statement listing completions of people in scope, newest first."""
    stmt = _people_filters(select(Completion), Completion, filters, scope_clause)
    if "course" in filters:
        stmt = stmt.where(Completion.course.has(Course.code == filters["course"]))
    if "revoked" in filters:
        stmt = stmt.where(Completion.revoked.is_(filters["revoked"]))
    if "completed_from" in filters:
        stmt = stmt.where(Completion.completed_on >= filters["completed_from"])
    if "completed_to" in filters:
        stmt = stmt.where(Completion.completed_on <= filters["completed_to"])
    if "expires_before" in filters:
        stmt = stmt.where(Completion.expires_on < filters["expires_before"])
    return stmt.order_by(Completion.completed_on.desc(), Completion.id.desc())


def list_attainments(filters: dict[str, Any], scope_clause: Any) -> Select[tuple[Attainment]]:
    """Return the statement listing attainments of people in scope, newest first."""
    stmt = _people_filters(select(Attainment), Attainment, filters, scope_clause)
    if "standard" in filters:
        stmt = stmt.where(Attainment.standard.has(Standard.code == filters["standard"]))
    if "assessed_from" in filters:
        stmt = stmt.where(Attainment.assessed_on >= filters["assessed_from"])
    if "assessed_to" in filters:
        stmt = stmt.where(Attainment.assessed_on <= filters["assessed_to"])
    if "expires_before" in filters:
        stmt = stmt.where(Attainment.expires_on < filters["expires_before"])
    return stmt.order_by(Attainment.assessed_on.desc(), Attainment.id.desc())
