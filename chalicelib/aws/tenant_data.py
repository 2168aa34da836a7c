"""Where a tenant's data lives, and its removal when the tenant is deleted: each table and the bucket's folders, as
their declaration says (``chalicelib.resources``: ``TenantData``).

Removed now: everything kept in tables without a TTL (tokens, integrations, triggers, suppressions) and
everything with a long one (deliveries with their mail content, reports and their PDFs in S3, security data).
Left to expire: event ids (``EVENT_TTL_DAYS``, 7) and the counters table's rate-limit logs, send-request
buckets and trigger windows (hours to 2 days), whose keys are not grouped by tenant and which no reader
acts on once the tenant is gone.
"""

from chalicelib.aws import blobs, tokens_repo
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import delete_partition
from chalicelib.resources import REPORTS_BUCKET, TABLES, Table, TenantData
from chalicelib.settings import get_settings


def _tokens(tenant_id: str) -> int:
    ids = tokens_repo.ids_of(tenant_id)
    for token_id in ids:
        tokens_repo.delete(token_id)
    return len(ids)


def _blobs(tenant_id: str) -> int:
    s3, bucket, deleted = blobs.client(), getattr(get_settings(), REPORTS_BUCKET.setting), 0
    for folder in REPORTS_BUCKET.folders:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{folder.prefix}{tenant_id}/"):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
    return deleted


def _partitions(declared: Table, tenant_id: str) -> dict[str, int]:
    """What the purge removes from one table: ``{what: how many}``, nothing for a table whose data stays."""
    name = getattr(get_settings(), declared.setting)
    if declared.tenant_data is TenantData.PARTITION:
        return {declared.setting: delete_partition(table(name), declared.hash_key, tenant_id, str(declared.range_key))}
    if declared.tenant_data is TenantData.PARTITIONS:
        return {f"{declared.short} {kind}": delete_partition(table(name), declared.hash_key, f"{tenant_id}#{kind}",
                                                             str(declared.range_key)) for kind in declared.partitions}
    return {}


def purge(tenant_id: str) -> dict[str, int]:
    """Delete the tenant's data everywhere it is kept, tokens first; how many items went from each place.
    Safe to repeat: a second run finds less or nothing."""
    removed = {"tokens": _tokens(tenant_id)}  # the one TenantData.BY_INDEX table
    for declared in TABLES:
        removed.update(_partitions(declared, tenant_id))
    removed["report objects"] = _blobs(tenant_id)
    return removed
