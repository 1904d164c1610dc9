"""Search snippets: Markdown made plain, cut around the hit, user HTML escaped."""

import pytest

from core.markdown import html_to_text, markdown_to_text, render_markdown
from core.snippets import highlight, matched_words, snippet


def test_markdown_becomes_plain_text_without_its_syntax():
    text = markdown_to_text("## Umstellung\n\n- erstens **fett**\n- [enaio](https://x.example)\n")
    assert text == "Umstellung erstens fett enaio"


def test_markdown_html_and_entities_come_out_as_text_not_markup():
    assert "<" not in markdown_to_text("<script>alert(1)</script>\n\n<img src=x onerror=y>")
    assert markdown_to_text("a &amp; b <b>c</b>") == "a & b c"


def test_highlight_marks_the_matched_words_and_escapes_the_rest():
    html = highlight("Die E-Akte <b> bei enaio", ["akte"])
    assert html == "Die E-<mark>Akte</mark> &lt;b&gt; bei enaio"


def test_highlight_matches_inflected_and_unaccented_forms():
    assert "<mark>Übergaben</mark>" in highlight("Die Übergaben", ["ubergabe"])
    assert matched_words("Migrationen und Migration", ["migration"]) == [
        "Migrationen",
        "Migration",
    ]


def test_snippet_is_cut_around_the_first_hit():
    text = "wort " * 100 + "enaio " + "wort " * 100
    cut = snippet(text, ["enaio"])
    assert "enaio" in cut and cut.startswith("…") and cut.endswith("…")
    assert len(cut) <= 202


@pytest.mark.parametrize(
    "source",
    [
        "# Ablauf\n\nWir sprechen über die **E-Akte** und ~~das Fax~~.",
        "Mehr unter [der Seite](https://example.org/a?b=1&c=2).\n\n- eins\n- zwei",
        "| Zeit | Punkt |\n|:--|--:|\n| 10:00 | Start |\n\nKaffee & Kuchen",
        "<script>alert(1)</script> *Text* `code` <b>fett</b>\n\n> Zitat",
        "",
    ],
)
def test_the_stored_html_gives_the_same_plain_text_as_the_source(source):
    """Search snippets are cut from the stored HTML instead of rendering the Markdown
    again: the same words either way."""
    assert html_to_text(render_markdown(source)) == markdown_to_text(source)
