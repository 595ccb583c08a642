"""The translation catalogs: complete, up to date with the source, and in use.

The zh-Hans catalog must translate every message; the en catalog may leave msgstr empty because
English is the source language. Regenerate both with ``make messages``.
"""

import ast
import re
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

import kehu
from kehu.customers.models import Customer
from kehu.masterdata.services import customer_class_create

PACKAGE = Path(kehu.__file__).resolve().parent
ZH_PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as ``{"msgid", "msgid_plural", "msgstr": [...], "flags"}``.

    Enough of the format for our catalogs: comments, flags, msgctxt, (multi-line) msgid,
    msgid_plural, msgstr and msgstr[n]; obsolete ``#~`` entries are skipped.
    """
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and entry.get("msgstr"):  # a comment opens the next entry
                finish()
                entry, field = None, None
            if entry is None:
                entry = {"flags": set(), "msgstr": {}}
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("msgctxt "):
            if entry is not None and entry.get("msgstr"):  # no blank line before it
                finish()
                entry = None
            if entry is None:
                entry = {"flags": set(), "msgstr": {}}
            field = ("msgctxt",)
            entry["msgctxt"] = ast.literal_eval(line[len("msgctxt ") :])
        elif line.startswith("msgid "):
            if entry is not None and entry.get("msgstr"):  # no blank line before it
                finish()
                entry = None
            if entry is None:
                entry = {"flags": set(), "msgstr": {}}
            field = ("msgid",)
            entry["msgid"] = ast.literal_eval(line[len("msgid ") :])
        elif line.startswith("msgid_plural "):
            field = ("msgid_plural",)
            entry["msgid_plural"] = ast.literal_eval(line[len("msgid_plural ") :])
        elif line.startswith("msgstr"):
            keyword, _, value = line.partition(" ")
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            field = ("msgstr", index)
            entry["msgstr"][index] = ast.literal_eval(value)
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += text
            else:
                entry[field[0]] += text
        else:
            raise AssertionError(f"{path}: cannot read line {raw!r}")
    finish()
    return entries


def messages(path: Path) -> dict[str, dict]:
    """Entries by msgid (``context\x04msgid`` with a context), without the header."""
    return {
        (f"{e['msgctxt']}\x04" if "msgctxt" in e else "") + e["msgid"]: e
        for e in parse_po(path)
        if e["msgid"]
    }


def test_every_message_has_a_chinese_translation():
    entries = messages(ZH_PO)
    assert len(entries) > 100
    untranslated = [m for m, e in entries.items() if not all(e["msgstr"].values())]
    fuzzy = [m for m, e in entries.items() if "fuzzy" in e["flags"]]
    header = next(e for e in parse_po(ZH_PO) if e["msgid"] == "")
    assert untranslated == []
    assert fuzzy == []
    assert "fuzzy" not in header["flags"]


def test_placeholders_are_kept():
    """A translation uses exactly the named placeholders of its source string."""
    placeholder = re.compile(r"%\([a-z_]+\)[-#0 +]*\d*(?:\.\d+)?[sdfr]")
    wrong = {
        msgid: e["msgstr"][0]
        for msgid, e in messages(ZH_PO).items()
        if sorted(placeholder.findall(msgid)) != sorted(placeholder.findall(e["msgstr"][0]))
    }
    assert wrong == {}


def test_the_catalog_is_up_to_date(tmp_path, settings, monkeypatch):
    """makemessages over a copy of the package finds no message missing from the catalog."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed")
    source = tmp_path / "kehu"
    shutil.copytree(
        PACKAGE,
        source,
        ignore=shutil.ignore_patterns("locale", "migrations", "__pycache__", "*.pyc"),
    )
    settings.LOCALE_PATHS = [str(source / "locale")]
    monkeypatch.chdir(source)
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        no_location=True,
        ignore_patterns=["migrations/*"],
        verbosity=0,
    )
    fresh = messages(source / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert fresh, "makemessages found no message at all"
    missing = sorted(set(fresh) - set(messages(ZH_PO)))
    assert missing == [], "run `make messages` and translate the new entries"


def test_model_names_are_chinese():
    with translation.override("zh-hans"):
        assert str(Customer._meta.verbose_name) == "客户"
        assert str(Customer._meta.get_field("credit_limit").verbose_name) == "信用额度"
        assert str(Customer._meta.get_field("credit_code").verbose_name) == "统一社会信用代码"
    with translation.override("en"):
        assert str(Customer._meta.verbose_name) == "customer"


@pytest.mark.django_db
def test_a_service_error_is_chinese_and_keeps_its_values():
    with pytest.raises(ValidationError) as info, translation.override("zh-hans"):
        customer_class_create(actor=None, data={"code": "011", "name": "批发"})
    with translation.override("zh-hans"):
        message = info.value.message_dict["code"][0]
    assert message.startswith("编码长度必须为")
    assert "2 / 4 / 7" in message
    assert "2-2-3" in message
    with translation.override("en"):
        assert info.value.message_dict["code"][0].startswith("A code must be")
