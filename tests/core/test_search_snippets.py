"""Search snippets: Markdown made plain, cut around the hit, user HTML escaped."""

from core.markdown import markdown_to_text
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
