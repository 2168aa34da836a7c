"""Where a tenant's data lives, and its removal when the tenant is deleted.

Removed now: everything kept in tables without a TTL (tokens, integrations, triggers, suppressions) and
everything with a long one (deliveries with their mail content, reports and their PDFs in S3, security data).
Left to expire: event ids (``EVENT_TTL_DAYS``, 7) and the counters table's rate-limit logs, send-request
buckets and trigger windows (hours to 2 days), whose keys are not grouped by tenant and which no reader
acts on once the tenant is gone.
"""

from chalicelib.aws import blobs, tokens_repo
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import delete_partition
from chalicelib.settings import get_settings

# (table setting, partition key, sort key) of the tables partitioned by tenant id
_BY_TENANT = (("integrations_table", "tenant_id", "sk"), ("triggers_table", "tenant_id", "sk"),
              ("deliveries_table", "tenant_id", "id"), ("suppressions_table", "tenant_id", "email"),
              ("reports_table", "tenant_id", "sk"))
_SECURITY_KINDS = ("hour", "vuln", "incident", "seen")  # security_repo's ``<tenant>#<kind>`` partitions
_BLOB_PREFIXES = ("reports/{tenant}/", "previews/{tenant}/")  # reports.jobs' object keys


def _tokens(tenant_id: str) -> int:
    ids = tokens_repo.ids_of(tenant_id)
    for token_id in ids:
        tokens_repo.delete(token_id)
    return len(ids)


def _blobs(tenant_id: str) -> int:
    s3, bucket, deleted = blobs.client(), get_settings().reports_bucket, 0
    for prefix in _BLOB_PREFIXES:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix.format(tenant=tenant_id)):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
    return deleted


def purge(tenant_id: str) -> dict[str, int]:
    """Delete the tenant's data everywhere it is kept, tokens first; how many items went from each place.
    Safe to repeat: a second run finds less or nothing."""
    settings = get_settings()
    removed = {"tokens": _tokens(tenant_id)}
    for setting, hash_key, range_key in _BY_TENANT:
        removed[setting] = delete_partition(table(getattr(settings, setting)), hash_key, tenant_id, range_key)
    for kind in _SECURITY_KINDS:
        removed[f"security {kind}"] = delete_partition(table(settings.security_table), "pk", f"{tenant_id}#{kind}",
                                                       "sk")
    removed["report objects"] = _blobs(tenant_id)
    return removed
