"""Documents on shared storage: with a bucket configured, every scan goes to S3-compatible storage
(so any number of web and worker machines see it) and still only comes out through the scoped view."""

import re
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto import mock_aws

from claims import services
from claims.models import ClaimDocument
from demo.documents import PDF
from enrollment.models import ApplicationDocument, Coverage, RegistrationDocument
from tests.helpers import production_settings

BUCKET = "mutualaid-documents"


@pytest.fixture
def bucket(settings, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage",
                        "OPTIONS": {"bucket_name": BUCKET, "region_name": "us-east-1", "default_acl": "private",
                                    "file_overwrite": False}},
        }  # fmt: skip
        yield client


def test_a_claim_document_is_stored_in_the_bucket_and_served_only_through_the_scoped_view(
    bucket, login, clerk_u001, clerk_u002
):
    coverage = Coverage.objects.get(member__name="王强", plan__period__number=16, plan__code="MED")
    claim = services.claim_create(actor=clerk_u001, coverage=coverage, kind="hospital_stay")
    client = login(clerk_u001)
    client.post(reverse("claims:upload", args=[claim.reference]),
                {"kind": "other", "file": SimpleUploadedFile("出院小结.pdf", PDF, "application/pdf")})  # fmt: skip
    document = ClaimDocument.objects.get(claim=claim)
    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [document.file.name]
    assert claim.reference not in keys[0] and "出院小结" not in keys[0]  # a random name
    assert not (Path(django_settings.MEDIA_ROOT) / document.file.name).exists()  # nothing on this machine's disk
    url = reverse("claims:document", args=[claim.reference, document.pk])
    response = client.get(url)
    assert b"".join(response.streaming_content) == PDF
    assert login(clerk_u002).get(url).status_code == 404


def test_the_bucket_is_configured_from_the_environment():
    code = "from django.conf import settings; s = settings.STORAGES['default']; print(s['BACKEND'], s['OPTIONS']['bucket_name'], s['OPTIONS']['default_acl'])"
    output = production_settings(code, DJANGO_S3_BUCKET="docs", DJANGO_S3_ENDPOINT_URL="https://minio.example.org")
    assert output.split() == ["storages.backends.s3.S3Storage", "docs", "private"]


@pytest.mark.parametrize(
    ("model", "folder"),
    [(ApplicationDocument, "applications"), (ClaimDocument, "claims"), (RegistrationDocument, "registrations")],
)
def test_every_kind_of_scan_is_stored_under_a_random_name_in_its_own_folder(model, folder):
    """The three documents share one upload path (mutualaid.uploads.StoredDocument): the stored name
    tells nothing about the person or the file, and each kind keeps to the folder it always had."""
    stored = model._meta.get_field("file").generate_filename(model(), "王芳 工会法人资格证书.PDF")
    assert re.fullmatch(rf"{folder}/[0-9a-f]{{32}}\.pdf", stored)
