"""One @mention renderer for forum posts and chat messages (community.mentions)."""

from chat.markdown import render_message
from community.mentions import candidate_handles
from forum.markdown import render_post


def test_forum_and_chat_link_the_same_handles_the_same_way():
    text = "Frag @Anna oder @niemand, nicht anna@wetzlar.example, und nicht `@anna`."
    post_html, found = render_post(text, known_handles={"anna"})
    assert found == ["anna"]
    assert post_html == render_message(text, handles={"anna"})
    assert post_html.count('href="/menschen/anna/"') == 1


def test_a_mention_inside_a_link_stays_text_in_posts_too():
    html, found = render_post("[Hallo @anna](https://example.org/)", known_handles={"anna"})
    assert "/menschen/anna/" not in html
    assert found == []


def test_candidates_are_distinct_lower_cased_and_in_order():
    assert candidate_handles("@Ben @anna @ben") == ["ben", "anna"]
    assert candidate_handles("@a @b @c", limit=2) == ["a", "b"]
