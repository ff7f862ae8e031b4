"""Pagination of the API's case list: counts stop at a cap (issue 10).

DRF's PageNumberPagination counts every row the list could show: for an administrator of an
organisation of a million cases that count took about 0.9 s on every call. The case list counts
at most `cap` rows, as the case list page does (casework.view_helpers.CappedPaginator): beyond
it, `count` is the cap, `count_capped` is true, and the pages stop there; the filters narrow
the list.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from ..view_helpers import CappedPaginator


class CasesCounted(CappedPaginator):
    def __init__(self, object_list: QuerySet[Any], per_page: int, *args: Any, **kwargs: Any):
        super().__init__(object_list, per_page, CappedCasePagination.cap)


class CappedCasePagination(PageNumberPagination):
    cap = 1000
    django_paginator_class = CasesCounted

    def get_paginated_response(self, data: Any) -> Response:
        paginator = self.page.paginator if self.page is not None else None
        return Response(
            {
                "count": paginator.count if paginator is not None else len(data),
                "count_capped": bool(getattr(paginator, "capped", False)),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        response["required"] = [*response.get("required", []), "count_capped"]
        response["properties"] = {
            "count": {
                **response["properties"]["count"],
                "description": "How many cases match, counted up to the cap.",
            },
            "count_capped": {
                "type": "boolean",
                "description": (
                    "More cases match than were counted: narrow the list with the filters. "
                    "Pages stop at the cap."
                ),
            },
            **{k: v for k, v in response["properties"].items() if k != "count"},
        }
        return response
