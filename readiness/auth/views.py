"""Login and logout pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from readiness.auth.models import User
from readiness.auth.services import check_password
from readiness.extensions import db

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """User name and password."""

    name = StringField("User name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a link log people in elsewhere.
    if target and urlsplit(target).netloc == "" and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("web.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log the user in."""
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.name == form.name.data))
        if user is not None and user.active and check_password(user, form.password.data):
            db.session.commit()  # a rehashed password, if any
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash("Unknown user name or wrong password.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log the user out."""
    logout_user()
    return redirect(url_for("auth.login"))
