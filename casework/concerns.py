"""The concern categories an installation starts with (a migration and the demo both use them)."""

from __future__ import annotations

from typing import Any

DEFAULT_CONCERNS: list[tuple[str, str, str, int]] = [
    ("neglect", "Neglect", "ការធ្វេសប្រហែស", 10),
    ("physical_abuse", "Physical abuse", "ការរំលោភបំពានលើរាងកាយ", 20),
    ("sexual_abuse", "Sexual abuse", "ការរំលោភបំពានផ្លូវភេទ", 30),
    ("emotional_abuse", "Emotional abuse", "ការរំលោភបំពានផ្លូវចិត្ត", 40),
    ("domestic_violence", "Domestic violence", "អំពើហិង្សាក្នុងគ្រួសារ", 50),
    ("exploitation", "Exploitation", "ការកេងប្រវ័ញ្ច", 60),
    ("child_labour", "Child labour", "ពលកម្មកុមារ", 70),
    ("trafficking", "Trafficking", "ការជួញដូរមនុស្ស", 80),
    ("school_dropout", "School dropout", "ការបោះបង់ការសិក្សា", 90),
    ("family_separation", "Family separation risk", "ហានិភ័យនៃការបែកគ្នាពីគ្រួសារ", 100),
    ("economic_hardship", "Economic hardship", "ការលំបាកផ្នែកសេដ្ឋកិច្ច", 110),
]


def ensure_default_concerns(model: Any) -> None:
    """Create the default categories that are missing (never renames an administrator's edit)."""
    for code, name, name_km, order in DEFAULT_CONCERNS:
        model.objects.get_or_create(
            code=code, defaults={"name": name, "name_km": name_km, "order": order}
        )
