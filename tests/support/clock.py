"""The clock tests inject (``frozen_clock`` in tests/conftest.py): time moves only when a test moves it."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class FrozenClock:
    moment: datetime

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment
