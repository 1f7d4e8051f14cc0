"""The forms of the interoperability pages (Flask-WTF: every one carries a CSRF token).

Fields are text as typed (choices unchecked here); the API's schemas (readiness.interop.schemas)
check them, so a page and the API accept and refuse the same things with the same messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError
from wtforms import FieldList, Form, FormField, SelectField, StringField, TextAreaField

from readiness.errors import DomainError
from readiness.interop.models import AREA_RESULTS, MILESTONE_KINDS, OUTCOMES, STEPS, VISIT_RESULTS, label
from readiness.workspace.forms import options

AREA_ROWS = 6  # empty area rows offered beyond those filled in


class AreaForm(Form):
    """One area assessed (a row of the evaluation form; the parent form carries the CSRF token)."""

    area = StringField("Area")
    result = SelectField(
        "Result", validate_choice=False, choices=options([("", "—"), *((r, label(r)) for r in AREA_RESULTS)])
    )
    remarks = StringField("Remarks")


class EvaluationForm(FlaskForm):
    """An OCC E&F evaluation."""

    step = SelectField(
        "Step", validate_choice=False, choices=options([("", "— choose a step —"), *((s, s) for s in STEPS)])
    )
    started_on = StringField("Started on")
    ended_on = StringField("Ended on (empty: the same day)")
    outcome = SelectField(
        "Outcome",
        validate_choice=False,
        choices=options([("", "— not yet known —"), *((o, label(o)) for o in OUTCOMES)]),
    )
    re_evaluation_due = StringField("Re-evaluation due")
    evaluators = TextAreaField("Evaluators, one per line")
    feedback = TextAreaField("Feedback")
    areas = FieldList(FormField(AreaForm), min_entries=AREA_ROWS)

    def payload(self) -> tuple[dict[str, Any], list[int]]:
        """Return the evaluation as the API takes it, and which area row each area came from."""
        rows = [
            i
            for i, entry in enumerate(self.areas.entries)
            if any((entry.form[n].data or "").strip() for n in ("area", "result", "remarks"))
        ]
        areas = [
            {
                "area": self.areas.entries[i].form.area.data or "",
                "result": self.areas.entries[i].form.result.data,
                **({"remarks": r} if (r := self.areas.entries[i].form.remarks.data) else {}),
            }
            for i in rows
        ]
        data = _texts(self, ("step", "started_on", "ended_on", "outcome", "re_evaluation_due", "feedback"))
        data["evaluators"] = [n.strip() for n in (self.evaluators.data or "").splitlines() if n.strip()]
        data["areas"] = areas
        return data, rows


class PledgeForm(FlaskForm):
    """A PCRS pledge."""

    capability = StringField("Capability pledged")
    strength = StringField("Strength (people)")
    pledged_on = StringField("Registered on")
    days_to_deploy = StringField("Days to deploy (promised)")
    withdrawn_on = StringField("Withdrawn on")
    remarks = TextAreaField("Remarks")

    def payload(self) -> dict[str, Any]:
        """Return the pledge as the API takes it."""
        return _texts(
            self, ("capability", "strength", "pledged_on", "days_to_deploy", "withdrawn_on", "remarks")
        )


class MilestoneForm(FlaskForm):
    """A milestone of a pledge."""

    kind = SelectField(
        "Milestone",
        validate_choice=False,
        choices=options([("", "— choose —"), *((k, label(k)) for k in MILESTONE_KINDS)]),
    )
    date = StringField("Date")
    result = SelectField(
        "Result (visits)",
        validate_choice=False,
        choices=options([("", "— none yet —"), *((r, r) for r in VISIT_RESULTS)]),
    )
    reference = StringField("Reference (e.g. the note verbale's number)")
    remarks = TextAreaField("Remarks")

    def payload(self) -> dict[str, Any]:
        """Return the milestone as the API takes it."""
        return _texts(self, ("kind", "date", "result", "reference", "remarks"))


def _texts(form: FlaskForm, names: tuple[str, ...]) -> dict[str, Any]:
    # An empty field is null: the schema applies its default, or clears the value on a change.
    return {
        name: (value.strip() or None) if isinstance(value := form[name].data, str) else value
        for name in names
    }


def load(
    schema: Schema,
    data: dict[str, Any],
    cross_check: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Any:
    """Load `data` with an API schema; raise ValidationError with its field messages.

    `cross_check(valid fields)` returns the service's checks of the fields taken together, so
    that a form shows every problem at once, not the next one after each correction.
    """
    # Required fields left empty are missing, not null, so the schema says they are missing.
    required = {f.data_key or name for name, f in schema.load_fields.items() if f.required}
    try:
        return schema.load({k: v for k, v in data.items() if v is not None or k not in required})
    except ValidationError as error:
        messages = error.normalized_messages()
        if cross_check is not None and isinstance(error.valid_data, dict):
            for field, found in cross_check(error.valid_data).items():
                messages.setdefault(field, found)
        raise ValidationError(messages) from error


def show_errors(form: FlaskForm, errors: Any, area_rows: list[int] | None = None, message: str = "") -> None:
    """Put field messages beside their fields (areas on their rows); others above the form."""
    shown = False
    for name, messages in (errors or {}).items():
        key = {"dated_on": "date"}.get(name, name)
        if key == "areas" and isinstance(messages, dict) and area_rows is not None:
            for index, fields in messages.items():
                row = form.areas.entries[area_rows[int(index)]].form
                for sub, texts in fields.items():
                    row[sub].errors = [*row[sub].errors, *texts]
            form.areas.errors = ["Correct the areas marked below."]
            shown = True
        elif key in form and key != "csrf_token":
            texts = messages if isinstance(messages, list) else [str(messages)]
            form[key].errors = [*form[key].errors, *texts]
            shown = True
    if not shown:
        form.form_errors.append(message or "Nothing was recorded.")


def apply(form: FlaskForm, error: ValidationError | DomainError, area_rows: list[int] | None = None) -> None:
    """Show a schema's or a service's errors on the form."""
    if isinstance(error, ValidationError):
        show_errors(form, error.normalized_messages(), area_rows)
        return
    errors = error.errors or {}
    if set(errors) == {0}:
        errors = errors[0]  # one row sent: its errors are field → messages
    show_errors(form, errors, area_rows, error.message)
