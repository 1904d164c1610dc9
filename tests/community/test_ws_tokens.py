"""Sockets check API tokens as the REST API does; community registers them with core."""

from community.authentication import api_token_for_key
from community.models import ApiToken
from core import ws_auth


def test_sockets_check_the_tokens_community_registered():
    assert ws_auth.token_model() is ApiToken
    assert ws_auth._token_auth.for_key is api_token_for_key
