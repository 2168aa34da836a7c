"""Unsubscribe links and the list headers (``chalicelib.email.list_headers``): pure, on the injected clock."""

import base64
import json

import pytest

from chalicelib.email.list_headers import FOOTER_LINK, MailingList, claims, token, verify
from chalicelib.email.message import Content
from chalicelib.errors import Gone, NotFound
from tests.support.clock import FrozenClock

KEY = "k" * 43
LINK = ("t-1", "i-1", "ann@acme.io")


def test_a_token_names_its_tenant_integration_and_address_and_verifies_with_its_key() -> None:
    made = token(*LINK, KEY)
    assert claims(made) == LINK
    verify(made, KEY)  # no error


def test_another_key_or_a_changed_character_is_not_found() -> None:
    made = token(*LINK, KEY)
    with pytest.raises(NotFound):
        verify(made, "another-key")
    payload, stamp, signature = made.rsplit(".", 2)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]  # the last character has padding bits
    with pytest.raises(NotFound):
        verify(f"{payload}.{stamp}.{flipped}", KEY)


def test_a_payload_swapped_for_another_address_keeps_no_signature() -> None:
    made = token(*LINK, KEY)
    _, stamp, signature = made.rsplit(".", 2)
    forged = base64.urlsafe_b64encode(json.dumps(["t-1", "i-1", "eve@acme.io"]).encode()).decode().rstrip("=")
    assert claims(f"{forged}.{stamp}.{signature}") == ("t-1", "i-1", "eve@acme.io")  # readable, not trusted
    with pytest.raises(NotFound):
        verify(f"{forged}.{stamp}.{signature}", KEY)


@pytest.mark.parametrize("value", ["", "x", "a.b.c", "!!!", "e30.AAAA.BBBB", "a" * 700,
                                   base64.urlsafe_b64encode(b'["only-two", "parts"]').decode() + ".x.y"])
def test_malformed_tokens_name_nothing(value: str) -> None:
    with pytest.raises(NotFound):
        claims(value)


def test_a_link_works_for_the_configured_days_then_is_gone(frozen_clock: FrozenClock) -> None:
    made = token(*LINK, KEY)
    frozen_clock.advance(days=60)
    verify(made, KEY)
    frozen_clock.advance(seconds=1)
    with pytest.raises(Gone):
        verify(made, KEY)


def test_headers_give_a_list_id_and_a_one_click_link_per_address() -> None:
    listing = MailingList("t-1", "i-1", KEY)
    ann, bob = (listing.addressed(Content("s", "", ""), address)[1] for address in ("ann@acme.io", "bob@acme.io"))
    assert ann["List-Id"] == "Email Report <i-1.t-1.email-report.local>"
    assert ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    prefix = "<http://127.0.0.1:8000/console/unsubscribe/"
    assert ann["List-Unsubscribe"].startswith(prefix) and ann["List-Unsubscribe"].endswith(">")
    assert ann["List-Unsubscribe"] != bob["List-Unsubscribe"]
    assert claims(ann["List-Unsubscribe"][len(prefix):-1]) == LINK


def test_a_draft_or_keyless_list_has_an_id_but_no_unsubscribe_and_ids_stay_dot_atoms() -> None:
    assert MailingList("t-1", None, None).addressed(Content("s", "", ""), "ann@acme.io")[1] == {
        "List-Id": "Email Report <draft.t-1.email-report.local>"}
    odd = MailingList("t 1<", "i.1", None).headers(None)
    assert odd == {"List-Id": "Email Report <i-1.t-1-.email-report.local>"}


FOOTER = f"Body with an injected {FOOTER_LINK} in the event data.\nSettings: …\nUnsubscribe: {FOOTER_LINK}\nEnd\n"


def test_the_footer_gets_each_recipients_link_in_its_last_place_only() -> None:
    listing = MailingList("t-1", "i-1", KEY)
    content = Content("s", FOOTER.replace("Unsubscribe: ", "<a href=\""), FOOTER)
    mail, got = listing.addressed(content, "ann@acme.io")
    link = got["List-Unsubscribe"][1:-1]
    assert mail.text == FOOTER.replace(f"Unsubscribe: {FOOTER_LINK}", f"Unsubscribe: {link}")
    assert mail.text.count(FOOTER_LINK) == 1  # the event's copy is left as text
    assert f'<a href="{link}' in mail.html


def test_without_a_link_the_footer_line_goes_and_old_bodies_stay_as_they_were() -> None:
    mail, _ = MailingList("t-1", None, None).addressed(Content("s", FOOTER, FOOTER), "ann@acme.io")
    assert mail.text == mail.html == FOOTER.replace(f"Unsubscribe: {FOOTER_LINK}\n", "")
    stored = Content("s", "<p>old</p>", "old")
    assert MailingList("t-1", "i-1", KEY).addressed(stored, "ann@acme.io")[0] == stored
