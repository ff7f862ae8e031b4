"""Turning our own HTML into PDF with WeasyPrint, safely.

Every PDF Upstream writes (the case file, review minutes, the family's plan) goes through
`render_pdf`. Two rules keep a case file from leaking or from being made to leak:

- **Nothing is fetched from outside.** WeasyPrint follows every URL in the HTML and CSS it is
  given. Ours only ever points at the project's own static files (the PDF stylesheet), so the
  fetcher answers those from disk and refuses everything else: no `file://` elsewhere on the
  machine, no network (a name typed into a record cannot make the worker call out), no `data:`.
- **Text is escaped.** Templates are ordinary Django templates with autoescaping; nothing a
  user typed is marked safe.

Fonts come from fontconfig (Debian's fonts-khmeros and fonts-dejavu-core, also in the Docker
image), not from URLs, and WeasyPrint embeds the glyphs it uses, so a Khmer name prints on a
machine that has no Khmer font.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation

if TYPE_CHECKING:  # WeasyPrint needs system libraries; import it only when rendering.
    from weasyprint.urls import URLFetcherResponse

# Relative URLs in our PDF templates resolve against this made-up origin; the fetcher serves
# STATIC_URL paths under it from disk and nothing else. ".invalid" can never resolve (RFC 2606).
BASE_URL = "https://upstream-pdf.invalid/"
WHAT_TO_INSTALL = (
    "WeasyPrint needs Pango and HarfBuzz: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
    "libharfbuzz-subset0 fonts-dejavu-core fonts-khmeros"
)


class PdfUnavailable(RuntimeError):
    """WeasyPrint's system libraries are missing on this machine (the message says which)."""


class RefusedURL(ValueError):
    """A URL the PDF renderer may not fetch."""


def static_roots() -> list[Path]:
    """The only folders the renderer may read: the project's static files."""
    roots = [Path(str(folder)).resolve() for folder in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(str(settings.STATIC_ROOT)).resolve())
    return roots


def resolve_static(url: str) -> Path:
    """The file on disk behind one of our static URLs, or RefusedURL."""
    parts = urlsplit(url)
    origin = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
        raise RefusedURL(f"not one of the project's static files: {url[:200]}")
    path = unquote(parts.path)
    prefix = urlsplit(settings.STATIC_URL).path
    if not path.startswith(prefix):
        raise RefusedURL(f"not one of the project's static files: {url[:200]}")
    relative = path[len(prefix) :]
    segments = relative.split("/")
    # No way up or out, however spelled ("..", "%2e%2e", "//etc", a backslash): the check on the
    # resolved path below would catch it too, but such a URL is refused before any lookup.
    if (
        not relative
        or "\x00" in relative
        or "\\" in relative
        or any(segment in {"", ".", ".."} for segment in segments)
    ):
        raise RefusedURL(f"not one of the project's static files: {url[:200]}")
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation as error:  # a finder's own check against escaping its root
        raise RefusedURL(f"not one of the project's static files: {url[:200]}") from error
    candidates = [Path(found)] if isinstance(found, str) else []
    if settings.STATIC_ROOT:
        candidates.append(Path(str(settings.STATIC_ROOT)) / relative)
    roots = static_roots()
    for candidate in candidates:
        real = candidate.resolve()
        # resolve() follows "..", and symbolic links: the real file must sit under a root.
        if real.is_file() and any(real.is_relative_to(root) for root in roots):
            return real
    raise RefusedURL(f"not one of the project's static files: {url[:200]}")


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Answers our static files from disk; refuses every other URL without opening it.

        Only `fetch` is ours; the network machinery WeasyPrint's fetcher inherits is switched
        off as well (no protocol allowed, no redirects), should anything ever reach it.
        """

        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1)

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = resolve_static(url)
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, path.read_bytes(), headers={"Content-Type": mime_type}, status=200
            )

    return StaticOnlyFetcher


def url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that only reads the project's static files."""
    return _fetcher_class()()


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int


def render_pdf(html: str) -> RenderedPdf:
    """Lay out `html` (one of our templates, already rendered) and write it as a PDF."""
    try:
        from weasyprint import HTML
    except OSError as error:  # the shared libraries could not be loaded
        raise PdfUnavailable(WHAT_TO_INSTALL) from error
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).render()
    content = document.write_pdf()  # with no target: the bytes
    if content is None:  # pragma: no cover - WeasyPrint always returns them
        raise RuntimeError("WeasyPrint returned no PDF")
    return RenderedPdf(content=content, pages=len(document.pages))


def pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except OSError:
        return False
    return True
