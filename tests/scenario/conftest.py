"""The scenario tier runs on moto: its fixtures (tests/support/fixtures.py) load here, never for tests/unit."""

from tests.support.fixtures import acme, api, app, aws, flaky_ses, fresh_aws, globex, pipeline
from tests.support.packaging import packaged, sam

__all__ = ["acme", "api", "app", "aws", "flaky_ses", "fresh_aws", "globex", "packaged", "pipeline", "sam"]
