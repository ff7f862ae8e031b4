"""The API's case list counts at most a cap of cases, and says when it stopped (issue 10).

DRF's page-number pagination counted every case the user may see: about 0.9 s per call for an
administrator of a million cases. The list counts up to CappedCasePagination.cap instead.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from casework.api.pagination import CappedCasePagination
from casework.models import AuditEvent, User
from casework.tests.factories import open_case


@pytest.mark.django_db
def test_the_case_list_counts_up_to_a_cap_and_says_so(
    cast: dict[str, User], team_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CappedCasePagination, "cap", 3)
    monkeypatch.setattr(CappedCasePagination, "page_size", 2)
    client = APIClient()
    client.force_login(cast["worker"])
    for name in ("Kanha", "Bopha", "Sokha", "Dara"):
        open_case(team=team_a, worker=cast["worker"], family_name=f"Capped {name}")

    before = AuditEvent.objects.count()
    body = client.get("/api/v1/cases/").json()
    assert body["count"] == 3
    assert body["count_capped"] is True
    assert len(body["results"]) == 2
    [event] = AuditEvent.objects.order_by("pk")[before:]
    assert event.additional_data == {"list": "cases", "q": "", "count": 3, "count_capped": True}
    # The pages stop at the cap: the second is the last, the third does not exist.
    second = client.get("/api/v1/cases/?page=2").json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert client.get("/api/v1/cases/?page=3").status_code == 404

    # A list under the cap is counted exactly.
    narrowed = client.get("/api/v1/cases/?q=Bopha").json()
    assert narrowed["count"] == 1
    assert narrowed["count_capped"] is False
