"""In-process AWS for the benchmarks. Importing this puts the project on the path and sets fake
credentials (nothing can reach AWS); ``aws()`` starts moto with the service's resources and hands
back the injected clock."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                   "OPERATOR_TOKEN": "bench", "SQS_MAX_DELAY_SECONDS": "0", "POWERTOOLS_LOG_LEVEL": "ERROR",
                   "POWERTOOLS_METRICS_DISABLED": "true"})
os.environ.pop("AWS_ENDPOINT_URL", None)

from moto import mock_aws

from chalicelib import clock
from chalicelib.aws import clients
from chalicelib.settings import get_settings
from local import resources


class Clock:
    """The service's clock, moved by the benchmark."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 25, 10, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


@contextmanager
def aws() -> Iterator[Clock]:
    """Fresh moto with every resource of the template created, and the injected clock."""
    with mock_aws() as mock:
        mock.reset()
        clients.reset()
        fake = Clock()
        clock.set_source(fake)
        resources.create_all(get_settings())
        yield fake
