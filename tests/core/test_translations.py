"""zh-Hans is the default language; every interface string has a Chinese translation."""

import gettext
import re
from pathlib import Path

import pytest

import aftersales

LOCALE = Path(aftersales.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries() -> list[str]:
    """The msgid of every entry of the .po file, the header excluded."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if re.search(r'^msgid "', b, re.M)]
    return [b for b in blocks if not re.search(r'^msgid ""\nmsgstr ""\n"', b, re.M)]


def test_every_string_is_translated_and_the_catalogue_is_compiled():
    entries = _po_entries()
    untranslated = [b for b in entries if re.search(r'^msgstr(\[0\])? ""$(?!\n")', b, re.M)]
    assert untranslated == [], "run makemessages and translate:\n" + "\n\n".join(untranslated)
    with open(LOCALE / "django.mo", "rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    # The .mo must be compiled from the current .po: same number of entries (header aside).
    assert len(catalogue._catalog) - 1 >= len(entries)
    assert catalogue.gettext("Customers") == "客户"


@pytest.mark.django_db
def test_pages_are_chinese_by_default_and_english_on_request(client_for, people):
    """A new person reads Chinese (the default); English is each person's choice."""
    from aftersales.accounts.models import User

    assert User._meta.get_field("language").default == "zh-hans"
    people["agent"].language = "zh-hans"
    people["agent"].save(update_fields=["language"])
    c = client_for(people["agent"])
    html = c.get("/customers/").content.decode()
    assert "客户" in html and "Customer overview" not in html
    people["agent"].language = "en"
    people["agent"].save(update_fields=["language"])
    assert "Customer overview" in c.get("/customers/").content.decode()
