"""The snooze store: snoozes and mutes (``models/snoozes.py``) and the mail links already used to make one.

Implementations: ``aws/snoozes_repo.py`` (DynamoDB), ``tests/support/fakes/snoozes.py``."""

from datetime import datetime
from typing import Protocol

from chalicelib.models.snoozes import Snooze


class SnoozeStore(Protocol):
    def record(self, snooze: Snooze, link_id: str | None = None, link_until: datetime | None = None) -> bool:
        """Keep ``snooze`` (replacing the one of the same id); with ``link_id``, only if that link was not used
        before, marking it used (kept until ``link_until``) in the same write. ``False``: the link was used."""

    def used(self, tenant_id: str, link_id: str) -> bool:
        """Whether a snooze was made with that link."""

    def get(self, tenant_id: str, snooze_id: str) -> Snooze | None: ...

    def get_many(self, tenant_id: str, snooze_ids: set[str]) -> list[Snooze]:
        """The snoozes of ``snooze_ids`` that exist, in no order."""

    def page(self, tenant_id: str, limit: int, cursor: str | None) -> tuple[list[Snooze], str | None]:
        """The tenant's snoozes in id order, ``limit`` at a time."""

    def delete(self, tenant_id: str, snooze_id: str) -> bool:
        """Lift it; ``False`` if there was none."""
