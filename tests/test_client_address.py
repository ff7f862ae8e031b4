"""Whose address is counted and recorded behind a reverse proxy (issue 9, TRUSTED_PROXIES).

Behind nginx every connection comes from nginx. The sign-in lockout must still tell one person
from another, and the audit trail must still say where each event came from, without ever
believing an X-Forwarded-For that someone other than our own proxy wrote.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from casework.audit import client_address
from casework.client_ip import client_ip
from casework.models import AuditEvent
from casework.tests.factories import TEST_PASSWORD
from tests.test_settings import run_settings

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
LOCKED = "Too many failed attempts to sign in. Signing in is paused for 15 minutes."
ROOT = Path(__file__).resolve().parent.parent
Event = AuditEvent.Event

PROXY = "10.0.0.2"  # our nginx
INNER_PROXY = "10.0.0.3"  # a load balancer in front of it, also ours
CLIENT_1 = "203.0.113.21"
CLIENT_2 = "203.0.113.22"
# Five names, none of them the one signing in afterwards, so that only the address count locks.
OTHER_NAMES = ["colleague", "outsider", "chair", "nobody-by-this-name", "admin"]


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8:a::/48"]


def sign_in(
    username: str, password: str, *, remote_addr: str, forwarded_for: str | None = None
) -> tuple[int, str]:
    client = Client(REMOTE_ADDR=remote_addr)
    if forwarded_for is not None:
        client.defaults["HTTP_X_FORWARDED_FOR"] = forwarded_for
    response = client.post(LOGIN, {"username": username, "password": password})
    return response.status_code, response.content.decode()


def fail_five_times(*, remote_addr: str, forwarded_for: str | None = None) -> None:
    """Five wrong passwords, each for another name: enough to lock the address, not a name."""
    for n, username in enumerate(OTHER_NAMES):
        status, page = sign_in(
            username, f"wrong-guess-{n}", remote_addr=remote_addr, forwarded_for=forwarded_for
        )
        assert status == (429 if n == 4 else 200), f"attempt {n + 1}"
        assert (LOCKED in page) == (n == 4)


def failure_addresses() -> list[str | None]:
    return list(
        AuditEvent.objects.filter(event=Event.LOGIN_FAILED)
        .order_by("pk")
        .values_list("remote_addr", flat=True)
    )


def counted_addresses() -> set[str]:
    return set(AccessAttempt.objects.values_list("ip_address", flat=True))


# --- From a peer that is not our proxy the header is ignored ------------------------------------


@pytest.mark.usefixtures("cast")
@pytest.mark.parametrize("trusted", [[], ["10.0.0.0/24"]], ids=["no proxies", "another proxy"])
def test_it_ignores_a_forwarded_for_header_from_an_untrusted_peer(settings, trusted):
    settings.TRUSTED_PROXIES = trusted
    # Someone on the internet claims, five times, to be five different people.
    for n, username in enumerate(OTHER_NAMES):
        sign_in(
            username,
            f"wrong-guess-{n}",
            remote_addr=CLIENT_1,
            forwarded_for=f"198.51.100.{n + 1}",
        )
    # It is still one address, and it is locked.
    status, page = sign_in("worker", TEST_PASSWORD, remote_addr=CLIENT_1, forwarded_for=CLIENT_2)
    assert (status, LOCKED in page) == (429, True)
    assert counted_addresses() == {CLIENT_1}
    assert failure_addresses() == [CLIENT_1] * 6
    # The address the header names has nothing against it.
    assert sign_in("worker", TEST_PASSWORD, remote_addr="198.51.100.1")[0] == 302


@pytest.mark.usefixtures("behind_proxy")
def test_the_audit_trail_records_the_connection_of_an_untrusted_peer_not_its_header(worker):
    client = Client(REMOTE_ADDR=CLIENT_1, HTTP_X_FORWARDED_FOR="10.0.0.9")
    assert client.post(LOGIN, {"username": "worker", "password": TEST_PASSWORD}).status_code == 302
    login = AuditEvent.objects.filter(event=Event.LOGIN).latest("pk")
    assert (login.actor, login.remote_addr) == (worker, CLIENT_1)


# --- Behind our proxy, each client counts on its own --------------------------------------------


@pytest.mark.usefixtures("cast", "behind_proxy")
def test_two_clients_behind_one_proxy_are_locked_out_separately():
    fail_five_times(remote_addr=PROXY, forwarded_for=CLIENT_1)

    # Client 1 is paused, even with the right password for an account it has not tried.
    status, page = sign_in("worker", TEST_PASSWORD, remote_addr=PROXY, forwarded_for=CLIENT_1)
    assert (status, LOCKED in page) == (429, True)
    # Client 2 comes through the same proxy, and signs in.
    status, _page = sign_in("worker", TEST_PASSWORD, remote_addr=PROXY, forwarded_for=CLIENT_2)
    assert status == 302

    assert counted_addresses() == {CLIENT_1}
    # Every failure in the audit trail names client 1, never the proxy.
    assert failure_addresses() == [CLIENT_1] * 6
    assert AuditEvent.objects.get(event=Event.LOGIN).remote_addr == CLIENT_2


@pytest.mark.usefixtures("cast", "behind_proxy")
def test_what_a_client_writes_before_the_proxys_entry_is_not_believed():
    # nginx appends the address it saw to whatever the client sent: "claim, real address".
    for n, username in enumerate(OTHER_NAMES):
        sign_in(
            username,
            f"wrong-guess-{n}",
            remote_addr=PROXY,
            forwarded_for=f"198.51.100.{n + 1}, {CLIENT_1}",
        )
    status, _page = sign_in(
        "worker", TEST_PASSWORD, remote_addr=PROXY, forwarded_for=f"{CLIENT_2}, {CLIENT_1}"
    )
    assert status == 429
    assert counted_addresses() == {CLIENT_1}
    assert failure_addresses() == [CLIENT_1] * 6
    # And claiming to be client 1 does not lock client 2 out: only the proxy's entry counts.
    claim = f"{CLIENT_1}, {CLIENT_2}"
    assert sign_in("worker", TEST_PASSWORD, remote_addr=PROXY, forwarded_for=claim)[0] == 302


@pytest.mark.usefixtures("cast", "behind_proxy")
def test_through_a_chain_of_proxies_the_first_address_not_ours_is_the_clients():
    # Client → load balancer (10.0.0.3) → nginx (10.0.0.2) → gunicorn; the client also wrote a
    # header of its own. From the right: the load balancer (ours, skipped), then the client.
    chain = f"192.0.2.200, {CLIENT_1}, {INNER_PROXY}"
    fail_five_times(remote_addr=PROXY, forwarded_for=chain)
    assert counted_addresses() == {CLIENT_1}
    assert failure_addresses() == [CLIENT_1] * 5

    other_chain = f"{CLIENT_1}, {CLIENT_2}, {INNER_PROXY}"
    assert sign_in("worker", TEST_PASSWORD, remote_addr=PROXY, forwarded_for=other_chain)[0] == 302
    assert AuditEvent.objects.get(event=Event.LOGIN).remote_addr == CLIENT_2


@pytest.mark.usefixtures("cast", "behind_proxy")
def test_the_token_endpoint_counts_the_client_behind_the_proxy_too():
    def token(username: str, password: str, client_address: str) -> int:
        api = APIClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)
        response = api.post(TOKEN, {"username": username, "password": password}, format="json")
        return response.status_code

    assert [token(name, "wrong", CLIENT_1) for name in OTHER_NAMES] == [400] * 4 + [429]
    assert token("worker", TEST_PASSWORD, CLIENT_1) == 429
    assert token("worker", TEST_PASSWORD, CLIENT_2) == 200


# --- What cannot be read falls back to the connection's address ---------------------------------


@pytest.mark.usefixtures("cast", "behind_proxy")
@pytest.mark.parametrize(
    "forwarded_for",
    [
        "not-an-address",
        f"{CLIENT_1}:51234",  # a port: not something our proxy should send
        f"{CLIENT_1}, unknown",
        f"{CLIENT_1},",
        "203.0.113.300",
    ],
)
def test_a_header_that_is_not_an_address_falls_back_to_the_proxy(forwarded_for):
    fail_five_times(remote_addr=PROXY, forwarded_for=forwarded_for)
    assert counted_addresses() == {PROXY}
    assert failure_addresses() == [PROXY] * 5


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        # No header from our proxy: the proxy's own request.
        ({"REMOTE_ADDR": PROXY}, PROXY),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "  "}, PROXY),
        # Every hop is ours: the request began at the leftmost.
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"10.0.0.7, {INNER_PROXY}"}, "10.0.0.7"),
        # IPv6, written however the proxy likes, comes back in its usual short form.
        (
            {"REMOTE_ADDR": "2001:db8:a::1", "HTTP_X_FORWARDED_FOR": "2001:DB8:0:0:0:0:0:77"},
            "2001:db8::77",
        ),
        # A dual-stack socket reports an IPv4 proxy as ::ffff:10.0.0.2: still our proxy.
        ({"REMOTE_ADDR": f"::ffff:{PROXY}", "HTTP_X_FORWARDED_FOR": CLIENT_1}, CLIENT_1),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"::ffff:{CLIENT_1}"}, CLIENT_1),
        # Untrusted peers, however they write it.
        ({"REMOTE_ADDR": "2001:db8:b::1", "HTTP_X_FORWARDED_FOR": CLIENT_1}, "2001:db8:b::1"),
        ({"REMOTE_ADDR": "", "HTTP_X_FORWARDED_FOR": CLIENT_1}, None),
    ],
)
@pytest.mark.usefixtures("behind_proxy")
def test_it_reads_the_address_from_the_right_headers(meta, expected):
    assert client_ip(RequestFactory().get("/", **meta)) == expected


# --- Configuration ------------------------------------------------------------------------------


def test_it_trusts_no_proxy_unless_told(tmp_path):
    code = "from django.conf import settings; print(settings.TRUSTED_PROXIES)"
    env = {"DEBUG": "1", "VAR_DIR": str(tmp_path)}
    assert run_settings(env, code).stdout.strip() == "[]"
    result = run_settings(
        {**env, "TRUSTED_PROXIES": " 10.0.0.2, 172.16.0.0/12 ,2001:db8::/32"}, code
    )
    assert result.stdout.strip() == "['10.0.0.2', '172.16.0.0/12', '2001:db8::/32']", result.stderr


@pytest.mark.parametrize("entry", ["nginx.internal", "10.0.0.1/8"])
def test_a_proxy_list_that_cannot_be_read_stops_manage_py_check(settings, entry):
    settings.TRUSTED_PROXIES = ["10.0.0.2", entry]
    with pytest.raises(SystemCheckError, match=f"TRUSTED_PROXIES: '{entry}'"):
        call_command("check")


def gunicorn_config(env: dict[str, str], *args: str) -> str:
    """The forwarded_allow_ips gunicorn would run with, loading gunicorn.conf.py."""
    clean = {"PATH": os.environ["PATH"], "DEBUG": "1", **env}
    result = subprocess.run(
        [
            Path(sys.executable).with_name("gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--print-config",
            *args,
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("forwarded_allow_ips")]
    assert lines, result.stdout + result.stderr
    return lines[0].split("=", 1)[1].strip()


def test_gunicorn_trusts_the_same_proxies_for_the_scheme(tmp_path):
    env = {"VAR_DIR": str(tmp_path)}
    assert gunicorn_config(env) == "['127.0.0.1', '::1']"  # gunicorn's own default
    proxies = {**env, "TRUSTED_PROXIES": "10.0.0.2,172.16.0.0/12"}
    assert gunicorn_config(proxies) == "['10.0.0.2', '172.16.0.0/12']"
    # The command line still wins (docker-compose.yml passes one).
    assert gunicorn_config(proxies, "--forwarded-allow-ips", "*") == "['*']"


def test_the_lockout_and_the_audit_trail_use_one_function(settings):
    assert settings.AXES_CLIENT_IP_CALLABLE == "casework.client_ip.client_ip"
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT_1)
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(request) == client_ip(request) == CLIENT_1
