"""S3 adapter for the reports bucket: put, get and expiring download links. Keys, never documents,
travel through queues and delivery rows; the bytes live here."""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.settings import get_settings


@cache
def _s3(region: str, endpoint_url: str | None) -> Any:
    """S3 with SigV4 links (botocore would presign with SigV2 otherwise); cached per endpoint, so a
    changed setting (tests, local stack) gets a new client."""
    config = Config(signature_version="s3v4", retries={"mode": "standard", "max_attempts": 3},
                    connect_timeout=5, read_timeout=30,
                    s3={"addressing_style": "path" if endpoint_url else "auto"})
    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url, config=config)


def client(_: str = "s3") -> Any:
    settings = get_settings()
    return _s3(settings.aws_region, settings.aws_endpoint_url)


def _bucket() -> str:
    return get_settings().reports_bucket


def put(key: str, data: bytes, content_type: str = "application/pdf") -> None:
    """Store ``data`` under ``key`` (server-side encrypted, as the bucket's default also enforces)."""
    client("s3").put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=content_type,
                            ServerSideEncryption="AES256")


def get(key: str) -> bytes:
    """The bytes stored under ``key``; raises botocore's ``NoSuchKey`` error if there are none."""
    return client("s3").get_object(Bucket=_bucket(), Key=key)["Body"].read()


def exists(key: str) -> bool:
    try:
        client("s3").head_object(Bucket=_bucket(), Key=key)
    except client("s3").exceptions.ClientError as error:
        if error.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return True


def size(key: str) -> int:
    return int(client("s3").head_object(Bucket=_bucket(), Key=key)["ContentLength"])


def presigned_url(key: str, seconds: int, filename: str | None = None) -> str:
    """A GET link to ``key`` that expires after ``seconds`` (SigV4 allows at most 7 days).

    A link also stops working when the signing credentials expire: signed with a Lambda role's temporary
    credentials it lasts hours, not days. So these links are made when someone asks for them; emails carry
    a link of ours instead (``reports.links``)."""
    params = {"Bucket": _bucket(), "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
