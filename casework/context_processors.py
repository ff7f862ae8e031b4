from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import teams_of


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base layout shows on every page: the user's teams and the language choices."""
    user = request.user
    return {
        "shell_teams": SimpleLazyObject(lambda: list(teams_of(user)))
        if user.is_authenticated
        else [],
        # Each language is offered in its own script, so anyone can find theirs.
        "shell_languages": [("en", "English"), ("km", "ខ្មែរ")],
        "shell_language_codes": [code for code, _name in settings.LANGUAGES],
    }
