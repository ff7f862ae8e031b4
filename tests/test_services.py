"""The suite runs against the services it was given: in CI, PostgreSQL and Redis for real."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

from casework.health import broker_answers, database_answers


@pytest.mark.django_db
def test_the_configured_database_and_broker_answer():
    assert database_answers()
    assert broker_answers()


@pytest.mark.django_db
def test_ci_runs_on_postgresql_and_redis():
    expected_db = "postgresql" if os.environ.get("CI") else connection.vendor
    assert connection.vendor == expected_db
    if os.environ.get("CI"):
        assert settings.CELERY_BROKER_URL.startswith("redis://")
