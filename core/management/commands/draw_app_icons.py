"""Draw the app icons (static/icons/): a lighthouse on the brand colour of site.css.

The PNGs are committed; run this again only to change the drawing.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

from core.webapp import BACKGROUND_COLOR, THEME_COLOR

LAMP = "#ffbf47"  # --focus in site.css


def _lighthouse(draw: ImageDraw.ImageDraw, size: int, scale: float) -> None:
    """The lighthouse in a 512 grid, shrunk by ``scale`` around the centre."""

    def p(x: float, y: float) -> tuple[float, float]:
        c = 256
        return ((c + (x - c) * scale) * size / 512, (c + (y - c) * scale) * size / 512)

    draw.polygon([p(256, 150), p(118, 112), p(118, 188)], fill=LAMP)  # beams
    draw.polygon([p(256, 150), p(394, 112), p(394, 188)], fill=LAMP)
    draw.polygon([p(206, 406), p(306, 406), p(286, 196), p(226, 196)], fill="#ffffff")  # tower
    draw.polygon([p(214, 322), p(298, 322), p(294, 280), p(218, 280)], fill=THEME_COLOR)
    draw.rectangle([p(222, 128), p(290, 196)], fill=LAMP)  # lamp room
    draw.polygon([p(210, 128), p(302, 128), p(256, 84)], fill="#ffffff")  # roof
    draw.rectangle([p(146, 406), p(366, 430)], fill="#ffffff")  # the rock


def draw(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    if maskable:  # full bleed; the drawing inside the safe zone (80 %)
        d.rectangle([0, 0, size, size], fill=THEME_COLOR)
        _lighthouse(d, size, 0.72)
    else:
        d.rounded_rectangle([0, 0, size - 1, size - 1], radius=size * 0.18, fill=THEME_COLOR)
        _lighthouse(d, size, 0.95)
    return image


class Command(BaseCommand):
    help = "Zeichnet die App-Symbole nach static/icons/."

    def handle(self, *args, **options):
        target = Path(settings.BASE_DIR) / "static" / "icons"
        target.mkdir(parents=True, exist_ok=True)
        for size in (192, 512):
            draw(size, maskable=False).save(target / f"icon-{size}.png", optimize=True)
        draw(512, maskable=True).save(target / "icon-maskable-512.png", optimize=True)
        touch = Image.new("RGBA", (180, 180), BACKGROUND_COLOR)
        touch.alpha_composite(draw(180, maskable=True))
        touch.convert("RGB").save(target / "apple-touch-icon.png", optimize=True)
        draw(256, maskable=False).save(target / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
        draw(32, maskable=False).save(target / "favicon-32.png", optimize=True)
        self.stdout.write(f"Symbole in {target}")
