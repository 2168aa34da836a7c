"""Snoozes and mutes on the in-memory stores: which recipients the delivery worker holds a mail back from (and how
the log says so, and how a redrive sends it later), and what a mail's signed link may do (GET shows, POST acts once,
then never again; tampered, foreign, mismatched or expired links act never)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest

from chalicelib.aws import mailer
from chalicelib.delivery import outbox, worker
from chalicelib.email import snooze_links
from chalicelib.email.list_headers import MailingList
from chalicelib.email.message import Content
from chalicelib.errors import Gone, NotFound
from chalicelib.models.deliveries import Delivery
from chalicelib.models.integrations import Integration
from chalicelib.models.snoozes import Snooze, about_trigger, about_vulnerability
from chalicelib.models.tenants import Tenant
from chalicelib.snoozes import rules, service
from chalicelib.stores import Stores
from tests.support.clock import FrozenClock
from tests.support.fakes import fake_stores
from tests.support.fakes.deliveries import FakeDeliveries
from tests.support.fakes.snoozes import FakeSnoozes

TENANT = "t-1"
ALERTS = about_trigger("tr-1")


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses SES is asked to send to, in order."""
    addresses: list[str] = []

    def send_raw(sender: str, recipients: list[str], raw: bytes) -> str:
        addresses.extend(recipients)
        return f"m-{len(addresses)}"

    monkeypatch.setattr(mailer, "send_raw", send_raw)
    return addresses


@pytest.fixture
def stores(frozen_clock: FrozenClock) -> Stores:
    """A tenant with the integration ``soc`` (two recipients), for the worker and for the link pages."""
    held_by = FakeSnoozes()
    deliveries = FakeDeliveries(tenants={TENANT}, snoozes=held_by.rows)
    built = replace(fake_stores(), deliveries=deliveries, snoozes=held_by)
    now = frozen_clock.moment
    soc = Integration(id="soc", tenant_id=TENANT, name="SOC", emails=["a@acme.io", "b@acme.io"],
                      events=["vuln_high"], created_at=now, updated_at=now, unsubscribe_key="key-soc")
    deliveries.integrations[TENANT, "soc"] = soc
    built.integrations.create(soc)
    built.tenants.live[TENANT] = Tenant(id=TENANT, name="Acme", primary_email="sec@acme.io", created_at=now)  # type: ignore[attr-defined]
    return built


def queued(stores: Stores, about: str | None, name: str = "d1", *, named: bool = True) -> dict[str, Any]:
    """A queued delivery about ``about`` to ``soc`` and the message of its first try (``named``: the message
    says what it is about, as the outbox writes it; not: one queued before messages said)."""
    now = stores.integrations.get(TENANT, "soc").created_at  # type: ignore[union-attr]
    delivery = Delivery(id=name, tenant_id=TENANT, integration_id="soc", kind="alert",
                        subject="Trigger “Bursts”: 120 attacks", html="<p>x</p>", text="x", created_at=now,
                        updated_at=now, next_try_at=now, about=about)
    stores.deliveries.create_all([delivery])
    message = outbox.first_try(delivery, now, ["a@acme.io", "b@acme.io"])
    assert ("about" in message) == bool(about)
    return message if named else {key: value for key, value in message.items() if key != "about"}


def snooze(stores: Stores, about: str, address: str | None, hours: float | None) -> Snooze:
    now = stores.integrations.get(TENANT, "soc").created_at  # type: ignore[union-attr]
    made = Snooze(id=rules.snooze_id("soc", about, address), tenant_id=TENANT, integration_id="soc",
                  kind="snooze" if hours else "mute", about=about, label="x", address=address,
                  until=now + timedelta(hours=hours) if hours else None, created_by=address or "admin",
                  created_at=now)
    stores.snoozes.record(made)
    return made


def row(stores: Stores, name: str = "d1") -> Delivery:
    found = stores.deliveries.get(TENANT, name)
    assert found is not None
    return found


def test_a_snoozed_recipient_is_skipped_with_the_reason_and_gets_the_mail_on_a_redrive_after_it_ends(
        stores: Stores, sent: list[str], frozen_clock: FrozenClock) -> None:
    # GIVEN a.acme.io snoozed the trigger's alerts for an hour
    snooze(stores, ALERTS, "A@acme.io", 1)
    # WHEN an alert of that trigger is delivered
    message = queued(stores, ALERTS)
    worker.process(stores, message)
    # THEN only b gets it; the log says a was skipped, by whose snooze and until when
    held = row(stores)
    assert sent == ["b@acme.io"]
    assert (held.status, held.recipients_sent, held.recipients_pending) == ("skipped", ["b@acme.io"], ["a@acme.io"])
    [skipped] = [a for a in held.attempts if a.outcome == "skipped"]
    assert skipped.recipient == "a@acme.io" and "snoozed for A@acme.io by A@acme.io until 2026-11-25 11:00" in (
        skipped.error or "")
    assert held.reason and held.reason.startswith("held back by a snooze or mute: a@acme.io: snoozed")
    assert "redrive" in held.reason
    # AND an alert of another trigger, and mail about nothing snoozable, reach both
    worker.process(stores, queued(stores, about_trigger("tr-2"), "d2"))
    worker.process(stores, queued(stores, None, "d3"))
    assert sent == ["b@acme.io", "a@acme.io", "b@acme.io", "a@acme.io", "b@acme.io"]
    # WHEN the snooze has ended and the skipped delivery is redriven
    frozen_clock.advance(hours=1)
    assert stores.deliveries.restart(held, frozen_clock.moment)
    worker.process(stores, {**message, "due": frozen_clock.moment.isoformat()})
    # THEN the one it held back gets it, and only that one
    assert sent[5:] == ["a@acme.io"]
    assert row(stores).status == "sent" and row(stores).recipients_sent == ["b@acme.io", "a@acme.io"]


@pytest.mark.parametrize("named", [True, False], ids=["message-names-it", "queued-before-messages-named-it"])
def test_an_integration_wide_snooze_holds_everyone_and_sends_nothing(stores: Stores, sent: list[str],
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     named: bool) -> None:
    snooze(stores, ALERTS, None, 24)
    reads: list[set[str]] = []
    get_many = stores.snoozes.get_many
    monkeypatch.setattr(stores.snoozes, "get_many", lambda t, ids: reads.append(ids) or get_many(t, ids))

    worker.process(stores, queued(stores, ALERTS, named=named))

    # the batch's one read finds the snoozes a message names; one it does not name costs a read of its own
    assert len(reads) == (0 if named else 1)

    held = row(stores)
    assert sent == [] and held.status == "skipped" and held.recipients_pending == ["a@acme.io", "b@acme.io"]
    assert "every recipient of the integration" in (held.reason or "")
    assert stores.deliveries.requests[TENANT, "soc", "total"] == 0  # type: ignore[attr-defined]


def test_a_mute_holds_mail_about_the_vulnerability_until_its_status_changes(stores: Stores, sent: list[str],
                                                                           frozen_clock: FrozenClock) -> None:
    opened = frozen_clock.moment - timedelta(days=3)
    snooze(stores, about_vulnerability("v-1", "open", opened), "a@acme.io", None)
    frozen_clock.advance(days=30)  # a mute has no end of its own

    worker.process(stores, queued(stores, about_vulnerability("v-1", "open", opened)))
    worker.process(stores, queued(stores, about_vulnerability("v-1", "closed", frozen_clock.moment), "fixed"))

    assert sent == ["b@acme.io", "a@acme.io", "b@acme.io"]
    assert "until the vulnerability's status changes" in (row(stores).reason or "")


def test_the_holding_rule_picks_the_snooze_of_the_integration_its_subject_and_time() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    base = {"tenant_id": TENANT, "kind": "snooze", "label": "x", "created_by": "x", "created_at": now}
    mine = Snooze(id=rules.snooze_id("soc", ALERTS, "a@x.io"), integration_id="soc", about=ALERTS, address="a@x.io",
                  until=now + timedelta(minutes=1), **base)
    ended = Snooze(id=rules.snooze_id("soc", ALERTS, "b@x.io"), integration_id="soc", about=ALERTS, address="b@x.io",
                   until=now, **base)
    other = Snooze(id=rules.snooze_id("ops", ALERTS, None), integration_id="ops", about=ALERTS, until=None, **base)

    assert rules.holding([mine, ended, other], "soc", ALERTS, ["A@X.io", "b@x.io", "c@x.io"], now) == {"A@X.io": mine}
    assert rules.holding([mine], "soc", about_trigger("tr-2"), ["a@x.io"], now) == {}
    assert rules.holding([other], "ops", ALERTS, ["a@x.io", "c@x.io"], now) == {"a@x.io": other, "c@x.io": other}
    assert rules.snooze_id("soc", ALERTS, " A@x.io") == rules.snooze_id("soc", ALERTS, "a@x.io") != rules.snooze_id(
        "soc", ALERTS, None)


def _token(link: str) -> str:
    return urlparse(link).path.rpartition("/")[2]


def _links(about: str | None) -> dict[str, str]:
    """The links a mail about ``about`` carries for a@acme.io, by action, from its text part."""
    marks = "\n".join(snooze_links.MARKS.values())
    content = Content("Trigger “Bursts”: 120 attacks", f"<p>{marks}</p>", f"Hello\n{marks}\nBye")
    addressed, _ = MailingList(TENANT, "soc", "key-soc", about).addressed(content, "a@acme.io")
    lines = addressed.text.splitlines()
    assert lines[0] == "Hello" and lines[-1] == "Bye" and "%%" not in addressed.text + addressed.html
    return {action: line for action, line in zip(snooze_links.actions(about), lines[1:-1], strict=True)}


def test_a_mail_carries_the_links_of_what_it_is_about_and_no_line_otherwise() -> None:
    assert set(_links(ALERTS)) == {"1h", "1d"}
    assert set(_links(about_vulnerability("v-1", "open", datetime(2026, 1, 1, tzinfo=UTC)))) == {"mute"}
    assert _links(None) == {}


def test_a_link_shows_without_acting_acts_once_and_then_is_gone(stores: Stores, frozen_clock: FrozenClock) -> None:
    token = _token(_links(ALERTS)["1h"])

    shown = service.follow(stores, token)
    assert (shown.address, shown.action, shown.label) == ("a@acme.io", "1h", "Trigger “Bursts”: 120 attacks")
    assert stores.snoozes.page(TENANT, 10, None) == ([], None)  # a GET (a mail scanner) changes nothing

    _, made = service.act(stores, token)
    assert (made.address, made.until, made.kind, made.created_by) == (
        "a@acme.io", frozen_clock.moment + timedelta(hours=1), "snooze", "a@acme.io")
    with pytest.raises(Gone, match="already used"):
        service.act(stores, token)
    with pytest.raises(Gone, match="already used"):
        service.follow(stores, token)
    assert stores.snoozes.page(TENANT, 10, None)[0] == [made]


@pytest.mark.parametrize("spoil", ["tampered", "foreign key", "other purpose", "mismatched action", "expired",
                                   "address removed"])
def test_a_bad_link_acts_never(stores: Stores, frozen_clock: FrozenClock, spoil: str) -> None:
    token = _token(_links(ALERTS)["1d"])
    parts = snooze_links.SIGNED.claims(token)
    if spoil == "tampered":
        token = token[:-10] + ("A" if token[-10] != "A" else "B") + token[-9:]  # a signature character
    elif spoil == "foreign key":
        token = snooze_links.SIGNED.token(parts, "another-integrations-key")
    elif spoil == "other purpose":  # an unsubscribe token of the same integration is no snooze link
        token = MailingList(TENANT, "soc", "key-soc").link("a@acme.io").rpartition("/")[2]  # type: ignore[union-attr]
    elif spoil == "mismatched action":
        token = snooze_links.SIGNED.token([*parts[:3], "mute", *parts[4:]], "key-soc")
    elif spoil == "expired":
        frozen_clock.advance(days=snooze_links.LINK_DAYS, seconds=1)
    else:
        soc = stores.integrations.get(TENANT, "soc")
        assert soc is not None
        stores.integrations.replace(soc, soc.model_copy(update={"emails": ["b@acme.io"]}))

    with pytest.raises(Gone if spoil == "expired" else NotFound):
        service.act(stores, token)
    assert stores.snoozes.page(TENANT, 10, None) == ([], None)
