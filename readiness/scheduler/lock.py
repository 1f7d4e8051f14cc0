"""The one lock that makes a process the scheduler of its database; the others wait as standby.

PostgreSQL: a session-level advisory lock held on a dedicated connection, so it ends with
the process (or its connection) whatever the way it dies. SQLite: an exclusive `flock`
on a file beside the database file, which the operating system likewise releases when
the process ends. An in-memory SQLite database belongs to one process: nothing to lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger("readiness.scheduler")

#: The advisory lock's two int4 keys: "READ" "SCHD".
PG_KEYS = (0x52454144, 0x53434844)


class LeaderLock(Protocol):
    """What the scheduler process needs of its lock."""

    where: str  # what is locked, for the log

    def acquire(self) -> bool:
        """Try to take the lock without waiting; True when this process holds it."""

    def check(self) -> bool:
        """Tell whether this process still holds the lock."""

    def release(self) -> None:
        """Give the lock up (idempotent)."""


class PostgresLock:
    """A session-level advisory lock on a connection of its own (not from the app's pool)."""

    def __init__(self, url: str, instance: str) -> None:
        self.engine = create_engine(url, poolclass=NullPool, connect_args={
            "application_name": f"readiness scheduler {instance}"[:63],
            # A vanished peer is noticed in about a minute rather than hours.
            "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
        })
        self.conn: Connection | None = None
        self.where = f"PostgreSQL advisory lock {PG_KEYS} on {make_url(url).render_as_string()}"

    def _connection(self) -> Connection:
        if self.conn is None:
            self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self.conn

    def acquire(self) -> bool:
        """Try pg_try_advisory_lock on the dedicated connection."""
        try:
            return bool(self._connection().scalar(text("SELECT pg_try_advisory_lock(:a, :b)"),
                                                  {"a": PG_KEYS[0], "b": PG_KEYS[1]}))
        except Exception as error:  # the server is away: not the leader, try again later
            log.warning("cannot reach the database for the scheduler lock: %s", error)
            self._drop()
            return False

    def check(self) -> bool:
        """Ask the server whether this connection still holds the advisory lock."""
        if self.conn is None:
            return False
        try:
            held = self.conn.scalar(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                " AND classid = :a AND objid = :b AND objsubid = 2 AND granted"),
                {"a": PG_KEYS[0], "b": PG_KEYS[1]})
        except Exception as error:  # the connection is gone, and the lock with it
            log.error("the scheduler lock's connection failed: %s", error)
            self._drop()
            return False
        return bool(held)

    def release(self) -> None:
        """Unlock and close the connection (closing alone would release it too)."""
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"),
                                  {"a": PG_KEYS[0], "b": PG_KEYS[1]})
            except Exception as error:  # closing below releases it anyway
                log.debug("advisory unlock failed: %s", error)
        self._drop()
        self.engine.dispose()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.invalidate()
                self.conn.close()
            except Exception as error:  # already broken: nothing more to close
                log.debug("closing the lock connection: %s", error)
            self.conn = None


class FileLock:
    """An exclusive flock on a file; the kernel releases it when the process ends."""

    def __init__(self, path: Path, instance: str) -> None:
        self.path = path
        self.instance = instance
        self.fd: int | None = None
        self.where = f"file lock {path}"

    def acquire(self) -> bool:
        """Try to flock the file without blocking."""
        if self.fd is not None:
            return self.check()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{self.instance}\n".encode())
        self.fd = fd
        return True

    def check(self) -> bool:
        """Tell whether the locked file is still the one at the path (a deleted file locks nothing)."""
        if self.fd is None:
            return False
        try:
            return os.fstat(self.fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        """Unlock and close the file."""
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class ProcessLock:
    """An in-memory database: only this process can see it, so it is always the scheduler."""

    where = "an in-memory database (no lock needed)"

    def acquire(self) -> bool:
        """Hold it."""
        return True

    def check(self) -> bool:
        """Hold it."""
        return True

    def release(self) -> None:
        """Nothing to release."""


def lock_for(config: Any, instance: str) -> LeaderLock:
    """Return the lock for the configured database (SCHEDULER_LOCK_FILE overrides SQLite's file)."""
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        return PostgresLock(config["SQLALCHEMY_DATABASE_URI"], instance)
    if config.get("SCHEDULER_LOCK_FILE"):
        return FileLock(Path(config["SCHEDULER_LOCK_FILE"]), instance)
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return ProcessLock()
    return FileLock(Path(database + ".scheduler.lock"), instance)
