"""Markdown may place the platform's own files as images, and nothing else."""

import pytest

from core.markdown import render_markdown

FILE = "/dateien/0b6f1f4e-2c3a-4c1e-9f7e-1a2b3c4d5e6f"


def test_an_attached_image_is_shown_where_the_author_placed_it():
    html = render_markdown(f"Vorher ![Der Fehler]({FILE}/fehler.png) nachher")
    assert html == (
        f'<p>Vorher <img alt="Der Fehler" src="{FILE}/fehler.png" loading="lazy"> nachher</p>'
    )


def test_the_thumbnail_address_may_be_placed_too():
    assert f'src="{FILE}/vorschau/"' in render_markdown(f"![x]({FILE}/vorschau/)")


@pytest.mark.parametrize(
    "src",
    [
        "https://tracker.example/pixel.png",
        "//tracker.example/pixel.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "javascript:alert(1)",
        "/dateien/../admin/",
        "/dateien/kein-uuid/x.png",
        f"{FILE}/..",
        f"{FILE}/a/b.png",
        f"{FILE}/x.png?download=1",
        f"/static/{FILE}/x.png",
        "/static/img/logo.png",
    ],
)
def test_images_from_anywhere_else_become_their_description(src):
    html = render_markdown(f"![Beschreibung]({src})")
    assert "<img" not in html
    assert "Beschreibung" in html


@pytest.mark.parametrize(
    "raw",
    [
        '<img src="https://tracker.example/p.png">',
        '<img src="x" onerror="alert(1)">',
        f'<img src="{FILE}/x.png" onerror="alert(1)" style="width:9999px">',
        '<img srcset="https://tracker.example/p.png 1x">',
    ],
)
def test_raw_img_tags_keep_no_foreign_source_and_no_handler(raw):
    html = render_markdown(raw)
    assert "tracker" not in html and "onerror" not in html and "style" not in html
    assert 'src="x"' not in html and "srcset" not in html


@pytest.mark.parametrize(
    "raw", ['<img src="x" onerror="alert(1)">', '<img alt="a>b" src="javascript:alert(1)">']
)
def test_a_raw_img_whose_source_is_refused_disappears_entirely(raw):
    assert "<img" not in render_markdown(raw)
