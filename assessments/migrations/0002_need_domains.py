"""The need domains every assessment starts from. Administrators can add more and rename these."""

from __future__ import annotations

from django.db import migrations

DOMAINS = [
    ("safety", "Safety", "សុវត្ថិភាព", 10),
    ("health", "Health", "សុខភាព", 20),
    ("nutrition", "Nutrition", "អាហារូបត្ថម្ភ", 30),
    ("education", "Education", "ការអប់រំ", 40),
    ("housing", "Housing", "លំនៅដ្ឋាន", 50),
    ("income", "Income and livelihood", "ប្រាក់ចំណូល និងជីវភាព", 60),
    ("family_relationships", "Family relationships", "ទំនាក់ទំនងក្នុងគ្រួសារ", 70),
    ("emotional_wellbeing", "Emotional wellbeing", "សុខុមាលភាពផ្លូវចិត្ត", 80),
    ("community", "Community and support network", "សហគមន៍ និងបណ្តាញគាំទ្រ", 90),
]


def add_domains(apps, schema_editor):
    NeedDomain = apps.get_model("assessments", "NeedDomain")
    for code, name, name_km, order in DOMAINS:
        NeedDomain.objects.get_or_create(
            code=code, defaults={"name": name, "name_km": name_km, "order": order}
        )


def remove_domains(apps, schema_editor):
    NeedDomain = apps.get_model("assessments", "NeedDomain")
    NeedDomain.objects.filter(code__in=[code for code, *_ in DOMAINS]).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(add_domains, remove_domains)]
