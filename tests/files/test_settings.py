"""The files' settings from the environment: defaults, object storage, refused mistakes."""

from tests.servers import run_python

SETUP = (
    "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); "
    "from django.conf import settings as s; "
)


def test_by_default_files_lie_under_var_and_leave_through_django():
    result = run_python(
        SETUP + "print(s.STORAGES['files']['BACKEND'], s.FILES_ROOT.name, s.FILES_DELIVERY, "
        "s.FILES_MAX_BYTES, s.FILES_QUOTA_BYTES)",
        DEBUG="1",
        FILES_STORAGE=None,
        FILES_ROOT=None,
        FILES_DELIVERY=None,
        FILES_MAX_BYTES=None,
        FILES_QUOTA_BYTES=None,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.files.storage.FileSystemStorage",
        "files",
        "django",
        str(25 * 1024 * 1024),
        str(1024 * 1024 * 1024),
    ]


def test_object_storage_is_configured_from_the_s3_variables():
    result = run_python(
        SETUP + "o = s.STORAGES['files']['OPTIONS']; print(s.STORAGES['files']['BACKEND'], "
        "o['bucket_name'], o['endpoint_url'], o['region_name'], o['querystring_expire'])",
        DEBUG="1",
        FILES_STORAGE="s3",
        FILES_DELIVERY="s3",
        S3_BUCKET="dateien",
        S3_ENDPOINT_URL="https://s3.example",
        S3_REGION="eu-central-1",
        FILES_SIGNED_URL_SECONDS="30",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "dateien",
        "https://s3.example",
        "eu-central-1",
        "30",
    ]


def test_mistakes_in_the_files_settings_stop_the_start():
    for variables, message in [
        ({"FILES_STORAGE": "ftp"}, "FILES_STORAGE must be"),
        ({"FILES_DELIVERY": "apache"}, "FILES_DELIVERY must be"),
        ({"FILES_DELIVERY": "s3", "FILES_STORAGE": "local"}, "needs FILES_STORAGE=s3"),
        ({"FILES_STORAGE": "s3", "S3_BUCKET": ""}, "needs S3_BUCKET"),
    ]:
        result = run_python(SETUP + "print('started')", DEBUG="1", **variables)
        assert result.returncode != 0, variables
        assert message in result.stderr, (variables, result.stderr[-500:])
