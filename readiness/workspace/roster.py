"""Class roster entry: one course and date, many people, checked in a preview, saved in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, or_, select

from readiness.auth.scope import in_scope, unit_path_filter
from readiness.engine import rules
from readiness.errors import DomainError
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.personnel.services import people_by_service_number
from readiness.records.services import create_completions
from readiness.training.models import Completion, Course
from readiness.units.models import Unit
from readiness.workspace import bp
from readiness.workspace.access import recorder
from readiness.workspace.forms import RosterForm
from readiness.workspace.records import apply_errors, course_choices

MAX_PEOPLE = 2000  # a class, not an import: larger lists go through the CSV import
TICK_LIMIT = 500
_LINE = re.compile(r"^(?P<sn>[^\s,;]+)(?:[\s,;]+(?P<score>\S+))?$")


@dataclass
class Entry:
    """One line of the roster and what the preview found about it."""

    line: int
    service_number: str
    score: int | None = None
    person: Person | None = None
    problem: str | None = None  # blocks saving
    skip: str | None = None  # left out, harmlessly
    valid_until: date | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def recorded(self) -> bool:
        """Tell whether saving records this line."""
        return self.problem is None and self.skip is None


def parse_lines(text: str) -> list[Entry]:
    """Read 'SERVICE_NUMBER [score]' lines (space, comma, semicolon or tab separated)."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            entries.append(Entry(number, line, problem="Write one service number per line, optionally "
                                                       "followed by a score."))
            continue
        entry = Entry(number, match["sn"])
        score = match["score"]
        if score is not None:
            if score.isdigit() and 0 <= int(score) <= 100:
                entry.score = int(score)
            else:
                entry.problem = f"Score {score!r} is not a whole number from 0 to 100."
        entries.append(entry)
    return entries


def check(entries: list[Entry], course: Course, day: date, user: Any, include_valid: bool) -> None:
    """Flag unknown numbers, repeats, people outside the scope, and records already held (few queries)."""
    people = people_by_service_number(e.service_number for e in entries)
    seen: dict[str, int] = {}
    for e in entries:
        person = people.get(e.service_number)
        if e.service_number in seen:
            e.skip = f"Given twice: already on line {seen[e.service_number]}."
        elif e.problem:
            pass
        elif person is None:
            e.problem = "Unknown service number."
        elif not in_scope(user, person.unit):
            e.problem = "Not in your scope."
        else:
            e.person = person
        seen.setdefault(e.service_number, e.line)
    ids = [e.person.id for e in entries if e.person is not None]
    if not ids:
        return
    same_day = set(db.session.scalars(select(Completion.person_id).where(
        Completion.course_id == course.id, Completion.completed_on == day, Completion.person_id.in_(ids))))
    # Valid on the roster's date (DESIGN §2 rule 2): not revoked, done by then, not yet expired.
    valid = dict(db.session.execute(
        select(Completion.person_id, func.max(func.coalesce(Completion.expires_on, date.max)))
        .where(Completion.course_id == course.id, Completion.person_id.in_(ids),
               Completion.revoked.is_(False), Completion.completed_on <= day,
               or_(Completion.expires_on.is_(None), Completion.expires_on > day))
        .group_by(Completion.person_id)).all())
    for e in entries:
        if e.person is None or e.skip:
            continue
        if e.person.id in same_day:
            e.skip = "Already recorded for this course and date."
        elif e.person.id in valid:
            until = valid[e.person.id]
            e.valid_until = None if until == date.max else until
            e.flags.append("Already holds a valid completion" +
                           (f" until {until.isoformat()}." if e.valid_until else " (never expires)."))
            if not include_valid:
                e.skip = f"{e.flags[-1]} Left out: tick the box below to record anyway."


def tick_list(user: Any, code: str) -> tuple[Unit | None, list[Person], int]:
    """Return the unit with `code` in scope, the first people of its subtree, and their count."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code)) if code else None
    if unit is None or not in_scope(user, unit):
        return None, [], 0
    stmt = (select(Person).join(Person.unit).where(Unit.path.startswith(unit.path, autoescape=True),
                                                   unit_path_filter(user, Unit.path),
                                                   Person.status != "separated")
            .order_by(Person.family_name, Person.given_name))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return unit, list(db.session.scalars(stmt.limit(TICK_LIMIT))), total


def merge_ticks(text: str, ticked: list[str]) -> str:
    """Append ticked service numbers missing from the pasted text."""
    present = {e.service_number for e in parse_lines(text)}
    extra = [sn for sn in dict.fromkeys(ticked) if sn not in present]
    return "\n".join([line for line in [text.rstrip()] if line] + extra)


@bp.route("/roster", methods=["GET", "POST"])
@login_required
def roster():
    """Enter a class: a course and date, then many people, previewed and saved all at once."""
    user = recorder()
    form = RosterForm(data={"course": request.args.get("course")} if request.method == "GET" else None)
    form.course.choices = course_choices()
    unit_code = (request.values.get("unit") or "").strip()[:32]
    unit, people, people_total = tick_list(user, unit_code)
    entries: list[Entry] = []
    today = rules.today()
    action = request.form.get("action", "preview")
    saving = action == "save"
    if request.method == "POST" and action == "unit":
        # Only showing the people of a unit to tick: nothing to check yet.
        form.numbers.data = merge_ticks(form.numbers.data or "", request.form.getlist("tick"))
    # `|`, not `or`: the date is checked even when the form's own checks fail, to show every error.
    elif request.method == "POST" and (form.validate_on_submit() | _not_after(form, today)):
        form.numbers.data = merge_ticks(form.numbers.data or "", request.form.getlist("tick"))
        entries = parse_lines(form.numbers.data)
        course = db.session.scalar(select(Course).where(Course.code == form.course.data))
        if form.errors:
            entries = []
        elif not entries:
            form.numbers.errors.append("Paste service numbers or tick people of a unit.")
        elif len(entries) > MAX_PEOPLE:
            form.numbers.errors.append(f"At most {MAX_PEOPLE} lines; import larger lists as a CSV file.")
        elif course is None:
            form.course.errors.append("Choose a course.")
        else:
            check(entries, course, form.completed_on.data, user, form.include_valid.data)
            if saving:
                done = _save(form, entries, user, today)
                if done is not None:
                    return done
    counts = {"record": sum(e.recorded for e in entries), "problems": sum(bool(e.problem) for e in entries),
              "skipped": sum(bool(e.skip) for e in entries), "valid": sum(bool(e.flags) for e in entries)}
    refused = action != "unit" and (form.errors or (saving and counts["problems"]))
    status = 422 if request.method == "POST" and refused else 200
    return render_template("workspace/roster.html", form=form, entries=entries, counts=counts, unit=unit,
                           unit_code=unit_code, people=people, people_total=people_total, today=today,
                           tick_limit=TICK_LIMIT, saving=saving), status


def _not_after(form: RosterForm, today: date) -> bool:
    """Put an error on a date after today (beside any others); always False."""
    if form.completed_on.data and form.completed_on.data > today:
        late = f"Must not be after today ({today.isoformat()})."
        form.completed_on.errors = [*form.completed_on.errors, late]
    return False


def _save(form: RosterForm, entries: list[Entry], user: Any, today: date) -> Any:
    """Record every line the preview accepts, in one transaction; None when nothing may be saved."""
    if any(e.problem for e in entries):
        form.numbers.errors.append("Correct or remove the lines marked as problems; nothing was recorded.")
        return None
    rows = [{"service_number": e.service_number, "course": form.course.data,
             "completed_on": form.completed_on.data, "score": e.score} for e in entries if e.recorded]
    if not rows:
        form.numbers.errors.append("Nobody left to record: everyone is already recorded or left out.")
        return None
    try:
        create_completions(rows, user, today=today)
    except DomainError as error:
        db.session.rollback()
        apply_errors(form, error)
        form.numbers.errors.append(error.message)
        return None
    db.session.commit()
    flash(f"Recorded {form.course.data} on {form.completed_on.data.isoformat()} for {len(rows)} "
          f"{'person' if len(rows) == 1 else 'people'}.", "success")
    return redirect(url_for("workspace.roster_done", course=form.course.data,
                            completed_on=form.completed_on.data.isoformat()))


@bp.get("/roster/done")
@login_required
def roster_done():
    """Show the class just recorded: the completions of a course on a date in scope, with certificates."""
    user = recorder()
    code = request.args.get("course", "")
    try:
        day = date.fromisoformat(request.args.get("completed_on", ""))
    except ValueError:
        return redirect(url_for("workspace.roster"))
    completions = list(db.session.scalars(
        select(Completion).join(Completion.person).join(Person.unit).join(Completion.course)
        .where(Course.code == code, Completion.completed_on == day, unit_path_filter(user, Unit.path))
        .order_by(Person.family_name, Person.given_name)))
    return render_template("workspace/roster_done.html", completions=completions, code=code, day=day)
