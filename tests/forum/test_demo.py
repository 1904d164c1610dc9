"""The demo forum (forum.demo.seed_forum), as seed_demo loads it: a living forum, loaded once."""

import io

import pytest
from pypdf import PdfReader

from community.models import Role
from files.models import StoredFile
from forum.demo import THREADS, seed_forum
from forum.models import Post, Thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_members(make_municipality, make_member, taxonomy, category):
    emails = {d.author for d in THREADS} | {r.author for d in THREADS for r in d.replies}
    municipalities, members = {}, {}
    for email in sorted(emails):
        slug = email.split("@")[1].removesuffix(".example")
        if slug not in municipalities:
            municipalities[slug] = make_municipality(name=slug.title(), domains=[f"{slug}.example"])
        name = email.split("@")[0].replace(".", " ").title()
        members[email] = make_member(
            email=email, municipality=municipalities[slug], role=Role.MEMBER, display_name=name
        )
    return members


def test_demo_threads_have_replies_solutions_mentions_and_files_and_load_once(demo_members):
    assert seed_forum(demo_members) == len(THREADS)
    counts = (Thread.objects.count(), Post.objects.count(), StoredFile.objects.count())

    assert seed_forum(demo_members) == 0

    assert (Thread.objects.count(), Post.objects.count(), StoredFile.objects.count()) == counts
    assert Thread.objects.count() == len(THREADS)
    assert Post.objects.count() > 2 * len(THREADS)
    assert Thread.objects.filter(solution__isnull=False).count() == 2
    assert Thread.objects.filter(tags__isnull=False).exists()
    anna = demo_members["anna.schmidt@wetzlar.example"]
    assert anna.notifications.filter(kind="forum.mention").exists()
    files = {f.content_type: f for f in StoredFile.objects.all()}
    assert set(files) == {"application/pdf", "image/png"}
    assert all(f.attached_id for f in files.values())
    checklist = StoredFile.objects.get(name="Checkliste-Aktenplan.pdf")
    assert "Checkliste" in checklist.text  # the text was extracted: the PDF is a real one
    with checklist.blob.open("rb") as handle:
        assert len(PdfReader(io.BytesIO(handle.read())).pages) == 1
    photo = StoredFile.objects.get(content_type="image/png")
    assert (photo.width, photo.height) == (320, 200)


def test_demo_threads_skip_missing_members(db, category):
    assert seed_forum({}) == 0
    assert not Thread.objects.exists()
