"""The S3 adapter on moto: the bucket comes from the template, objects round-trip, links expire."""

from urllib.parse import parse_qs, unquote, urlparse

from chalicelib.aws import blobs
from chalicelib.aws.clients import client
from chalicelib.settings import get_settings


def test_put_get_and_presigned_link():
    blobs.put("reports/t1/daily/2026-11-24.pdf", b"%PDF-1.7 demo")

    assert blobs.get("reports/t1/daily/2026-11-24.pdf") == b"%PDF-1.7 demo"
    assert blobs.exists("reports/t1/daily/2026-11-24.pdf") and not blobs.exists("reports/none.pdf")
    url = blobs.presigned_url("reports/t1/daily/2026-11-24.pdf", 600, filename="report.pdf")
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Expires"] == ["600"]
    assert unquote(urlparse(url).path).endswith("/reports/t1/daily/2026-11-24.pdf")
    assert query["response-content-disposition"] == ['attachment; filename="report.pdf"']


def test_bucket_is_private_and_expires_reports():
    s3, bucket = client("s3"), get_settings().reports_bucket

    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert all(block.values())
    assert {(rule["Filter"]["Prefix"], rule["Expiration"]["Days"]) for rule in rules} >= {("reports/", 400)}
