"""The workspace's forms (Flask-WTF, so every one carries a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from readiness.imports import KINDS
from readiness.training.models import COURSE_KINDS, SCALES

SN = [DataRequired(message="Give the person's service number."), Length(max=32)]


def options(pairs: Any) -> list[SelectChoice]:
    """Return (value, label) pairs as the options of a select field."""
    return [SelectChoice(value, label) for value, label in pairs]


def blank_to_none(value: Any) -> Any:
    """Turn an empty or blank text into None, and trim the rest."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class CompletionForm(FlaskForm):
    """One course completion."""

    service_number = StringField("Service number", validators=SN, filters=[blank_to_none])
    course = SelectField("Course", validators=[DataRequired(message="Choose a course.")])
    completed_on = DateField("Completed on", validators=[InputRequired(message="Give the date.")])
    score = IntegerField("Score (0–100, optional)", validators=[Optional(), NumberRange(0, 100)])
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=1000)],
                         filters=[blank_to_none])


class ResultForm(FlaskForm):
    """One result against a standard, e.g. a STANAG 6001 language test."""

    service_number = StringField("Service number", validators=SN, filters=[blank_to_none])
    standard = SelectField("Standard", validators=[DataRequired(message="Choose a standard.")])
    level = StringField("Result", validators=[DataRequired(message="Give the result."), Length(max=40)],
                        filters=[blank_to_none])
    assessed_on = DateField("Assessed on", validators=[InputRequired(message="Give the date.")])


class RevokeForm(FlaskForm):
    """Why a completion is withdrawn."""

    reason = TextAreaField("Reason for revoking", validators=[
        DataRequired(message="Say why the completion is revoked."), Length(max=1000)],
        filters=[blank_to_none])


class RosterForm(FlaskForm):
    """A class roster: one course and date, many people."""

    course = SelectField("Course", validators=[DataRequired(message="Choose a course.")])
    completed_on = DateField("Completed on", validators=[InputRequired(message="Give the date.")])
    numbers = TextAreaField("Service numbers, one per line (optionally followed by a score)",
                            validators=[Optional(), Length(max=200_000)])
    include_valid = BooleanField("Record people who already hold a valid completion too")


class ImportForm(FlaskForm):
    """A CSV file to import."""

    kind = SelectField("What the file holds", choices=options((k, k.capitalize()) for k in KINDS),
                       validators=[DataRequired()])
    file = FileField("CSV file (UTF-8, comma or semicolon separated, header row of field names)",
                     validators=[FileRequired(message="Choose a CSV file."),
                                 FileAllowed(["csv", "txt"], "Upload a .csv file.")])


VALIDITY = [Optional(), NumberRange(0, 600, message="Whole months from 0 to 600; empty: never expires.")]


class CourseForm(FlaskForm):
    """A course of the catalogue."""

    code = StringField("Code", validators=[DataRequired(), Length(max=40)], filters=[blank_to_none])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)], filters=[blank_to_none])
    provider = StringField("Provider", validators=[DataRequired(), Length(max=200)], filters=[blank_to_none])
    kind = SelectField("Kind", choices=options((k, k) for k in COURSE_KINDS))
    validity_months = IntegerField("Valid for (months; empty: never expires)", validators=VALIDITY)


class StandardForm(FlaskForm):
    """A standard of the catalogue."""

    code = StringField("Code", validators=[DataRequired(), Length(max=40)], filters=[blank_to_none])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)], filters=[blank_to_none])
    body = StringField("Issuing body", validators=[DataRequired(), Length(max=60)], filters=[blank_to_none])
    scale = SelectField("Scale", choices=options(
        (s, {"slp": "STANAG 6001 profile (SLP)", "pass": "pass / fail"}[s]) for s in SCALES))
    validity_months = IntegerField("Valid for (months; empty: never expires)", validators=VALIDITY)


class RequirementForm(FlaskForm):
    """A requirement for the course or standard whose page holds the form."""

    min_level = StringField("Minimum level (SLP standards only, e.g. SLP 2222)",
                            validators=[Optional(), Length(max=40)], filters=[blank_to_none])
    unit = StringField("Unit (with sub-units; empty: everyone)", validators=[Optional(), Length(max=32)],
                       filters=[blank_to_none])
    role = StringField("Role (empty: every role)", validators=[Optional(), Length(max=60)],
                       filters=[blank_to_none])


class ConfirmForm(FlaskForm):
    """A bare form: a button and its CSRF token."""
