"""Settings come from the environment and refuse to start unsafely."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_settings(env: dict[str, str], code: str = "") -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter with exactly this environment."""
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_when_debug_is_off(tmp_path):
    result = run_settings({"DEBUG": "0", "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_uses_a_development_secret_only_with_debug_on(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY.startswith('dev-only'))"
    result = run_settings({"DEBUG": "1", "VAR_DIR": str(tmp_path)}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_it_reads_the_secret_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("a-secret-from-a-docker-secret-file\n")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = run_settings(
        {"DEBUG": "0", "SECRET_KEY_FILE": str(secret_file), "VAR_DIR": str(tmp_path)}, code
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "a-secret-from-a-docker-secret-file"


def test_it_defaults_to_sqlite_under_var_and_a_serverless_broker(tmp_path):
    code = (
        "from django.conf import settings\n"
        "print(settings.DATABASES['default']['NAME'])\n"
        "print(settings.CELERY_BROKER_URL)\n"
        "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'])"
    )
    result = run_settings({"DEBUG": "1", "VAR_DIR": str(tmp_path)}, code)
    assert result.returncode == 0, result.stderr
    database, broker, folder = result.stdout.split()
    assert database == str(tmp_path / "upstream.sqlite3")
    assert broker == "filesystem://"
    assert folder.startswith(str(tmp_path))


def test_it_takes_database_and_redis_from_urls(tmp_path):
    code = (
        "from django.conf import settings\n"
        "db = settings.DATABASES['default']\n"
        "print(db['ENGINE'], db['NAME'], db['HOST'])\n"
        "print(settings.CELERY_BROKER_URL)"
    )
    result = run_settings(
        {
            "DEBUG": "1",
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://postgres@db.internal:5432/upstream",
            "REDIS_URL": "redis://cache.internal:6379/0",
        },
        code,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "django.db.backends.postgresql upstream db.internal"
    assert lines[1] == "redis://cache.internal:6379/0"


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-0123456789",
        "ALLOWED_HOSTS": "upstream.example.org",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
