"""Real Celery workers for the tests that need one (reminders, exports, emergency access).

No eager mode: a worker is a `celery worker` subprocess in a process group of its own, on the
test's own PostgreSQL database, fed through Redis on a queue of the test's own (other runs may
share the Redis). Without PostgreSQL or Redis the tests skip, which conftest.py turns into a
failure in CI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def require_worker_services() -> str:
    """The broker's address; skip unless the database is PostgreSQL and Redis answers."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (a database a worker process can share, row locks skipped with "
            f"SKIP LOCKED): set DATABASE_URL=postgres://...; the database is {connection.vendor}"
        )
    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"needs Redis at REDIS_URL={url} for a real Celery worker: {error}")
    return url


def worker_database_url(*, wait_for_disk: bool = True) -> str:
    """The DATABASE_URL of the database this test uses (test_..., per xdist worker).

    `wait_for_disk=False` turns off synchronous commit for the worker's connections: for tests
    of a killed worker, not of a database server crash, where waiting for fsync at each of
    many small commits only makes the test slower.
    """
    db = connection.settings_dict
    user = quote(str(db["USER"] or ""), safe="")
    password = quote(str(db["PASSWORD"] or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(str(db["HOST"] or ""), safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    name = quote(str(db["NAME"]), safe="")
    url = f"postgres://{credentials}{host}{port}/{name}"
    if not wait_for_disk:
        url += "?options=" + quote("-c synchronous_commit=off", safe="")
    return url


def start_worker(
    *,
    queue: str,
    log: Path,
    env: Mapping[str, str],
    hostname: str | None = None,
    pool: str = "prefork",
    concurrency: int = 1,
    options: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    """A worker serving `queue` only, its output in `log`; `env` adds to this process's."""
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        f"--pool={pool}",
        *([f"--concurrency={concurrency}"] if pool == "prefork" else []),
        *options,
        "-Q", queue, "-n", hostname or f"{queue}@localhost",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
    ]  # fmt: skip
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": redis_url(),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, stopped or killed as one
        )


def kill_worker(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole group at once: no warm shutdown, no ack, no rollback by the worker."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def stop_worker(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """A warm shutdown (SIGTERM to the group), killed if it does not end in `timeout`."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_worker(process)
