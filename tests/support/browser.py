"""The console in a real browser against `make run`'s stack (tests/browser): the stack as a child process with two
local fault switches (``local/faults.py``: sends to ``fail.example`` fail, the clock runs fast), one signed-in admin
tab, screenshots in ``tests/artifacts/console/`` and the API over HTTP. ``stack`` and ``admin`` are registered in
tests/browser/conftest.py."""

import json
import re
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.stack_process import RunningStack, local_stack

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "console"
FAIL_DOMAIN = "fail.example"
CLOCK_RATE = "600"
WIDE, NARROW = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


class SharedStack:
    """One child stack for all the browser modules a worker runs (each start costs ~20 s of CPU: nine processes
    import the app, the demo data is seeded and its report rendered), started by the first module that asks and
    stopped when the worker's next test is not a browser test (tests/browser/conftest.py). A module makes its own
    objects under names of its own, so it does not depend on running first."""

    def __init__(self) -> None:
        self._running: RunningStack | None = None
        self._context = ExitStack()

    def get(self, tmp_path_factory: pytest.TempPathFactory) -> RunningStack:
        if self._running is None:
            log = tmp_path_factory.mktemp("console-stack") / "stderr.log"
            # the service's clock runs 600x: a console session (12 h of it) would end after 72 s of one tab; the
            # backtest form polls the preview until routing is done, past its rate limit
            self._running = self._context.enter_context(local_stack(
                log, LOCAL_SES_FAIL_DOMAIN=FAIL_DOMAIN, LOCAL_CLOCK_RATE=CLOCK_RATE, CONSOLE_SESSION_HOURS="720",
                TRIGGER_PREVIEW_RATE_LIMIT="1000"))
        return self._running

    def stop(self) -> None:
        self._running = None
        self._context.close()


SHARED = SharedStack()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> RunningStack:
    return SHARED.get(tmp_path_factory)


@pytest.fixture(scope="module")
def admin(browser: Browser, stack: RunningStack) -> Iterator[Page]:
    """One signed-in admin tab for the whole module, as a person would keep one open."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=WIDE, base_url=stack.api_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, stack.values["ADMIN_TOKEN"])
    yield page
    context.close()


def sign_in(page: Page, token: str) -> None:
    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/console/sign-in$"))
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def card(page: Page, name: str) -> Any:
    return page.locator("li.integration").filter(has=page.get_by_role("heading", name=name, exact=True))


def api(stack: RunningStack, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(stack.api_url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {stack.values['ADMIN_TOKEN']}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
        return json.loads(raw) if raw else None
