"""Every kind of mail (tests/support/mail_kinds.py), its HTML as SES got it, in Chromium at 1280 and 390 px: the
headline shows, nothing scrolls sideways on a phone. Screenshots land in ``tests/artifacts/mail/<kind>-<width>.png``
(git-ignored). The mails are made on moto in process, as the scenario tier makes them; no local stack."""

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.fixtures import api, app, aws, fresh_aws, pipeline
from tests.support.mail_kinds import KINDS, Sent, made

__all__ = ["api", "app", "aws", "fresh_aws", "pipeline"]  # moto's fixtures, for this module only

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "mail"
pytestmark = pytest.mark.xdist_group("browser")  # one worker: one Chromium for the module
WIDTHS = (1280, 390)


@pytest.fixture
def sent(api, pipeline, frozen_clock) -> dict[str, Sent]:
    return made(api, pipeline, frozen_clock)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [kind.name for kind in KINDS])
def test_each_kind_reads_on_a_desktop_and_a_phone(browser: Browser, sent: dict[str, Sent], name: str,
                                                  width: int) -> None:
    message = BytesParser(policy=default).parsebytes(sent[name].raw)
    assert isinstance(message, EmailMessage)
    html = message.get_body(("html",))
    assert html is not None
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 600)
    try:
        page = context.new_page()
        page.set_content(html.get_content())
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)  # first: a failure has one too

        headline = page.get_by_role("heading", level=1)
        expect(headline).to_be_visible()
        box = headline.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}px"
    finally:
        context.close()
