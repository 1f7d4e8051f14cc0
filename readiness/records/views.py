"""Completion and attainment endpoints of the JSON API."""

from flask_smorest import Blueprint

blueprints: list[Blueprint] = []
