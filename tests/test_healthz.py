from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_it_reports_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_it_needs_no_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200


@pytest.mark.django_db
def test_it_names_a_dead_broker(client, settings):
    # Nothing listens on port 1: the broker cannot answer.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable"}
