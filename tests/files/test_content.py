"""What is stored: images re-encoded without metadata, thumbnails, text of documents, names."""

import hashlib
import io
import zipfile

import pytest
from PIL import Image, PngImagePlugin

from files import names, services
from files.errors import FileRefused
from files.models import StoredFile
from tests.files import samples

pytestmark = pytest.mark.django_db

EXIF_TAG = 0x8769
GPS_IFD = 0x8825


def stored_bytes(file: StoredFile) -> bytes:
    with file.blob.open("rb") as handle:
        return handle.read()


def test_a_photo_loses_its_exif_and_gps_position(member_api):
    original = samples.jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:  # the sample really carries them
        assert image.getexif().get_ifd(GPS_IFD)
        assert image.getexif()[0x010F] == "Kamerahersteller"
    response = member_api.post(
        "/api/files/",
        {"file": samples.upload("Urlaub.jpg", original)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    file = StoredFile.objects.get(pk=response.json()["id"])
    data = stored_bytes(file)
    assert b"Exif" not in data
    assert b"Kamerahersteller" not in data and b"geheimer Kommentar" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert not image.getexif().get_ifd(GPS_IFD)
        assert "exif" not in image.info and "comment" not in image.info
        assert image.size == (80, 60)
    assert file.size == len(data)


def test_png_and_webp_lose_their_text_and_exif_chunks(member):
    info = PngImagePlugin.PngInfo()
    info.add_text("GPS", "50.5536 N, 8.5008 E")
    info.add_text("Author", "Anna Schmidt")
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (5, 5, 5)).save(out, format="PNG", pnginfo=info)
    png = services.file_upload(uploader=member, upload=samples.upload("a.png", out.getvalue()))
    assert b"50.5536" not in stored_bytes(png) and b"Anna" not in stored_bytes(png)
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (5, 5, 5)).save(out, format="WEBP", exif=exif)
    assert b"Kamerahersteller" in out.getvalue()
    webp = services.file_upload(uploader=member, upload=samples.upload("a.webp", out.getvalue()))
    assert b"Kamerahersteller" not in stored_bytes(webp) and b"EXIF" not in stored_bytes(webp)


def test_the_orientation_the_camera_recorded_is_applied_to_the_pixels(member):
    image = Image.new("RGB", (80, 40), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise for display
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    file = services.file_upload(
        uploader=member, upload=samples.upload("hochkant.jpg", out.getvalue())
    )
    assert (file.width, file.height) == (40, 80)


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("a.png", samples.png(), "image/png"),
        ("b.gif", samples.gif(), "image/gif"),
        ("c.webp", samples.webp(), "image/webp"),
        ("d.jpeg", samples.jpeg_with_gps(), "image/jpeg"),
    ],
)
def test_each_image_type_is_stored_as_itself_with_a_thumbnail_made_once(
    member, name, data, content_type
):
    file = services.file_upload(uploader=member, upload=samples.upload(name, data))
    assert file.content_type == content_type
    assert file.thumbnail
    with file.thumbnail.open("rb") as handle, Image.open(handle) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert max(thumbnail.size) <= 480
    with file.blob.open("rb") as handle, Image.open(handle) as stored:
        assert stored.format == content_type.split("/")[1].upper()


def test_a_large_picture_gets_a_small_thumbnail(member):
    file = services.file_upload(
        uploader=member, upload=samples.upload("gross.png", samples.png(size=(2000, 1000)))
    )
    with file.thumbnail.open("rb") as handle, Image.open(handle) as thumbnail:
        assert thumbnail.size == (480, 240)


def test_an_animated_gif_keeps_its_frames(member):
    frames = [Image.new("RGB", (16, 16), (index * 80, 0, 0)) for index in range(3)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=80)
    file = services.file_upload(uploader=member, upload=samples.upload("a.gif", out.getvalue()))
    with file.blob.open("rb") as handle, Image.open(handle) as stored:
        assert stored.n_frames == 3


@pytest.mark.parametrize(
    ("name", "data", "text"),
    [
        ("anweisung.pdf", samples.pdf("Dienstanweisung E-Akte"), "Dienstanweisung E-Akte"),
        ("plan.docx", samples.docx("Rollout-Plan für die E-Akte"), "Rollout-Plan für die E-Akte"),
        ("protokoll.odt", samples.odt("Protokoll des Treffens"), "Protokoll des Treffens"),
    ],
)
def test_the_text_of_documents_is_kept_for_the_search(member, name, data, text):
    file = services.file_upload(uploader=member, upload=samples.upload(name, data))
    assert file.text == text
    assert file.thumbnail.name in (None, "")
    assert stored_bytes(file) == data


def test_a_pdf_whose_text_cannot_be_read_is_still_taken(member):
    data = b"%PDF-1.4\n" + b"kaputt " * 200
    file = services.file_upload(uploader=member, upload=samples.upload("x.pdf", data))
    assert file.text == ""


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("tabelle.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "folien.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
    ],
)
def test_other_office_files_are_recognised_from_their_parts(member, name, content_type):
    data = _office_zip(name.rsplit(".", 1)[1])
    file = services.file_upload(uploader=member, upload=samples.upload(name, data))
    assert file.content_type == content_type


def _office_zip(kind: str) -> bytes:
    main = {"xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}[kind]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(main, '<?xml version="1.0"?><root/>')
    return out.getvalue()


def test_a_phone_s_multi_picture_jpeg_is_stored_as_its_main_picture(member):
    out = io.BytesIO()
    main, depth = Image.new("RGB", (40, 30), (9, 9, 9)), Image.new("RGB", (20, 15), (1, 1, 1))
    main.save(out, format="MPO", save_all=True, append_images=[depth])
    file = services.file_upload(uploader=member, upload=samples.upload("IMG_1.jpg", out.getvalue()))
    with file.blob.open("rb") as handle, Image.open(handle) as stored:
        assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1
        assert stored.size == (40, 30)


def test_plain_text_and_csv_are_taken_as_they_are(member):
    text = services.file_upload(uploader=member, upload=samples.upload("n.txt", b"Hallo\n"))
    csv = services.file_upload(uploader=member, upload=samples.upload("t.csv", b"a;b\n1;2\n"))
    assert text.content_type == csv.content_type == "text/plain"
    assert text.sha256 == hashlib.sha256(b"Hallo\n").hexdigest()
    assert stored_bytes(csv) == b"a;b\n1;2\n"


def test_a_name_without_an_ending_gets_the_one_of_its_content(member):
    file = services.file_upload(
        uploader=member, upload=samples.upload("Bildschirmfoto", samples.png())
    )
    assert file.name == "Bildschirmfoto.png"


def test_the_ending_is_compared_without_regard_to_case(member):
    file = services.file_upload(uploader=member, upload=samples.upload("FOTO.PNG", samples.png()))
    assert file.name == "FOTO.PNG"


# --- names ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # A right-to-left override shows "Rechnungexe.pdf"; without it the real ending shows.
        ("Rechnung\u202efdp.exe", "Rechnungfdp.exe"),
        ("Rechnung\u2067fdp\u2069.exe", "Rechnungfdp.exe"),
        ("Bericht.pdf" + " " * 40 + ".exe", "Bericht.pdf .exe"),
        ("Bericht\u200b.pdf", "Bericht.pdf"),
        ("Zeile\neins\tzwei\x00\x07.txt", "Zeile eins zwei.txt"),
        ("   .versteckt.txt  ", "versteckt.txt"),
        ("ende.txt. . .", "ende.txt"),
        ("Gru\u0308\u00dfe.txt", "Grüße.txt"),
        ("Protokoll 2026-12-01 (final).odt", "Protokoll 2026-12-01 (final).odt"),
    ],
)
def test_names_are_cleaned_so_the_real_ending_shows(raw, clean):
    assert names.clean_name(raw) == clean


def test_a_disguised_executable_shows_its_real_ending_and_is_refused(member):
    with pytest.raises(FileRefused) as refused:
        services.file_upload(
            uploader=member, upload=samples.upload("Rechnung\u202efdp.exe", samples.pdf())
        )
    assert (refused.value.status, refused.value.code) == (415, "type_mismatch")
    assert ".exe" in refused.value.detail


@pytest.mark.parametrize(
    ("name", "extension"),
    [("a.PDF", "pdf"), ("archiv.tar.gz", "gz"), ("ohne", ""), (".profil", ""), ("a. b", "")],
)
def test_the_ending_of_a_name(name, extension):
    assert names.extension_of(name) == extension
