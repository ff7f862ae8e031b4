"""Forms of the emergency access pages. They only collect the words: the services validate.

The fields are optional here on purpose: the rules (a reason long enough, a case of the
organisation) live in `security.emergency`, whose messages say how to put things right, and a
form-level "This field is required." would only say it less helpfully.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .emergency import REASON_MIN_LENGTH

TEXT_LIMIT = 4000


class EmergencyRequestForm(forms.Form):
    reference = forms.CharField(
        label=_("Case reference"),
        help_text=_("As it is written on the case, for example UP-2026-000123."),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        label=_("Why do you need this case now?"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Translated per request (a lazy string formatted at import would be fixed in English).
        self.fields["reason"].help_text = gettext(
            "Say what has happened and why it cannot wait for the case's worker or supervisor, "
            "in at least %(count)d characters. The case's worker and supervisors will read it."
        ) % {"count": REASON_MIN_LENGTH}


class EmergencyEndForm(forms.Form):
    revoke_reason = forms.CharField(
        label=_("Why are you ending it?"),
        help_text=_("Not needed if it is your own emergency access."),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EmergencyReviewForm(forms.Form):
    review_note = forms.CharField(
        label=_("What did you find?"),
        help_text=_(
            "Whether the reason was good and the pages opened matched it; what you will follow up."
        ),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
