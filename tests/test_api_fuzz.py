"""The API survives fuzzing: every operation of /api/schema/, called by `worker` with data
generated from the schema (Schemathesis), answers without a server error and never shows a
case of another team.

The run is bounded (a fixed number of derandomised examples per operation) so that it stays
part of the normal suite. Path parameters are drawn from the generated value, the worker's own
case and team B's case, so the door is knocked on with ids that exist. The token endpoints are
left out: obtaining a token with fuzzed passwords would lock the account out, and revoking it
would end the run's authentication.

The schema is the document /api/schema/ serves (built once at import, when there is no database
to sign in against yet); `test_the_fuzzed_schema_is_the_served_one` holds the two equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from casework.models import Case, Person, Team, User
from casework.tests.factories import open_case
from config.wsgi import application

HIDDEN_FAMILY = "Zephyrine Hiddenfamily"
MAX_EXAMPLES = 15
EXCLUDED_PATHS = r"^/api/v1/auth/token/"


def served_schema() -> dict[str, Any]:
    """What /api/schema/?format=json answers, built the same way the view builds it."""
    document = SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    served: dict[str, Any] = json.loads(OpenApiJsonRenderer().render(document))
    return served


schema = schemathesis.openapi.from_dict(served_schema()).exclude(path_regex=EXCLUDED_PATHS)
schema.app = application
# Only the examples and fuzzing phases, which max_examples bounds; the coverage phase's cases are
# not bounded by it and would take the run well past the suite's budget.
schema.config.phases.coverage.enabled = False

# The ids that exist in the test's database, filled in by the `known_ids` fixture.
KNOWN: dict[str, list[int]] = {"case_id": [], "person_id": []}


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Half the time a real id (the worker's own or team B's) instead of the generated one."""
    drawn: dict[str, st.SearchStrategy[Any]] = {}
    for name, value in (path_parameters or {}).items():
        real = KNOWN.get(name, [])
        drawn[name] = st.sampled_from([value, *real]) if real else st.just(value)
    return st.fixed_dictionaries(drawn)


@pytest.fixture
def hidden_case(team_b: Team, cast: dict[str, User]) -> Case:
    """A case of team B, which `worker` (team A) must never see."""
    return open_case(team=team_b, worker=cast["outsider"], family_name=HIDDEN_FAMILY)


@pytest.fixture
def known_ids(case: Case, hidden_case: Case) -> Iterator[None]:
    KNOWN["case_id"] = [case.pk, hidden_case.pk]
    KNOWN["person_id"] = list(
        Person.objects.filter(family__in=[case.family, hidden_case.family])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    yield
    KNOWN["case_id"], KNOWN["person_id"] = [], []


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """As in Django's test client: the WSGI handler must not close the test's connection (and
    with it the transaction the test runs in) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def worker_headers(cast: dict[str, User]) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.create(user=cast['worker']).key}"}


def no_other_teams_case(ctx: Any, response: Any, case: Any) -> bool | None:
    """Nothing of team B's case (its reference or family name) in any answer to `worker`."""
    hidden = Case.objects.get(family__family_name=HIDDEN_FAMILY)
    body = response.text or ""
    for secret in (hidden.reference, HIDDEN_FAMILY):
        assert secret not in body, f"{case.method} {case.formatted_path} showed {secret!r}"
    return None


def test_the_fuzzed_schema_is_the_served_one(worker_headers: dict[str, str]):
    response = Client().get(
        "/api/schema/?format=json", HTTP_AUTHORIZATION=worker_headers["Authorization"]
    )
    assert response.status_code == 200
    assert json.loads(response.content) == served_schema()


@pytest.mark.usefixtures("known_ids", "connection_kept")
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_server_error_and_no_other_teams_case(case: Any, worker_headers: dict[str, str]):
    case.call_and_validate(headers=worker_headers, checks=[not_a_server_error, no_other_teams_case])
