"""Forum fixtures: categories come from the migration, threads and posts from the services."""

import pytest

from forum import services
from forum.models import Category


def _category(slug: str) -> Category:
    """The categories of migration 0002 (re-made after a transactional test flushed them)."""
    from importlib import import_module

    data = import_module("forum.migrations.0002_search_and_categories")
    for position, (s, name, description, moderators_only) in enumerate(data.CATEGORIES):
        Category.objects.get_or_create(
            slug=s,
            defaults={
                "name": name,
                "description": description,
                "position": position,
                "moderators_only_threads": moderators_only,
            },
        )
    return Category.objects.get(slug=slug)


@pytest.fixture
def category(db):
    return _category("austausch")


@pytest.fixture
def announcements(db):
    return _category("ankuendigungen")


@pytest.fixture
def make_thread(category):
    def make(author, *, title="Erfahrungen mit der E-Akte", body="Wer hat schon umgestellt?", **kw):
        return services.thread_create(
            author=author, category=kw.pop("category", category), title=title, body=body, **kw
        )

    return make


@pytest.fixture
def thread(make_thread, member):
    return make_thread(member)


@pytest.fixture
def other(make_member):
    return make_member(display_name="Olaf Otto")


@pytest.fixture
def reply(thread, other):
    return services.post_create(author=other, thread=thread, body="Wir nutzen enaio seit 2023.")
