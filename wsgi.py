"""WSGI entry point: `gunicorn wsgi:app`."""

from readiness import create_app

app = create_app()
