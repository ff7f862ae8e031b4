"""The newest-first page links shared by the access log and the emergency-access list."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils import translation


def test_the_links_keep_the_lists_other_parameters_and_name_the_pages() -> None:
    page = Paginator(range(60), 25).page(2)
    with translation.override("en"):
        html = render_to_string("includes/pagination.html", {"page": page, "query": "show=open&"})
    assert 'href="?show=open&amp;page=1" rel="prev">Newer</a>' in html
    assert 'href="?show=open&amp;page=3" rel="next">Older</a>' in html
    assert "Page 2 of 3" in html


def test_one_page_has_no_links() -> None:
    html = render_to_string("includes/pagination.html", {"page": Paginator(range(5), 25).page(1)})
    assert "<nav" not in html
