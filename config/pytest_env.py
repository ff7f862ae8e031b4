"""Loaded by pytest (`-p config.pytest_env`) before Django's settings are read.

Tests run with DEBUG off, as production does, so they need a secret; and the test client and
the live server speak plain HTTP, so HTTPS-only redirects and cookies are relaxed. A variable
already in the environment wins.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("STATIC_COLLECTED", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Playwright's sync API runs an event loop in the test's thread; Django's ORM refuses to run
# inside one unless told that this single-threaded use is fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
