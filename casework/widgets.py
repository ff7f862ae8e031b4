"""Form inputs that work on a cheap phone: dates as day / month / year boxes (GOV.UK pattern).

A date picker differs on every phone and is slow to use for a birth date twelve years back;
three numeric boxes open the number keypad and read the same in English and in Khmer.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DayMonthYearWidget(forms.MultiWidget):
    template_name = "includes/widgets/day_month_year.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        def box(size: str, maxlength: str) -> forms.TextInput:
            return forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "pattern": "[0-9]*",
                    "maxlength": maxlength,
                    "class": f"date-{size}",
                    "autocomplete": "off",
                }
            )

        super().__init__([box("day", "2"), box("month", "2"), box("year", "4")], attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        labels = [_("Day"), _("Month"), _("Year")]
        for subwidget, label in zip(context["widget"]["subwidgets"], labels, strict=True):
            subwidget["label"] = label
        return context


class DayMonthYearField(forms.MultiValueField):
    widget = DayMonthYearWidget
    default_error_messages = {
        "invalid": _("Enter a real date, for example 27 3 2019."),
        "incomplete": _("Enter the day, the month and the year."),
    }

    def __init__(self, **kwargs: Any) -> None:
        def number(low: int, high: int) -> forms.IntegerField:
            return forms.IntegerField(
                min_value=low,
                max_value=high,
                error_messages={
                    "invalid": _("Enter a real date, for example 27 3 2019."),
                    "min_value": _("Enter a real date, for example 27 3 2019."),
                    "max_value": _("Enter a real date, for example 27 3 2019."),
                },
            )

        fields = (number(1, 31), number(1, 12), number(1900, 2100))
        super().__init__(fields=fields, require_all_fields=True, **kwargs)

    def compress(self, data_list: list[Any]) -> datetime.date | None:
        if not data_list or all(part in (None, "") for part in data_list):
            return None
        day, month, year = data_list
        try:
            return datetime.date(year, month, day)
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
