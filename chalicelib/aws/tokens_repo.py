"""Tokens table: API tokens keyed by their public ``id``; only a hash of the secret is stored."""

from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import is_condition_failure, plain, put_op
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class TokenRecord:
    id: str
    tenant_id: str
    name: str
    role: str
    secret_hash: str
    created_at: str


def _table() -> Any:
    return table(get_settings().tokens_table)


def put_op_for(record: TokenRecord) -> dict[str, Any]:
    return put_op(get_settings().tokens_table, asdict(record), "attribute_not_exists(id)")


def get(token_id: str) -> TokenRecord | None:
    item = _table().get_item(Key={"id": token_id}, ConsistentRead=True).get("Item")
    return TokenRecord(**plain(item)) if item else None


def delete(tenant_id: str, token_id: str) -> bool:
    """Delete a tenant's token; ``False`` when it does not exist or belongs to another tenant."""
    try:
        _table().delete_item(
            Key={"id": token_id},
            ConditionExpression="tenant_id = :tenant",
            ExpressionAttributeValues={":tenant": tenant_id},
        )
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
