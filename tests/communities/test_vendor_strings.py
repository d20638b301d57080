"""The allauth and Django strings listed for the Welsh catalogue (communities.forms.vendor_strings).

Two things must hold for those pages to come out in Welsh: each listed string is exactly one that
allauth or Django really asks for (checked against the catalogues they ship, so an upgrade that
rewords one fails here), and a translation in the project's catalogue really reaches allauth's
own pages and forms (checked with a small catalogue written for the test).
"""

from __future__ import annotations

import ast
import re
import struct
from pathlib import Path

import allauth
import django
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from communities.forms import vendor_strings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MARKED = {"gettext_noop", "ngettext_lazy", "pgettext_lazy"}


def listed_strings() -> list[tuple[str | None, str]]:
    """(context, msgid) of every string in vendor_strings.py, read from its source."""
    tree = ast.parse(Path(vendor_strings.__file__).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in MARKED:
            args = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
            if node.func.id == "pgettext_lazy":
                found.append((args[0], args[1]))
            else:
                found.append((None, args[0]))
    return found


def po_msgids(path: Path) -> set[tuple[str | None, str]]:
    """(context, msgid) of every entry in a .po file."""
    entries = set()
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.MULTILINE)
        if not msgid:
            continue
        text = "".join(ast.literal_eval(part) for part in re.findall(r'".*"', msgid.group(1)))
        context = re.search(r'^msgctxt (".*")$', block, re.MULTILINE)
        if text:
            entries.add((ast.literal_eval(context.group(1)) if context else None, text))
    return entries


def test_every_listed_string_is_one_allauth_or_django_asks_for():
    allauth_dir = Path(allauth.__file__).parent / "locale"
    known = set()
    for po in allauth_dir.glob("*/LC_MESSAGES/django.po"):
        known |= po_msgids(po)
    django_auth = Path(django.__file__).parent / "contrib/auth/locale/en/LC_MESSAGES/django.po"
    known |= po_msgids(django_auth)

    listed = listed_strings()
    assert len(listed) > 90  # the account pages, messages, emails and password rules
    missing = [msgid for msgid in listed if msgid not in known]
    assert missing == []


def write_mo(path: Path, messages: dict[str, str]) -> None:
    """A GNU .mo catalogue (the format msgfmt writes), so the test needs no gettext tools."""
    header = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"
    catalogue = {"": header, **messages}
    keys = sorted(catalogue)
    ids = [key.encode() for key in keys]
    strs = [catalogue[key].encode() for key in keys]
    start = 7 * 4 + 16 * len(keys)
    id_offsets, offset = [], start
    for item in ids:
        id_offsets.append((len(item), offset))
        offset += len(item) + 1
    str_offsets = []
    for item in strs:
        str_offsets.append((len(item), offset))
        offset += len(item) + 1
    data = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    data += b"".join(struct.pack("ii", *pair) for pair in id_offsets)
    data += b"".join(struct.pack("ii", *pair) for pair in str_offsets)
    data += b"".join(item + b"\0" for item in ids) + b"".join(item + b"\0" for item in strs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def welsh_catalogue(tmp_path):
    """A project catalogue translating two listed allauth strings, and nothing else."""
    write_mo(
        tmp_path / "cy/LC_MESSAGES/django.mo",
        {"Sign Out": "Allgofnodi", "Are you sure you want to sign out?": "Ydych chi'n siŵr?"},
    )
    trans_real._translations = {}
    with override_settings(LOCALE_PATHS=[str(tmp_path)]):
        trans_real._translations = {}
        yield
    trans_real._translations = {}


def test_a_project_translation_reaches_allauths_own_page(client, welsh_catalogue):
    client.force_login(UserFactory())
    with translation.override("cy"):
        url = reverse("account_logout")
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Allgofnodi" in page
    assert "Ydych chi&#x27;n siŵr?" in page or "Ydych chi'n siŵr?" in page
    assert "Are you sure you want to sign out?" not in page
