"""Every string a user reads goes through gettext.

Two checks. The scanner reads every project template and fails on words a user would read that are not inside
`{% translate %}` / `{% blocktranslate %}`: text between tags, the attributes a user reads (title, aria-label,
placeholder, alt, a button's value), string literals handed to an `{% include %}` or `{% with %}` (other than
test ids, URL names and query strings), the English-only `pluralize` filter and literal `default`/`yesno` arguments.
The scanner reads the source, so `{% translate %}` without `{% load i18n %}` is caught by a third check: every
template compiles. The last check renders pages with a test-only catalog and sees their chrome change with the language.
"""

import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Engine
from django.template.base import Lexer, TokenType
from django.test import override_settings
from django.urls import reverse

# Attributes whose text a user reads (or hears, from a screen reader).
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description", "aria-placeholder"}
# `{% include ... with key="literal" %}` keys whose literal is not language: test hooks and URL names.
NON_LANGUAGE_KEYS = {"testid", "export_url_name"}
# Filters whose literal argument may be shown instead of the value: the literal counts where the HTML puts it
# (read in text or a title, not in a data- attribute or a class).
READ_FILTER_ARGUMENTS = re.compile(r"\|(?:default|default_if_none|yesno|user_label):(\"[^\"]*\"|'[^']*')")
LITERAL_KWARG = re.compile(r"(\w+)=(\"[^\"]*\"|'[^']*')")
LETTER = re.compile(r"[^\W\d_]")
# A template tag or variable stands in the scanned HTML as this character (no letter, so it never counts).
HOLE = "\x00"
# Blocks whose text is markup, not language (the admin's body CSS classes, head elements).
NON_LANGUAGE_BLOCKS = {"bodyclass", "extrahead", "extrastyle", "extra_head", "extra_js"}


def _has_words(text):
    return bool(LETTER.search(text.replace(HOLE, " ")))


class _VisibleText(HTMLParser):
    """Collects text and read attributes outside <script>/<style>, each with its line number."""

    # Code is not language: <code>manage.py import_leads</code>.
    NOT_LANGUAGE = ("script", "style", "code", "kbd", "samp")

    def __init__(self, first_line=1):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._skip = 0
        self._in_textarea = False
        self._first_line = first_line

    def handle_starttag(self, tag, attrs):
        if tag in self.NOT_LANGUAGE:
            self._skip += 1
        self._in_textarea = self._in_textarea or tag == "textarea"
        attrs = {name: value or "" for name, value in attrs}
        for name in READ_ATTRIBUTES & attrs.keys():
            if _has_words(attrs[name]):
                self.found.append((self._line(), f'{name}="{attrs[name]}"'))
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and _has_words(attrs.get("value", "")):
            self.found.append((self._line(), f'value="{attrs["value"]}"'))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in self.NOT_LANGUAGE and self._skip:
            self._skip -= 1
        self._in_textarea = self._in_textarea and tag != "textarea"

    def handle_data(self, data):
        if self._in_textarea:
            # An HTML snippet shown to be copied: its own text and attributes count, not its markup.
            snippet = _VisibleText(first_line=self._line())
            snippet.feed(data)
            snippet.close()
            self.found.extend(snippet.found)
        elif not self._skip and _has_words(data):
            line = self._line() + data[: LETTER.search(data).start()].count("\n")
            self.found.append((line, " ".join(data.replace(HOLE, "…").split())))

    def _line(self):
        return self._first_line + self.getpos()[0] - 1


def untranslated(source):
    """(line, text) for each piece of language in a template's source that is not marked for translation."""
    found = []
    html = []
    in_translation = in_comment = False
    skipping_block = None
    for token in Lexer(source).tokenize():
        contents = token.contents
        if token.token_type == TokenType.BLOCK:
            name = contents.split(None, 1)[0] if contents else ""
            if skipping_block:
                skipping_block = None if name == "endblock" else skipping_block
                continue
            if name == "block" and contents.split()[1:2] and contents.split()[1] in NON_LANGUAGE_BLOCKS:
                skipping_block = contents
                continue
            if in_comment:
                in_comment = name != "endcomment"
                continue
            if name == "comment":
                in_comment = True
                continue
            if name in ("blocktranslate", "blocktrans"):
                in_translation = True
            elif name in ("endblocktranslate", "endblocktrans"):
                in_translation = False
            elif name in ("include", "with") or " with " in contents:
                for key, literal in LITERAL_KWARG.findall(contents):
                    if key not in NON_LANGUAGE_KEYS and _has_words(literal) and literal[1] not in "?/#":
                        found.append((token.lineno, f"{{% {contents} %}} ({key}={literal})"))
            if not in_translation:
                _check_filters(contents, token.lineno, found)
            html.append(" " + HOLE)  # the space ends a tag name: <tr{% if x %} class="y"{% endif %}>
        elif skipping_block:
            continue
        elif token.token_type == TokenType.VAR:
            if in_translation:
                continue
            if re.search(r"\|\s*pluralize\b", contents):
                found.append((token.lineno, f"{contents} (pluralize is English only: use blocktranslate count)"))
            html.append(HOLE + HOLE.join(literal[1:-1] for literal in READ_FILTER_ARGUMENTS.findall(contents)) + HOLE)
        elif token.token_type == TokenType.TEXT and not in_comment:
            # Inside a blocktranslate the text is translated; keep the line count for the HTML parser.
            html.append("\n" * contents.count("\n") if in_translation else contents)
    parser = _VisibleText()
    parser.feed("".join(html))
    parser.close()
    return sorted(found + parser.found)


def _check_filters(contents, lineno, found):
    if re.search(r"\|\s*pluralize\b", contents):
        found.append((lineno, f"{contents} (pluralize is English only: use blocktranslate count)"))
    for literal in READ_FILTER_ARGUMENTS.findall(contents):
        if _has_words(literal):
            found.append((lineno, f"{contents} ({literal} may be read by a user: use _(…))"))


def project_templates():
    base = Path(settings.BASE_DIR)
    roots = [
        base / "templates",
        *(base / app / "templates" for app in ("crm", "leads", "accounts", "contacts", "deals")),
    ]
    return sorted(path for root in roots for path in root.rglob("*.html"))


class TestTheScanner:
    def test_it_finds_text_attributes_and_literals_a_user_reads(self):
        source = (
            '{% load i18n %}<h1 title="Open it">Leads</h1>\n'
            '<input type="submit" value="Save"><img alt="{{ x }}" src="a.png">\n'
            '{% include "partials/_breadcrumbs.html" with current="Import" testid="lead-filters" %}\n'
            '{{ count }} lead{{ count|pluralize }} {{ owner|default:"Nobody" }}\n'
            "{% comment %}Not read{% endcomment %}<script>let a = 'b';</script>"
        )

        found = [text for _line, text in untranslated(source)]

        assert 'title="Open it"' in found
        assert "Leads" in found
        assert 'value="Save"' in found
        assert any(text.endswith('(current="Import")') for text in found)
        assert not any(text.endswith('(testid="lead-filters")') for text in found)
        assert any("pluralize" in text for text in found)
        assert any(text.endswith("Nobody…") for text in found)
        assert any("… lead…" in text for text in found)
        assert not any("Not read" in text or "let a" in text for text in found)

    def test_it_passes_text_marked_for_translation_and_non_language(self):
        source = (
            '{% load i18n %}<h1 title="{% translate "Open it" %}">{% translate "Leads" %}</h1> — · 42 % &raquo;\n'
            '<a class="btn btn-primary" href="{% url "leads:list" %}" data-testid="x-y">{{ lead.name }}</a>\n'
            "{% blocktranslate trimmed count counter=n %}\n  {{ counter }} lead\n{% plural %}\n"
            "  {{ counter }} leads\n{% endblocktranslate %}\n"
            '{% include "partials/_breadcrumbs.html" with current=_("Import") testid="lead-filters" %}\n'
            "<tr data-owner=\"{{ owner.pk|default:'none' }}\">"
            '{{ lead.email|default:"—" }}{{ owner|user_label:_("Nobody") }}'
        )

        assert untranslated(source) == []


@pytest.mark.parametrize("path", project_templates(), ids=lambda path: str(path.relative_to(settings.BASE_DIR)))
def test_every_template_marks_its_language_for_translation(path):
    found = untranslated(path.read_text(encoding="utf-8"))

    assert found == [], "\n".join(f"{path.name}:{line}: {text}" for line, text in found)


@pytest.mark.parametrize("path", project_templates(), ids=lambda path: str(path.relative_to(settings.BASE_DIR)))
def test_every_template_compiles(path):
    """A `{% translate %}` without `{% load i18n %}` in its own template fails only when that template renders."""
    engine = Engine.get_default()

    engine.from_string(path.read_text(encoding="utf-8"))


# A test-only German catalog: written as a .mo file at test time, so the test needs no gettext tools.
GERMAN = {
    "Leads": "Interessenten",
    "Log out": "Abmelden",
    "Skip to content": "Zum Inhalt springen",
    "Filter leads": "Interessenten filtern",  # a literal handed to an include: with label=_("Filter leads")
    "Search": "Suche",  # a Python label: crm.filters.SearchFilter
    "Apply filters": "Filter anwenden",
    ("%(counter)s entry", "%(counter)s entries"): ("%(counter)s Eintrag", "%(counter)s Einträge"),
}


def write_mo(path, catalog):
    """A GNU .mo file (what `compilemessages` writes): {msgid: msgstr, (singular, plural): (one, many)}."""
    header = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"
    entries = {"": header}
    for msgid, msgstr in catalog.items():
        key = "\x00".join(msgid) if isinstance(msgid, tuple) else msgid
        entries[key] = "\x00".join(msgstr) if isinstance(msgstr, tuple) else msgstr
    keys = sorted(entries)
    ids = b"".join(key.encode() + b"\x00" for key in keys)
    strs = b"".join(entries[key].encode() + b"\x00" for key in keys)
    count = len(keys)
    ids_start = 7 * 4 + 16 * count
    strs_start = ids_start + len(ids)
    id_table, str_table, id_offset, str_offset = [], [], 0, 0
    for key in keys:
        encoded_id, encoded_str = key.encode(), entries[key].encode()
        id_table += [len(encoded_id), ids_start + id_offset]
        str_table += [len(encoded_str), strs_start + str_offset]
        id_offset += len(encoded_id) + 1
        str_offset += len(encoded_str) + 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        struct.pack("<7I", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, 0)
        + struct.pack(f"<{2 * count}I", *id_table)
        + struct.pack(f"<{2 * count}I", *str_table)
        + ids
        + strs
    )


@pytest.fixture
def german(tmp_path):
    """The site run with LANGUAGE_CODE=de and the test catalog (override_settings resets Django's caches)."""
    write_mo(tmp_path / "de" / "LC_MESSAGES" / "django.mo", GERMAN)
    with override_settings(LANGUAGE_CODE="de", LOCALE_PATHS=[tmp_path]):
        yield


class TestThePageChangesWithTheLanguage:
    def test_the_lead_list_chrome_is_german_with_a_german_catalog(self, german, rep_client):
        response = rep_client.get(reverse("leads:list"))

        page = response.content.decode()
        assert response.status_code == 200
        assert '<html lang="de">' in page
        assert ">Interessenten</a>" in page
        assert "Abmelden" in page
        assert "Zum Inhalt springen" in page
        assert 'aria-label="Interessenten filtern"' in page
        assert "Suche" in page
        assert "Filter anwenden" in page
        assert "Log out" not in page
        assert "Apply filters" not in page

    def test_a_counted_string_takes_the_plural_of_the_language(self, german):
        template = Engine.get_default().from_string(
            "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} entry{% plural %}"
            "{{ counter }} entries{% endblocktranslate %}"
        )

        assert template.render(Context({"n": 1})) == "1 Eintrag"
        assert template.render(Context({"n": 3})) == "3 Einträge"

    def test_without_a_catalog_the_page_stays_english(self, rep_client):
        response = rep_client.get(reverse("leads:list"))

        page = response.content.decode()
        assert ">Leads</a>" in page
        assert "Log out" in page
        assert 'aria-label="Filter leads"' in page
