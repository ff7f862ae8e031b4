"""Headers and leaks (issue 9): what a browser, a cache, a log or a crash report gets to keep.

- Every page and API answer carries a strict Content-Security-Policy, and no template a browser
  is served has inline script, style or event handlers (the files are read, every one of them).
- Every answer the app gives says `Cache-Control: no-store`; static files do not.
- Frame denial, the referrer policy, HSTS and secure cookies hold with production's settings.
- A child's name searched for is never in an address, so never in an access log (the real
  gunicorn and development server are run and their logs read); crash reports keep no name.
- Uploads: a forged photo is refused through both doors and nothing is kept; a drawing is
  served only through the door, with headers that stop a browser treating it as anything else.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone
from django.utils.log import AdminEmailHandler
from PIL import Image

from assessments.models import ChildVoice
from casework.models import Case, Person, Team, User
from casework.tests.factories import open_case

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
# Rendered by WeasyPrint into PDFs, never served to a browser: inline style is allowed there.
PDF_TEMPLATES = {
    "reports/case_file.html",
    "reports/base_pdf.html",
    "reports/_cover.html",
    "reports/family_plan.html",
    "reports/review_minutes.html",
}
PDF_FOLDERS = ("reports/sections/",)
CHILD = "Sreypov"  # the name searched for, planted in one case


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def directives(header: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            policy[words[0]] = words[1:]
    return policy


def assert_strict_policy(response: Any) -> None:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code} {response}"
    policy = directives(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in header


@pytest.fixture
def named_case(team_a: Team, worker: User) -> Case:
    return open_case(team=team_a, worker=worker, family_name=CHILD)


# --- Content-Security-Policy -----------------------------------------------------------------


def test_pages_api_and_sign_in_carry_the_strict_policy(case: Case, cast: dict[str, User]) -> None:
    anonymous = client_for(None)
    login = anonymous.get(reverse("login"))
    assert login.status_code == 200
    assert_strict_policy(login)
    assert_strict_policy(anonymous.get("/api/v1/cases/"))  # refused, and still covered

    worker = client_for(cast["worker"])
    for url in (
        reverse("dashboard"),
        reverse("case_list"),
        reverse("case_detail", args=[case.pk]),
        "/api/v1/cases/",
        f"/api/v1/cases/{case.pk}/",
        "/api/schema/",
    ):
        response = worker.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response)
    # A page somebody may not see, and one that does not exist, are covered too.
    outsider = client_for(cast["outsider"])
    assert_strict_policy(outsider.get(reverse("case_detail", args=[case.pk])))
    assert_strict_policy(worker.get("/no-such-page/"))


class InlineFinder(HTMLParser):
    """Collect what a strict policy would block in served HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}"')
            if name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"{name}=")
            if value and value.strip().lower().startswith(("javascript:", "js:")):
                self.found.append(f'{name}="{value}"')


def inline_in(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


# What a strict policy blocks, as it can be spotted in a template's source.
INLINE_IN_SOURCE = {
    "<script> without src": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "<style>": re.compile(r"<style[\s>]", re.IGNORECASE),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"<[^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE),
    "javascript: address": re.compile(r"javascript:", re.IGNORECASE),
    "htmx eval (js: values, hx-vars)": re.compile(r"hx-vars|hx-vals\s*=\s*['\"]\s*js:", re.I),
}


TEMPLATE_COMMENTS = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


def inline_in_source(text: str) -> list[str]:
    markup = TEMPLATE_COMMENTS.sub("", text)  # a comment may well name what is not allowed
    return [what for what, pattern in INLINE_IN_SOURCE.items() if pattern.search(markup)]


def served_templates() -> list[Path]:
    found = []
    for file in sorted(TEMPLATES.rglob("*.html")):
        name = file.relative_to(TEMPLATES).as_posix()
        if name in PDF_TEMPLATES or name.startswith(PDF_FOLDERS):
            continue
        found.append(file)
    return found


def test_no_template_a_browser_is_served_has_inline_script_style_or_handlers() -> None:
    files = served_templates()
    names = {file.relative_to(TEMPLATES).as_posix() for file in files}
    # The export pages are served, unlike the PDFs beside them; the letter is the one that had
    # an onclick; the API docs page overrides drf-spectacular's, which has an inline <style>.
    assert {
        "base.html",
        "reports/export_form.html",
        "reports/export_status.html",
        "reports/panel.html",
        "referrals/case/letter.html",
        "drf_spectacular/swagger_ui.html",
    } <= names
    assert len(files) > 100
    offending = {
        name: found
        for file in files
        if (found := inline_in_source(file.read_text(encoding="utf-8")))
        for name in [file.relative_to(TEMPLATES).as_posix()]
    }
    assert offending == {}
    # The check does find what it looks for: the PDF templates, left out above, have some.
    assert inline_in_source((TEMPLATES / "reports/sections/safety_scale.html").read_text()) == [
        "style attribute"
    ]
    assert "<style>" in inline_in_source((TEMPLATES / "reports/family_plan.html").read_text())
    assert inline_in_source('<button onclick="go()">') == ["event handler attribute"]
    assert inline_in_source('<script>alert(1)</script><script src="/x.js"></script>') == [
        "<script> without src"
    ]


def test_served_pages_have_nothing_inline_for_the_policy_to_block(
    case: Case, cast: dict[str, User]
) -> None:
    worker = client_for(cast["worker"])
    pages = {
        "login": client_for(None).get(reverse("login")),
        "dashboard": worker.get(reverse("dashboard")),
        "case list": worker.get(reverse("case_list")),
        "case page": worker.get(reverse("case_detail", args=[case.pk])),
        "API docs": worker.get("/api/docs/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert inline_in(response.content.decode()) == [], name
    # htmx is told not to add a <style> of its own (which the policy would block) nor to eval.
    config = re.search(
        r"<meta name=\"htmx-config\" content='([^']+)'>", pages["dashboard"].content.decode()
    )
    assert config is not None
    htmx = json.loads(config.group(1))
    assert htmx["includeIndicatorStyles"] is False
    assert htmx["allowEval"] is False
    # Nor to keep copies of pages (children's names) in the tab's storage for "back".
    assert htmx["historyCacheSize"] == 0


def test_the_api_docs_work_under_the_policy(cast: dict[str, User]) -> None:
    worker = client_for(cast["worker"])
    page = worker.get("/api/docs/")
    assert page.status_code == 200
    assert_strict_policy(page)
    html = page.content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in src for src in scripts)
    setup = next(src for src in scripts if src.startswith("/api/docs/"))
    script = worker.get(setup.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert "/api/schema/" in script.content.decode()
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        assert client_for(None).get(href).status_code == 200, href
    assert client_for(None).get("/api/docs/").status_code in {401, 403}


# --- Cache-Control ---------------------------------------------------------------------------


def test_no_answer_of_the_app_may_be_stored_but_static_files_may(
    case: Case, cast: dict[str, User]
) -> None:
    worker = client_for(cast["worker"])
    answers = {
        "dashboard": worker.get(reverse("dashboard")),
        "case list": worker.get(reverse("case_list")),
        "search": worker.post(reverse("case_list"), {"q": "Synthetic"}),
        "search (htmx)": worker.post(reverse("case_list"), {"q": "x"}, HTTP_HX_REQUEST="true"),
        "case page": worker.get(reverse("case_detail", args=[case.pk])),
        "access log": worker.get(reverse("case_access_log", args=[case.pk])),
        "API list": worker.get("/api/v1/cases/"),
        "API case": worker.get(f"/api/v1/cases/{case.pk}/"),
        "API refusal": client_for(cast["outsider"]).get(f"/api/v1/cases/{case.pk}/"),
        "page refusal": client_for(cast["outsider"]).get(reverse("case_detail", args=[case.pk])),
        "sign-in page": client_for(None).get(reverse("login")),
        "sign-in redirect": client_for(None).get(reverse("case_detail", args=[case.pk])),
    }
    for name, response in answers.items():
        control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        assert "no-store" in control, (name, response.get("Cache-Control"))
        assert "private" in control, name
    statics = [
        "/static/css/upstream.css",
        "/static/js/shell.js",
        "/static/vendor/htmx/htmx.min.js",
    ]
    for url in statics:
        response = client_for(cast["worker"]).get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.get("Cache-Control", ""), url
        assert "Content-Security-Policy" not in response


def test_a_drawing_keeps_its_own_stricter_headers(
    case: Case, cast: dict[str, User], settings: Any, tmp_path: Path
) -> None:
    """The drawing's own no-store and sandbox policy are not replaced by the site-wide ones."""
    settings.MEDIA_ROOT = tmp_path / "media"
    voice = _voice_with_drawing(case, cast["worker"])
    for url in (
        reverse("child_voice_drawing", args=[case.pk, voice.pk]),
        f"/api/v1/cases/{case.pk}/child-voices/{voice.pk}/drawing/",
    ):
        response = client_for(cast["worker"]).get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == 'inline; filename="drawing.png"'
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:  # type: ignore[attr-defined]
            assert image.format == "PNG"
        # Another team's worker: the same 404 as for nothing.
        assert client_for(cast["outsider"]).get(url).status_code == 404


# --- Frames, referrer, HTTPS: production's settings -------------------------------------------


def test_production_settings_deny_frames_keep_referrers_and_insist_on_https(tmp_path):
    """The settings a deployment gets from the environment (no overrides), asked over HTTPS."""
    code = """
import json
from django.conf import settings
from django.test import Client
client = Client()
secure = client.get("/accounts/login/", secure=True, HTTP_HOST="upstream.example.org")
plain = client.get("/accounts/login/", HTTP_HOST="upstream.example.org")
print(json.dumps({
    "status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security"),
    "frames": secure.get("X-Frame-Options"),
    "referrer": secure.get("Referrer-Policy"),
    "nosniff": secure.get("X-Content-Type-Options"),
    "csp": secure.get("Content-Security-Policy"),
    "cache": secure.get("Cache-Control"),
    "csrf_cookie_secure": bool(secure.cookies["csrftoken"]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "plain": [plain.status_code, plain.get("Location")],
}))
"""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-0123456789",
        "ALLOWED_HOSTS": "upstream.example.org",
        "VAR_DIR": str(tmp_path),
        # The one difference: pages name static files without the build's collected manifest.
        "STATIC_COLLECTED": "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["frames"] == "DENY"
    assert seen["referrer"] == "same-origin"
    assert seen["nosniff"] == "nosniff"
    assert "frame-ancestors 'none'" in seen["csp"]
    assert "no-store" in seen["cache"]
    assert seen["csrf_cookie_secure"] is True
    assert seen["session_cookie_secure"] is True
    assert seen["session_cookie_httponly"] is True
    assert seen["plain"] == [301, "https://upstream.example.org/accounts/login/"]


# --- A name searched for ---------------------------------------------------------------------


def test_the_search_form_sends_the_name_in_the_body_never_the_address(
    named_case: Case, case: Case, cast: dict[str, User]
) -> None:
    client = client_for(cast["worker"])
    page = client.get(reverse("case_list")).content.decode()
    form = re.search(r"<form[^>]*id=\"case-search\"[^>]*>", page, re.DOTALL)
    assert form is not None
    assert 'method="post"' in form.group(0)
    assert "hx-post=" in form.group(0)
    assert "hx-get=" not in form.group(0)
    assert 'name="csrfmiddlewaretoken"' in page

    response = client.post(
        reverse("case_list"),
        {"q": CHILD, "risk_level": "medium"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/cases/",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert named_case.reference in body
    assert case.reference not in body
    assert "<html" not in body
    # The address bar follows the filters, never the name.
    assert response["HX-Push-Url"] == "/cases/?risk_level=medium"
    assert CHILD not in response.request["PATH_INFO"] + response.request.get("QUERY_STRING", "")

    # A name put in an address by hand is not searched for: nothing invites keeping it there.
    by_address = client.get(reverse("case_list"), {"q": CHILD}).content.decode()
    assert case.reference in by_address
    assert f'value="{CHILD}"' not in by_address


def test_search_results_page_on_without_the_name_in_any_address(
    team_a: Team, cast: dict[str, User]
) -> None:
    for index in range(27):
        open_case(team=team_a, worker=cast["worker"], family_name=f"{CHILD} {index:02d}")
    open_case(team=team_a, worker=cast["worker"], family_name="Someone Else")
    client = client_for(cast["worker"])
    first = client.post(reverse("case_list"), {"q": CHILD}).content.decode()
    assert "Page 1 of 2" in first
    assert 'form="case-search" name="page" value="2"' in first
    assert f"q={CHILD}" not in first
    second = client.post(reverse("case_list"), {"q": CHILD, "page": "2"}, HTTP_HX_REQUEST="true")
    text = second.content.decode()
    assert "Page 2 of 2" in text
    assert "Someone Else" not in text
    # Page 2 of a name search is not an address: reloading it must not drop the name silently.
    assert second["HX-Push-Url"] == "/cases/"


def test_a_name_searched_for_is_in_no_log_record(
    named_case: Case, cast: dict[str, User], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = client_for(cast["worker"])
    client.post(reverse("case_list"), {"q": CHILD})
    client.post(reverse("case_list"), {"q": CHILD}, HTTP_HX_REQUEST="true")
    client.get("/api/v1/cases/", {"q": CHILD})
    # Refusals are logged by django.request: with their path only.
    client_for(cast["outsider"]).get(reverse("case_detail", args=[named_case.pk]), {"q": CHILD})
    client_for(cast["outsider"]).get(f"/api/v1/cases/{named_case.pk}/", {"q": CHILD})
    client.get("/no-such-page/", {"q": CHILD})
    warnings = [r for r in caplog.records if r.name == "django.request"]
    assert {r.getMessage() for r in warnings} >= {
        f"Not Found: /cases/{named_case.pk}/",
        f"Not Found: /api/v1/cases/{named_case.pk}/",
        "Not Found: /no-such-page/",
    }
    for record in caplog.records:
        assert CHILD not in record.getMessage(), record.name


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _ask(url: str) -> int:
    """The status of a GET, a redirect not followed."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_gunicorn_access_log_leaves_out_query_strings(tmp_path: Path) -> None:
    """The production web server, run as docker-compose runs it, logs paths alone."""
    log = tmp_path / "access.log"
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "VAR_DIR": str(tmp_path),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                _ask(f"{base}/static/css/upstream.css")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert _ask(f"{base}/api/v1/cases/?q={CHILD}&scope=team") in {401, 403}
        assert _ask(f"{base}/cases/?q={CHILD}") == 302
        deadline = time.monotonic() + 10
        while log.read_text().count("\n") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=20)
    lines = log.read_text().splitlines()
    assert len(lines) == 3, lines
    assert '"GET /api/v1/cases/ HTTP/1.1"' in lines[1]
    assert '"GET /cases/ HTTP/1.1" 302' in lines[2]
    assert CHILD not in log.read_text()
    assert "q=" not in log.read_text()


@pytest.fixture
def development_server() -> Iterator[str]:
    """Django's own development server (`make run`), in a thread, logging as it does there."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_development_server_log_leaves_out_query_strings(development_server: str) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("django.server")
    logger.addHandler(handler)
    try:
        assert _ask(f"{development_server}/api/v1/cases/?q={CHILD}") in {401, 403}
        assert _ask(f"{development_server}/cases/?q={CHILD}&phase=review") == 302
        # The server writes its line once the answer is sent: wait for both lines.
        deadline = time.monotonic() + 10
        while stream.getvalue().count("\n") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert '"GET /api/v1/cases/ HTTP/1.1"' in written
    assert '"GET /cases/ HTTP/1.1" 302' in written
    assert CHILD not in written


# --- Crash reports ---------------------------------------------------------------------------


def crash(request: HttpRequest) -> HttpResponse:
    child_name = request.POST.get("given_name_latin", "")  # a local a report would show
    raise RuntimeError(f"the crash, {len(child_name)} letters in")


urlpatterns = [path("crash/", crash)]


@pytest.mark.urls(__name__)
def test_a_crash_report_keeps_no_name_posted_asked_or_uploaded(
    cast: dict[str, User], caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.ADMINS = [("On call", "oncall@upstream.invalid")]
    client = client_for(cast["worker"])
    client.raise_request_exception = False
    caplog.set_level(logging.ERROR, logger="django.request")
    photo = SimpleUploadedFile(f"{CHILD} drawing.png", b"not relevant", "image/png")
    response = client.post(
        f"/crash/?q={CHILD}",
        {"given_name_latin": CHILD, "drawing": photo},
        HTTP_REFERER=f"http://testserver/cases/?q={CHILD}",
    )
    assert response.status_code == 500
    records = [r for r in caplog.records if r.name == "django.request"]
    assert {r.getMessage() for r in records} == {"Internal Server Error: /crash/"}
    # Django's own logging e-mails ADMINS the report; a handler may ask for its HTML form too.
    (sent,) = mail.outbox
    assert sent.subject.endswith("Internal Server Error: /crash/")
    AdminEmailHandler(include_html=True).emit(records[0])
    with_html = mail.outbox[1]
    assert isinstance(with_html, EmailMultiAlternatives)
    session_key = client.session.session_key
    assert session_key
    for report in (str(sent.body), str(with_html.alternatives[0][0])):
        assert "RuntimeError" in report
        assert "/crash/" in report
        assert "given_name_latin" in report  # which fields came, not what was in them
        assert "child_name" in report
        assert CHILD not in report
        assert session_key not in report


# --- Uploads ---------------------------------------------------------------------------------


def _png(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 150), (30, 120, 200)).save(out, format="JPEG", quality=90)
    return out.getvalue()


def _voice_with_drawing(case: Case, worker: User) -> ChildVoice:
    from assessments.services import child_voice_record

    return child_voice_record(
        actor=worker,
        case=case,
        child_id=case.children.get().pk,
        data={"recorded_on": timezone.localdate(), "worries": "When father shouts"},
        drawing=SimpleUploadedFile("drawing.png", _png(), "image/png"),
    )


FORGERIES = {
    "html named .jpg": (
        "drawing.jpg",
        b"<html><body><script>alert(document.cookie)</script></body></html>",
        "image/jpeg",
        "Upload a photo: a JPEG, PNG or WebP picture.",
    ),
    "pdf named .png": (
        "drawing.png",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        "image/png",
        "Upload a photo: a JPEG, PNG or WebP picture.",
    ),
    "truncated jpeg": (
        "drawing.jpg",
        _jpeg()[:300],
        "image/jpeg",
        "Upload a photo: a JPEG, PNG or WebP picture.",
    ),
    "over the size limit": (
        "drawing.png",
        _png() + b"\0" * 4096,
        "image/png",
        "The photo is too large",
    ),
}


@pytest.mark.parametrize("forgery", FORGERIES, ids=list(FORGERIES))
@pytest.mark.parametrize("door", ["page", "api"])
def test_a_forged_upload_is_refused_with_a_clear_message_and_nothing_is_kept(
    case: Case, cast: dict[str, User], settings: Any, tmp_path: Path, forgery: str, door: str
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DRAWING_MAX_BYTES = 4096
    name, data, content_type, message = FORGERIES[forgery]
    upload = SimpleUploadedFile(name, data, content_type)
    child = case.children.get()
    client = client_for(cast["worker"])
    if door == "page":
        today = timezone.localdate()
        response = client.post(
            reverse("child_voice_new", args=[case.pk]),
            {
                "child": child.pk,
                "recorded_on_0": today.day,
                "recorded_on_1": today.month,
                "recorded_on_2": today.year,
                "worries": "When father shouts",
                "drawing": upload,
            },
        )
        assert response.status_code == 200
        shown = response.content.decode()
    else:
        response = client.post(
            f"/api/v1/cases/{case.pk}/child-voices/",
            {"child": child.pk, "worries": "When father shouts", "drawing": upload},
        )
        assert response.status_code == 400
        assert list(response.json()) == ["drawing"]
        shown = " ".join(response.json()["drawing"])
    assert message in shown
    assert not ChildVoice.objects.filter(case=case).exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
    assert Person.objects.filter(pk=child.pk).exists()
