"""Readiness and forecast endpoints of the JSON API."""

from flask_smorest import Blueprint

blueprints: list[Blueprint] = []
