"""The one place that joins the storage interfaces to their AWS implementations, built once per process."""

from functools import cache

from chalicelib.aws.deliveries_repo import DynamoDeliveries
from chalicelib.aws.queue import DeliveryMessages
from chalicelib.stores import Stores


@cache
def stores() -> Stores:
    """The DynamoDB and SQS set."""
    return Stores(deliveries=DynamoDeliveries(), delivery_queue=DeliveryMessages())
