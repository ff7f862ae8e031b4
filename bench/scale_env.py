"""The settings every process of the scale benchmark runs with (bench/scale.py, scale_size.py).

Production's settings (DEBUG off: the template cache, collected static files, no query log),
except what needs HTTPS, since the benchmark speaks plain HTTP on 127.0.0.1.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"

SETTINGS_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "STATIC_COLLECTED": "1",
    "STATIC_ROOT": str(VAR / "static"),
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def settings_env(database_url: str) -> dict[str, str]:
    """This process's environment with the benchmark's settings and that database."""
    return {**os.environ, **SETTINGS_ENV, "DATABASE_URL": database_url}
