"""The OpenAPI schema's refusals: every operation declares the errors it can answer.

drf-spectacular documents only the success of an operation; a client (and
schemathesis, tests/security/test_openapi_truth.py) also meets its refusals.
The rules below follow from how DRF and core.api_errors answer:

- 400 where input is parsed (query parameters other than the page) and
  wherever something changes: the body, or the current state, may not allow
  it (field errors as ``{"field": ["reason"]}``, else ``{"detail"}``);
- 401 and 403 wherever authentication is required (no or a bad token, CSRF,
  no permission for this object);
- 404 where the path names an object (missing and forbidden look the same)
  and on lists past their last page;
- 412 where the operation takes ``If-Match`` (someone else's edit came first);
- 415 where a request body is read (a media type the API does not parse);
- 429 where config.middleware's rate limits count the request.

Other refusals (409, ...) are declared by the view that gives them, with
``extend_schema(responses=...)``; what a view declares itself is kept.
"""

import re

from django.urls import Resolver404, resolve
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

# Query parameters that choose a page or a rendering, not input that could be invalid.
NOT_INPUT = {"page", "page_size", "format"}


class ErrorSerializer(serializers.Serializer):
    """A refusal with its reason, e.g. ``{"detail": "Nicht gefunden."}``."""

    detail = serializers.CharField()


# A 400 names each field at fault (a list of reasons, or nested for nested
# fields), "non_field_errors" for the whole input, or only "detail" (bad JSON).
VALIDATION_ERROR = ResolvedComponent(
    name="ValidationError",
    type=ResolvedComponent.SCHEMA,
    object="ValidationError",
    schema={
        "type": "object",
        "description": "Ein Fehler der Eingabe: je Feld die Gründe, sonst detail.",
        "minProperties": 1,
        "properties": {
            "detail": {"type": "string"},
            "non_field_errors": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": {
            "anyOf": [{"type": "array"}, {"type": "object"}, {"type": "string"}]
        },
    },
)


def refusal(description: str) -> OpenApiResponse:
    """A declared refusal with a ``{"detail"}`` body, for ``extend_schema(responses=...)``."""
    return OpenApiResponse(ErrorSerializer, description=description)


THROTTLED = refusal("Zu viele Anfragen in kurzer Zeit.")


class AutoSchema(openapi.AutoSchema):
    def _error_codes(self) -> dict[str, str]:
        """The refusals this operation can give, by status code, with a description."""
        parameters = self._get_parameters()
        query = {p["name"] for p in parameters if p["in"] == "query"}
        headers = {p["name"].lower() for p in parameters if p["in"] == "header"}
        has_body = self.method in ("POST", "PUT", "PATCH") and bool(self._get_request_body())
        changes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        codes = {}
        if changes or query - NOT_INPUT:
            codes["400"] = "Ungültige Eingabe, oder der Stand lässt die Änderung nicht zu."
        if self.get_auth():
            codes["401"] = "Nicht angemeldet."
            codes["403"] = "Nicht erlaubt."
        if "{" in self.path or "page" in query:
            codes["404"] = "Nicht gefunden."
        if "if-match" in headers:
            codes["412"] = "Inzwischen von jemand anderem geändert."
        if has_body:
            codes["415"] = "Medientyp nicht unterstützt."
        if changes and self._rate_limited():
            codes["429"] = "Zu viele Anfragen in kurzer Zeit."
        return codes

    def _rate_limited(self) -> bool:
        """Whether config.middleware counts this operation's requests (its view by name)."""
        # Late: core knows no app, and config.middleware imports community's tokens;
        # the schema is generated only once everything is loaded.
        from config.middleware import RATE_LIMITED_VIEWS

        path = re.sub(r"\{[^}]+\}", "1", self.path)
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return self.method == "POST" and match.view_name in RATE_LIMITED_VIEWS

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        if direction != "response":
            return responses
        self.registry.register_on_missing(VALIDATION_ERROR)
        for code, description in self._error_codes().items():
            if code in responses:
                continue
            body = VALIDATION_ERROR.ref if code == "400" else ErrorSerializer
            responses[code] = self._get_response_for_code(
                OpenApiResponse(body, description=description), code, direction=direction
            )
        return dict(sorted(responses.items()))
