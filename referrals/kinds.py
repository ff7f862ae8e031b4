"""The kinds of help an installation starts with (a migration and the demo both use them).

Administrators add more and rename these; the codes are what the rest of the app (the default
sets of shared information in `referrals.sharing`) relies on, so they never change.
"""

from __future__ import annotations

from typing import Any

# (code, name in English, name in Khmer, order)
DEFAULT_HELP_KINDS: list[tuple[str, str, str, int]] = [
    ("food", "Food", "អាហារ", 10),
    ("education", "Education", "ការអប់រំ", 20),
    ("health", "Health", "សុខភាព", 30),
    ("legal", "Legal aid", "ជំនួយផ្លូវច្បាប់", 40),
    ("psychosocial", "Psychosocial support", "ការគាំទ្រផ្លូវចិត្តសង្គម", 50),
    ("livelihood", "Livelihood", "ជីវភាព", 60),
    ("shelter", "Shelter", "ទីជម្រក", 70),
    ("alternative_care", "Foster care and alternative care", "ការថែទាំជំនួស", 80),
]


def ensure_default_help_kinds(model: Any) -> None:
    """Create the default kinds that are missing (never renames an administrator's edit).

    `model` is `referrals.models.HelpKind`, or the historical model inside a migration.
    """
    for code, name, name_km, order in DEFAULT_HELP_KINDS:
        model.objects.get_or_create(
            code=code, defaults={"name": name, "name_km": name_km, "order": order}
        )
