"""Finding people and courses by what a person types: accents and case do not matter.

'aliyev' finds 'Əliyev': Azerbaijani letters fold to their Latin base on both sides
(ə→a, ı→i, ş→s, ç→c, ö→o, ü→u, ğ→g, İ→i), in Python for the query and in SQL for the
stored names, so the two agree on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import ColumnElement, and_, func, or_, select

from readiness.auth.scope import unit_path_filter
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.training.models import Course, Standard
from readiness.units.models import Unit
from readiness.workspace import bp
from readiness.workspace.access import reader
from readiness.workspace.names import PersonName, fold

_PAIRS = ["Əa", "əa", "Ii", "ıi", "İi", "Şs", "şs", "Çc", "çc", "Öo", "öo", "Üu", "üu", "Ğg", "ğg"]
_FROM, _TO = "".join(p[0] for p in _PAIRS), "".join(p[1] for p in _PAIRS)
MAX_WORDS = 5
SEARCH_LIMIT = 20


def fold_sql(column: Any) -> ColumnElement[str]:
    """Return SQL folding `column` the way `fold` folds text (for the small catalogue tables)."""
    if db.engine.dialect.name == "postgresql":
        return func.lower(func.translate(column, _FROM, _TO))
    expr = column
    for source, target in zip(_FROM, _TO, strict=True):
        if not source.isascii():
            expr = func.replace(expr, source, target)
    return func.lower(expr)  # db.py gives SQLite a lower() that folds every script


def words(query: str) -> list[str]:
    """Split a query into at most MAX_WORDS folded words."""
    return [fold(w) for w in query.split()][:MAX_WORDS]


def person_matches(query: str) -> ColumnElement[bool]:
    """Return a clause: every word of `query` is in a name or the service number of the person."""
    found = select(PersonName.person_id).where(
        *(PersonName.folded.contains(word, autoescape=True) for word in words(query)))
    return Person.id.in_(found)


def catalogue_matches(model: type[Course] | type[Standard], query: str) -> ColumnElement[bool]:
    """Return a clause: every word of `query` is in the code or the title."""
    return and_(*(or_(fold_sql(model.code).contains(w, autoescape=True),
                      fold_sql(model.title).contains(w, autoescape=True)) for w in words(query)))


@bp.get("/search")
@login_required
def search():
    """Find people in scope by name or service number, and courses and standards by code or title."""
    user = reader()
    query = (request.args.get("q") or "").strip()[:100]
    people: list[Person] = []
    courses: list[Course] = []
    standards: list[Standard] = []
    if words(query):
        exact = db.session.scalar(
            select(Person).join(Person.unit).where(Person.service_number == query,
                                                   unit_path_filter(user, Unit.path)))
        if exact is not None and request.args.get("go") != "no":
            return redirect(url_for("workspace.person", service_number=exact.service_number))
        people = list(db.session.scalars(
            select(Person).join(Person.unit).where(unit_path_filter(user, Unit.path), person_matches(query))
            .order_by(Person.family_name, Person.given_name, Person.service_number).limit(SEARCH_LIMIT + 1)))
        courses = list(db.session.scalars(select(Course).where(catalogue_matches(Course, query))
                                          .order_by(Course.code).limit(SEARCH_LIMIT)))
        standards = list(db.session.scalars(select(Standard).where(catalogue_matches(Standard, query))
                                            .order_by(Standard.code).limit(SEARCH_LIMIT)))
    return render_template("workspace/search.html", query=query, people=people[:SEARCH_LIMIT],
                           more_people=len(people) > SEARCH_LIMIT, courses=courses, standards=standards)
