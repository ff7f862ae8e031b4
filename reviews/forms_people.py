"""Forms of the people-level review pages (the review policy)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import ReviewPolicy

INTERVAL_FIELDS = ("high_intervals", "medium_intervals", "low_intervals")
MAX_INTERVALS = 30


def intervals_text(days: list[int]) -> str:
    return ", ".join(str(day) for day in days)


def parse_intervals(text: str) -> list[int]:
    """'7, 14, 14, 30' → [7, 14, 14, 30], or a message saying what to write."""
    parts = [part.strip() for part in re.split(r"[,\s]+", text.strip()) if part.strip()]
    if not parts:
        raise ValidationError(_("Give at least one number of days."), code="required")
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise ValidationError(
            _("Write whole numbers of days separated by commas, for example: 7, 14, 30."),
            code="invalid",
        )
    if len(parts) > MAX_INTERVALS:
        raise ValidationError(
            _("Give at most %(count)s numbers: the last one repeats.") % {"count": MAX_INTERVALS},
            code="too_many",
        )
    days = [int(part) for part in parts]
    if not all(1 <= day <= 365 for day in days):
        raise ValidationError(_("Each number of days must be from 1 to 365."), code="range")
    return days


class PolicyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    high_intervals = forms.CharField(
        label=_("High risk: days between reviews"),
        max_length=300,
        help_text=_("Separate the numbers with commas. After the last, it repeats."),
    )
    medium_intervals = forms.CharField(label=_("Medium risk: days between reviews"), max_length=300)
    low_intervals = forms.CharField(label=_("Low risk: days between reviews"), max_length=300)
    cap_days = forms.IntegerField(
        label=_("Longest time between reviews (days)"), min_value=7, max_value=365
    )
    closure_threshold = forms.IntegerField(
        label=_("Safety scale needed to close a case"),
        min_value=0,
        max_value=10,
        help_text=_("The worker's latest score must reach this, or a supervisor overrides."),
    )

    @classmethod
    def for_policy(cls, policy: ReviewPolicy, data: Any = None) -> PolicyForm:
        initial = {
            "version": policy.version,
            "high_intervals": intervals_text(policy.high_intervals),
            "medium_intervals": intervals_text(policy.medium_intervals),
            "low_intervals": intervals_text(policy.low_intervals),
            "cap_days": policy.cap_days,
            "closure_threshold": policy.closure_threshold,
        }
        return cls(data, initial=initial)

    def clean_high_intervals(self) -> list[int]:
        return parse_intervals(self.cleaned_data["high_intervals"])

    def clean_medium_intervals(self) -> list[int]:
        return parse_intervals(self.cleaned_data["medium_intervals"])

    def clean_low_intervals(self) -> list[int]:
        return parse_intervals(self.cleaned_data["low_intervals"])

    def policy_data(self) -> dict[str, Any]:
        """What the service changes (every policy field; it records only the differences)."""
        return {
            name: self.cleaned_data[name]
            for name in (*INTERVAL_FIELDS, "cap_days", "closure_threshold")
        }
