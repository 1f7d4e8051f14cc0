"""Configuration defaults; the environment overrides them (see README)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

INSTANCE_DIR = Path(__file__).resolve().parent / "instance"


class Config:
    """Defaults for every setting; `READINESS_*` environment variables override them."""

    # No fallback secret: create_app refuses to start without one outside development.
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'readiness.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    TIMEZONE = "Asia/Baku"
    PUBLIC_URL = "http://127.0.0.1:5000"
    ISSUING_AUTHORITY = "Ministry of Defence — International Military Cooperation Department"
    EXPIRY_WARNING_DAYS = 90
    # Readiness bands: the lowest percentage that still earns each level (DESIGN.md §2.9).
    P_BANDS = (90, 80, 70)
    T_BANDS = (85, 75, 65)
    # Interoperability (readiness/interop): a stage or level shows only when the unit's own
    # readiness meets its gate, e.g. {"PCRS RDL": "T-2"}; keys "OCC SEL-1" … "OCC NEL-2",
    # "PCRS 1" … "PCRS 3", "PCRS RDL"; values C-n, P-n or T-n (n or better).
    INTEROP_GATES: ClassVar[dict[str, str]] = {"PCRS RDL": "T-2"}
    PCRS_RDL_MAX_DAYS = 60  # the Rapid Deployment Level: deployable within this many days
    PCRS_FIRST_UPDATE_MONTHS = 12  # a pledge's first update is due this long after registration
    PCRS_UPDATE_MONTHS = 6  # and every later one this long after the previous update

    # flask-smorest / OpenAPI
    API_TITLE = "Readiness API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS: ClassVar[dict[str, Any]] = {
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
        },
        "security": [{"bearerAuth": []}],
    }

    # Argon2id cost; {} is argon2-cffi's default (RFC 9106 low-memory profile).
    PASSWORD_HASH_PARAMS: ClassVar[dict[str, int]] = {}

    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"

    # The scheduler (`readiness scheduler`, see readiness/scheduler/). A job's schedule is its
    # default in readiness/scheduler/jobs.py unless SCHEDULE_<JOB> replaces it, e.g.
    # READINESS_SCHEDULE_SNAPSHOTS='{"trigger": "cron", "hour": 23, "minute": 45}', "45 23 * * *"
    # (crontab) or "off"; local times are in TIMEZONE.
    SNAPSHOT_BACKFILL_DAYS = 31  # the most missed days before today one snapshots run fills
    # Days of per-requirement counts kept (about 15,000 rows a day for 1,000 units); None: all.
    # The units' own figures (the trend charts) are always kept.
    SNAPSHOT_REQUIREMENT_KEEP_DAYS: int | None = None
    SCHEDULER_HEARTBEAT_SECONDS = 15  # the leader checks its lock and shows it is alive
    SCHEDULER_STANDBY_POLL_SECONDS = 10  # a standby tries to take over
    SCHEDULER_MISFIRE_GRACE_SECONDS = 3600  # a run this late still runs; later ones are skipped
    SCHEDULER_LOCK_FILE: str | None = None  # SQLite: default the database file + ".scheduler.lock"
    JOB_RUNS_KEEP_DAYS = 180  # finished runs older than this are deleted (by the leader, hourly)

    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "readiness@localhost"
    # Seconds to wait for the SMTP server before an attempt counts as failed.
    MAIL_TIMEOUT = 30

    # The outbox: a failed attempt is retried after OUTBOX_RETRY_SECONDS, doubling each
    # time up to OUTBOX_RETRY_MAX_SECONDS; after OUTBOX_MAX_ATTEMPTS it is `failed` and
    # waits for an admin's retry.
    OUTBOX_MAX_ATTEMPTS = 10
    OUTBOX_RETRY_SECONDS = 60
    OUTBOX_RETRY_MAX_SECONDS = 6 * 3600
    # Days before a requirement lapses on which people and their training officers are
    # warned (each threshold once). EXPIRY_WARNING_DAYS above is rule 3's `expiring`.
    EXPIRY_WARNING_THRESHOLDS = (90, 60, 30, 7)

    # Certificates issued together (a batch from nothing, the pending-certificates job) are
    # rendered by this many worker processes; None is one per CPU this process may use, at
    # most 4; 1 renders everything in the calling process. Fewer certificates than
    # CERTIFICATE_PARALLEL_MIN stay in the calling process: starting the workers costs
    # about 1.3 s of CPU, and below some 50 certificates it does not pay on two cores.
    # Unless it is 1, a process's first certificate starts the workers' fork server in the
    # background (about a second of CPU and some 130 MB, once per process), so that its
    # first batch from nothing does not wait for it.
    CERTIFICATE_WORKERS: int | None = None
    CERTIFICATE_PARALLEL_MIN = 50
    # The `certificates` job (every 5 minutes, at 2, 7, 12 … past the hour, apart from the
    # partner reports; SCHEDULE_CERTIFICATES replaces it) issues at most this many a run,
    # some 5-10 s of rendering on two cores, in one transaction.
    CERTIFICATES_PER_RUN = 200


def database_url_from_env() -> str | None:
    """Return DATABASE_URL normalised for SQLAlchemy (psycopg 3 for PostgreSQL)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
