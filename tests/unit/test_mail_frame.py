"""Every mail is framed by the one base context (``email/compose.py``): instant notifications, trigger alerts,
the report mail and its Test-integration sample show the same product, tenant and console link."""

import html
from datetime import UTC, date, datetime, timedelta

from chalicelib.email import alerts, compose, notifications, reminders, reports
from chalicelib.email.message import Content
from chalicelib.models.events import Event
from chalicelib.models.reports import Report, ReportFigure
from chalicelib.models.security import Vulnerability
from chalicelib.models.triggers import Tally, ThresholdCondition, Trigger, UserAddedCondition
from chalicelib.reports.content import overdue_rows

AT = datetime(2026, 11, 25, 10, tzinfo=UTC)
REPORT = Report(id="r", tenant_id="acme", frequency="weekly", period_key="2026-W48",
                period_label="Week 48: 23 – 29 November 2026", timezone="Europe/Berlin", first_day=date(2026, 11, 23),
                last_day=date(2026, 11, 29), period_start=AT, period_end=AT, generated_at=AT, size_bytes=2048,
                empty=False, figures=[ReportFigure(name="attacks", label="Attacks", value=12, previous=10)],
                object_key="reports/acme/weekly/2026-W48.pdf")


def trigger(condition: ThresholdCondition | UserAddedCondition) -> Trigger:
    return Trigger(id="t", tenant_id="acme", name="Watch", integration_ids=["i"], condition=condition, created_at=AT,
                   updated_at=AT)


def every_kind() -> dict[str, Content]:
    event = Event.model_construct(id="e", type="user.created", time=AT, data={"email": "new@acme.io"})
    spike = trigger(ThresholdCondition(type="threshold", metric="attacks", interval="hour", threshold=10))
    return {
        "notification": notifications.render(event, "Acme Corp"),
        "threshold alert": alerts.threshold(spike, "Acme Corp", "UTC", Tally(count=12, events=12), AT,
                                            AT + timedelta(hours=1)),
        "grouped alert": alerts.group(trigger(UserAddedCondition(type="user_added")), "Acme Corp", "UTC",
                                      [alerts.entry(event)]),
        "report": reports.mail("Acme Corp", REPORT),
        "report sample": reports.sample("Acme Corp", REPORT, b"%PDF-1.4"),
        "sla reminder": reminders.mail("Acme Corp", overdue_rows(
            [Vulnerability(id="v", at=AT - timedelta(days=9), risk="high", title="SQLi")], AT, {}, "UTC"), AT, "UTC",
            {"high": 7, "medium": 30, "low": 90}),
    }


def test_every_kind_of_mail_is_framed_by_the_one_base_context(monkeypatch) -> None:
    # GIVEN the one base context, with a product and console link no mail spells out on its own
    real = compose.base
    monkeypatch.setattr(compose, "base", lambda tenant_name, when, test=False: {
        **real(tenant_name, when, test), "product": "Framed Product", "console_url": "https://frame.example/c"})

    # WHEN every kind of mail is built
    mails = every_kind()

    # THEN each shows the frame, in both its parts
    for kind, mail in mails.items():
        for part in (mail.html, mail.text):
            assert "Framed Product" in part and "Acme Corp" in part, kind
            assert "https://frame.example/c" in part, kind


def test_only_the_sample_is_marked_as_a_test_and_carries_its_pdf() -> None:
    mails = every_kind()

    assert [kind for kind, mail in mails.items() if "test message" in mail.text] == ["report sample"]
    [attachment] = mails["report sample"].attachments
    assert (attachment.filename, attachment.data) == ("SAMPLE-Acme-Corp-weekly-report-2026-W48.pdf", b"%PDF-1.4")
    assert mails["report"].attachments == ()


def test_every_kind_of_mail_leads_with_a_hidden_preheader_saying_what_happened() -> None:
    for kind, mail in every_kind().items():
        body = mail.html.split("<body", 1)[1].split(">", 1)[1].lstrip()
        assert body.startswith('<div style="display:none;'), kind  # hidden, and before anything visible
        assert body.split(">", 1)[1].startswith(html.escape(mail.summary, quote=False)), kind
    assert every_kind()["threshold alert"].summary.startswith("Trigger “Watch”: more than 10 attacks in one hour")
