"""Debian's Chromium under Playwright, for every browser test module (one browser per module)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.support.browser import SHARED, admin, stack

__all__ = ["admin", "browser", "playwright", "stack"]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (as root it runs `apt-get install chromium`), "
                    "or install Debian's chromium package yourself")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
    yield chromium
    chromium.close()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """The browser modules' shared stack stops when this worker leaves them."""
    if nextitem is None or Path(str(nextitem.path)).parent != Path(str(item.path)).parent:
        SHARED.stop()


def pytest_sessionfinish() -> None:
    SHARED.stop()
