"""Everything a user reads has a Khmer translation, and the compiled catalogue is current."""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "km" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def test_every_khmer_entry_is_translated_and_not_fuzzy():
    po = catalogue()
    assert len(po) > 50
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


def test_translations_keep_their_placeholders():
    for entry in catalogue():
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(
            PLACEHOLDER.findall(entry.msgid)
        ), entry.msgid


def test_the_compiled_catalogue_matches_the_source():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in catalogue():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path, settings, monkeypatch):
    # Extract afresh from a copy of the sources (makemessages always writes into a `locale`
    # folder it finds, so the copy leaves that out) and compare with what is committed.
    sources = tmp_path / "src"
    shutil.copytree(
        ROOT,
        sources,
        ignore=shutil.ignore_patterns(
            ".venv", "var", "locale", ".git", "static", "tests", "conftest.py", "__pycache__"
        ),
    )
    settings.LOCALE_PATHS = [tmp_path / "out"]
    monkeypatch.chdir(sources)
    call_command("makemessages", locale=["km"], verbosity=0)
    fresh = polib.pofile(str(tmp_path / "out" / "km" / "LC_MESSAGES" / "django.po"))
    committed = {entry.msgid for entry in catalogue() if entry.translated()}
    missing = sorted(entry.msgid for entry in fresh if entry.msgid not in committed)
    assert missing == [], "run `make messages` and translate: " + ", ".join(missing)
