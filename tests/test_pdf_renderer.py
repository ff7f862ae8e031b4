"""The PDF renderer reads only the project's own static files, and prints text as text.

Issue 8, "Safe rendering": WeasyPrint's URL fetcher allows only the project's static files and
fonts (no `file://` elsewhere, no network), and template text is escaped. These tests use the
real WeasyPrint and a real HTTP server on this machine; nothing is mocked.
"""

from __future__ import annotations

import http.server
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from casework.pdf import BASE_URL, RefusedURL, render_pdf, resolve_static, url_fetcher
from casework.tests.factories import open_case
from tests.pdf_reading import case_file_pdf, read_pdf

PDF_CSS = Path(settings.BASE_DIR) / "static" / "reports" / "pdf.css"
STATIC = BASE_URL + settings.STATIC_URL.lstrip("/")


@dataclass
class LocalServer:
    """A real HTTP server on 127.0.0.1 that serves a stylesheet and notes every request."""

    url: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = b'body::before { content: "FETCHED-FROM-THE-NETWORK"; }'
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield LocalServer(url=f"http://{host!s}:{port}", requests=seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _fetch(url: str) -> bytes:
    response = url_fetcher()(url)
    try:
        return bytes(response.read())
    finally:
        response.close()


# --- The fetcher ----------------------------------------------------------------------------


def test_it_serves_the_pdf_stylesheet_from_static():
    assert _fetch(STATIC + "reports/pdf.css") == PDF_CSS.read_bytes()
    assert resolve_static(STATIC + "reports/pdf.css") == PDF_CSS.resolve()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        STATIC + "../../etc/passwd",
        STATIC + "%2e%2e/%2e%2e/etc/passwd",
        STATIC + "reports/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        STATIC + "reports/..%2f..%2f..%2f..%2fetc/passwd",
        STATIC + "/etc/passwd",
        STATIC + "%2fetc/passwd",
        STATIC + "reports/pdf.css%00.png",
        STATIC,
        BASE_URL + "etc/passwd",
        BASE_URL + "config/settings.py",
        "https://upstream-pdf.invalid.example.org/static/reports/pdf.css",
        "data:text/css,body%7Bcolor:red%7D",
        "data:text/plain;base64,U0VDUkVU",
        "ftp://127.0.0.1/etc/passwd",
        "//etc/passwd",
        "/etc/passwd",
    ],
)
def test_it_refuses_everything_that_is_not_our_static_files(url):
    with pytest.raises(RefusedURL):
        _fetch(url)


def test_it_never_calls_out_over_the_network(local_server):
    for path in ("/style.css", "/static/reports/pdf.css"):
        with pytest.raises(RefusedURL):
            _fetch(local_server.url + path)
    assert local_server.requests == []
    # The server itself answers: what did not reach it was refused, not lost.
    with urllib.request.urlopen(local_server.url + "/probe") as response:  # noqa: S310
        assert b"FETCHED-FROM-THE-NETWORK" in response.read()
    assert local_server.requests == ["/probe"]


# --- Rendering -----------------------------------------------------------------------------


def _page(head: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head>'
        f"<body>{body}</body></html>"
    )


def test_a_page_pointing_at_local_files_and_the_network_renders_without_them(
    tmp_path, local_server, caplog
):
    secret = tmp_path / "secret.css"
    secret.write_text('body::after { content: "READ-FROM-THE-DISK"; }')
    hostname = Path("/etc/hostname").read_text().strip()
    html = _page(
        head=(
            f'<link rel="stylesheet" href="{secret.as_uri()}">'
            f'<link rel="stylesheet" href="{local_server.url}/remote.css">'
            f'<style>@import url("{local_server.url}/imported.css");</style>'
            f'<link rel="stylesheet" href="{settings.STATIC_URL}reports/pdf.css">'
        ),
        body=(
            '<img src="file:///etc/hostname" alt="">'
            f'<img src="{local_server.url}/pixel.png" alt="">'
            '<object data="file:///etc/hostname" type="text/plain"></object>'
            '<div class="pagefoot">Page <span class="page-number"></span> of '
            '<span class="page-count"></span></div>'
            "<p>Synthetic body text</p>"
        ),
    )
    with caplog.at_level("WARNING", logger="weasyprint"):
        rendered = render_pdf(html)
    pdf = read_pdf(rendered.content)

    assert rendered.pages == 1
    assert "Synthetic body text" in pdf.text
    # Our own stylesheet was read (it numbers the pages); nothing else was.
    assert "Page 1 of 1" in pdf.text
    assert "READ-FROM-THE-DISK" not in pdf.text
    assert "FETCHED-FROM-THE-NETWORK" not in pdf.text
    assert hostname not in pdf.text.split()
    assert local_server.requests == []
    assert "RefusedURL" in caplog.text


def test_the_same_page_with_weasyprints_own_fetcher_would_leak(tmp_path):
    """The control: without our fetcher the disk file is read, so the test above can fail."""
    from weasyprint import HTML

    secret = tmp_path / "secret.css"
    secret.write_text('body::after { content: "READ-FROM-THE-DISK"; }')
    html = _page(f'<link rel="stylesheet" href="{secret.as_uri()}">', "<p>Synthetic</p>")
    content = HTML(string=html, base_url=BASE_URL).write_pdf()
    assert "READ-FROM-THE-DISK" in read_pdf(content).text


def test_what_people_typed_prints_as_text_not_markup(team_a, worker, supervisor):
    name = "</style><img src=x onerror=1> Synthetic"
    case = open_case(team=team_a, worker=worker, family_name=name)

    pdf = case_file_pdf(case, supervisor, ["people"])

    squeezed = pdf.squeezed()
    # On the cover (the family) and in the people section (the mother's family name).
    assert squeezed.count("</style><imgsrc=xonerror=1>Synthetic") >= 2
    assert "</style><imgsrc=xonerror=1>SyntheticMother" in squeezed
