"""The scenario tier runs on moto: its fixtures (tests/support/fixtures.py) load here, never for tests/unit. The
permission check (tests/support/permissions.py) records the tier's AWS calls and checks them at its end."""

from tests.support.console import admin, browser
from tests.support.fixtures import acme, api, app, aws, flaky_ses, fresh_aws, globex, pipeline
from tests.support.packaging import packaged, sam
from tests.support.permissions import (
    pytest_collection_finish,
    pytest_configure,
    pytest_sessionfinish,
    pytest_terminal_summary,
)
from tests.support.reports import fire

__all__ = ["acme", "admin", "api", "app", "aws", "browser", "fire", "flaky_ses", "fresh_aws", "globex", "packaged",
           "pipeline", "pytest_collection_finish", "pytest_configure", "pytest_sessionfinish",
           "pytest_terminal_summary", "sam"]
