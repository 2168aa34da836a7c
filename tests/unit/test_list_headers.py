"""Unsubscribe links and the list headers (``chalicelib.email.list_headers``): pure, on the injected clock."""

import base64
import json

import pytest

from chalicelib.email.list_headers import MailingList, claims, token, verify
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
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
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
    ann, bob = listing.headers("ann@acme.io"), listing.headers("bob@acme.io")
    assert ann["List-Id"] == "Email Report <i-1.t-1.email-report.local>"
    assert ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    prefix = "<http://127.0.0.1:8000/console/unsubscribe/"
    assert ann["List-Unsubscribe"].startswith(prefix) and ann["List-Unsubscribe"].endswith(">")
    assert ann["List-Unsubscribe"] != bob["List-Unsubscribe"]
    assert claims(ann["List-Unsubscribe"][len(prefix):-1]) == LINK


def test_a_draft_or_keyless_list_has_an_id_but_no_unsubscribe_and_ids_stay_dot_atoms() -> None:
    assert MailingList("t-1", None, None).headers("ann@acme.io") == {
        "List-Id": "Email Report <draft.t-1.email-report.local>"}
    odd = MailingList("t 1<", "i.1", None).headers("ann@acme.io")
    assert odd == {"List-Id": "Email Report <i-1.t-1-.email-report.local>"}
