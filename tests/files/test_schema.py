"""The OpenAPI schema declares what the files API answers, refusals included."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from tests.files import samples

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated).decode())


def test_the_upload_declares_its_success_and_every_refusal(schema):
    upload = schema["paths"]["/api/files/"]["post"]
    assert set(upload["responses"]) == {"201", "400", "401", "403", "413", "415", "422", "503"}
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["$ref"].endswith("/FileUploadRequest")
    upload_schema = schema["components"]["schemas"]["FileUploadRequest"]
    assert upload_schema["properties"]["file"] == {"type": "string", "format": "binary"}
    detail = schema["paths"]["/api/files/{id}/"]
    assert set(detail["get"]["responses"]) == {"200", "401", "403", "404"}
    assert set(detail["delete"]["responses"]) == {"204", "400", "401", "403", "404"}


def test_the_file_object_of_the_schema_is_the_one_the_api_sends(schema, member_api):
    declared = schema["components"]["schemas"]["File"]
    response = member_api.post(
        "/api/files/", {"file": samples.upload("a.png", samples.png())}, format="multipart"
    )
    assert set(response.json()) == set(declared["properties"]) == set(declared["required"])
    for name in ("thumbnail_url", "width", "height"):
        assert declared["properties"][name].get("nullable") is True
    refusal = schema["components"]["schemas"]["FileRefusal"]
    refused = member_api.post(
        "/api/files/", {"file": samples.upload("a.exe", samples.windows_exe())}, format="multipart"
    )
    assert set(refused.json()) == set(refusal["properties"]) == {"detail", "code"}
