"""The kinds of help every directory starts from. Administrators can add more and rename these."""

from django.db import migrations

from referrals.kinds import DEFAULT_HELP_KINDS, ensure_default_help_kinds


def add_kinds(apps, schema_editor):
    ensure_default_help_kinds(apps.get_model("referrals", "HelpKind"))


def remove_kinds(apps, schema_editor):
    HelpKind = apps.get_model("referrals", "HelpKind")
    HelpKind.objects.filter(code__in=[code for code, *_ in DEFAULT_HELP_KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunPython(add_kinds, remove_kinds)]
