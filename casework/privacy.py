"""What crash reports and log lines may say about a request: its path, never what was typed.

A search for a child, a form about a family and a photo's file name all carry personal data.
Django's own error report shows the query string, GET and POST values, file names, cookies and
every local variable of the failing code; these classes replace all of them with stars, in the
e-mail to ADMINS and in any other report Django writes (settings: DEFAULT_EXCEPTION_REPORTER,
DEFAULT_EXCEPTION_REPORTER_FILTER). The log filter cuts query strings from access-log lines.
"""

from __future__ import annotations

import logging
import re
from collections.abc import ItemsView
from types import FrameType
from typing import Any

from django.http import HttpRequest
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# request.META entries that repeat the address with its query string, or another page's.
_ADDRESS_META = re.compile(r"QUERY|URI|URL|REFERER", flags=re.IGNORECASE)


class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide every parameter and variable, not only those marked sensitive.

    Active when DEBUG is off, like Django's (a developer's machine holds synthetic data).
    """

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        if not self.is_active(request):
            return super().get_post_parameters(request)
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        if not self.is_active(request):
            return meta
        return {
            name: self.cleansed_substitute if _ADDRESS_META.search(name) else value
            for name, value in meta.items()
        }

    def get_safe_cookies(self, request: HttpRequest) -> dict[str, Any]:
        if not self.is_active(request) or not hasattr(request, "COOKIES"):
            return super().get_safe_cookies(request)
        return dict.fromkeys(request.COOKIES, self.cleansed_substitute)

    def get_traceback_frame_variables(
        self, request: HttpRequest | None, tb_frame: FrameType
    ) -> ItemsView[str, Any]:
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        # A frame's variables hold the request (its repr has the query string), forms, cases,
        # children: the names of the variables and the code lines are what a report keeps.
        return dict.fromkeys(tb_frame.f_locals, self.cleansed_substitute).items()


class PrivateExceptionReporter(ExceptionReporter):
    """The report's own view of the request: its path, not its query, parameters or files."""

    filter: SafeExceptionReporterFilter

    def get_traceback_data(self) -> dict[str, Any]:
        data: dict[str, Any] = super().get_traceback_data()
        request = self.request
        if request is None or not self.filter.is_active(request):
            return data
        stars = self.filter.cleansed_substitute
        data["request_GET_items"] = [(name, stars) for name in request.GET]
        data["request_FILES_items"] = [(name, stars) for name in request.FILES]
        data["request_insecure_uri"] = "{scheme}://{host}{path}".format(
            scheme=request.scheme, host=request.META.get("HTTP_HOST", ""), path=request.path
        )
        return data


class PathOnlyFilter(logging.Filter):
    """Cut the query string from access-log lines ("GET /cases/?q=… HTTP/1.1" → "GET /cases/ …").

    For Django's development server (logger django.server), whose first argument is the request
    line; any other record passes unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str):
            record.args = (_REQUEST_LINE_QUERY.sub(r"\1", args[0]), *args[1:])
        return True


# "METHOD /path?query HTTP/1.1": the query is everything from "?" to the next space.
_REQUEST_LINE_QUERY = re.compile(r"^([A-Z]+ [^?\s]*)\?\S*")
