"""Storage interfaces of the domain (``typing.Protocol``s, one module per area) and the one container of them.

Implementations: DynamoDB in ``chalicelib/aws/``, in-memory fakes in ``tests/support/fakes/``; ``chalicelib/wiring.py``
joins them."""

from dataclasses import dataclass

from chalicelib.stores.deliveries import DeliveryQueue, DeliveryStore


@dataclass(frozen=True)
class Stores:
    deliveries: DeliveryStore
    delivery_queue: DeliveryQueue
