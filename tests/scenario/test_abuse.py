"""Injection and abuse: hostile text never reaches a mail header or runs as markup, limits hold
(recipients, body size, rate limits under concurrent calls), tokens are compared in constant time."""

import hmac
import io
import re
import unicodedata
from collections import Counter
from email import message_from_bytes, policy
from typing import Any

import pytest
from pypdf import PdfReader

from app import app
from chalicelib import auth
from chalicelib.api.routing import OPERATIONS, Operation
from chalicelib.aws import blobs
from chalicelib.models.common import MAX_RECIPIENTS
from chalicelib.settings import get_settings
from tests.support.api import OPERATOR, Api, TenantHandle
from tests.support.checks import assert_error, detail_paths, integration_items
from tests.support.concurrency import concurrently
from tests.support.pipeline import outbox
from tests.support.world import concrete_path, make_objects, sample_body

assert app.routes, "importing the app registers its OPERATIONS"

# Line breaks of every kind, a NUL, a right-to-left override and zero-width characters, around a header.
TRICKS = "\r\nBcc: evil@x.io\u2028X-Injected: 1\u0085X-Next: 2\u2029\x00\u202e\u200b\ufeff\x1b[31m\v\f"
MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"
EXPECTED_HEADERS = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type",
                    "x-email-report-delivery",
                    "auto-submitted", "list-id", "list-unsubscribe", "list-unsubscribe-post",  # RFC 3834, 2919, 8058
                    "references", "in-reply-to",  # a vulnerability's, a trigger's or a report series' thread
                    "x-email-report-severity", "importance", "priority",  # for mail rules (email/severity.py)
                    "x-ses-message-tags", "x-ses-configuration-set"}  # instructions SES acts on and removes


def raw_headers(raw: bytes) -> list[tuple[str, str]]:
    """The top-level header fields as sent (unfolded), before any decoding."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ")
    fields = (line.partition(":") for line in unfolded.split("\r\n"))
    return [(name.strip().lower(), value) for name, _, value in fields]


def assert_clean_headers(raw: bytes) -> None:
    """Only our own header fields, each on one line, and no control or format character once decoded."""
    assert b"\x00" not in raw.split(b"\r\n\r\n", 1)[0]
    names = [name for name, _ in raw_headers(raw)]
    assert set(names) <= EXPECTED_HEADERS, names
    assert len(names) == len(set(names)), names
    message = message_from_bytes(raw, policy=policy.default)
    for name in ("From", "To", "Subject"):
        decoded = str(message[name])
        odd = {ch for ch in decoded if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}}
        assert not odd, (name, decoded)


def post_events(tenant: TenantHandle, *events: dict[str, Any]) -> None:
    status, body = tenant.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body


def hostile_events(text: str) -> list[dict[str, Any]]:
    """One event of each kind that has free text, every text field carrying ``text``."""
    at = "2026-11-25T09:30:00Z"
    return [
        {"id": "v1", "type": "vulnerability.detected", "time": at,
         "data": {"risk": "high", "title": f"SQLi {text}", "host": text, "path": text, "parameter": text,
                  "method": text, "type": text, "link": f"https://x.io/{text}"}},
        {"id": "u1", "type": "user.created", "time": at,
         "data": {"email": f"bob{text}@acme.io", "name": text, "role": "admin", "actor": text}},
        {"id": "u2", "type": "user.role_changed", "time": at,
         "data": {"email": text, "role": text, "previous_role": text, "actor": text}},
        {"id": "a1", "type": "application.renamed", "time": at,
         "data": {"name": text, "previous_name": text, "application_id": text, "actor": text}},
        {"id": "s1", "type": "scope.changed", "time": at,
         "data": {"changes": [{"kind": "host", "action": "added", "value": text}]}},
    ]


# --- headers ---------------------------------------------------------------------------------


def test_line_breaks_and_unicode_tricks_in_event_data_never_reach_a_header(acme: TenantHandle,
                                                                          pipeline: Any) -> None:
    # GIVEN an integration subscribed to every notification kind
    acme.integration(name="All", emails="all@acme.io", events=["system", "vuln", "scope"])
    # WHEN events carry header tricks in every text field
    post_events(acme, *hostile_events(TRICKS))
    pipeline.drain()
    # THEN each mail was sent, with only our header fields, none of them carrying a control character
    mails = [mail for mail in outbox() if mail.to == ["all@acme.io"]]
    assert len(mails) == 5
    for mail in mails:
        assert_clean_headers(mail.raw)
        assert mail.to == ["all@acme.io"]


def test_tricks_in_integration_and_tenant_names_never_reach_a_header(api: Api, pipeline: Any) -> None:
    # GIVEN names with the tricks a name may hold (line breaks, bidi overrides, zero-width: refused at the door)
    for name in ("SOC\r\nBcc: evil@x.io", "SOC\u2028X: 1", "SOC\x00", "SOC\u0085X: 1", "Evil\u202eCorp",
                 "SOC\u200b"):
        status, body, _ = api.call("POST", "/v1/tenants", body={"name": name, "primary_email": "a@b.io"},
                                   headers=OPERATOR)
        assert_error((status, body), 422)
    tenant = api.tenant("Evil: Corp", "sec@evil.io")
    soc = tenant.integration(name="SOC: Bcc evil@x.io", emails="soc@evil.io", events=["system"])
    # WHEN it is disabled and deleted, which is announced to system subscribers with its name
    tenant.call("POST", f"/v1/integrations/{soc['id']}/disable")
    tenant.call("POST", f"/v1/integrations/{soc['id']}/enable")
    tenant.call("DELETE", f"/v1/integrations/{soc['id']}")
    pipeline.drain()
    # THEN the notices went out with clean headers
    subjects = [mail.subject for mail in outbox()]
    assert any(subject.startswith("Integration disabled: SOC") for subject in subjects), subjects
    assert any(subject.startswith("Integration deleted: SOC") for subject in subjects), subjects
    for mail in outbox():
        assert_clean_headers(mail.raw)


# --- markup ----------------------------------------------------------------------------------


def test_markup_in_any_field_is_escaped_in_every_email(api: Api, pipeline: Any) -> None:
    # GIVEN a tenant and an integration whose names are markup
    tenant = api.tenant(f"Acme {MARKUP}", "sec@acme.io")
    soc = tenant.integration(name=f"SOC {MARKUP}", emails="soc@acme.io",
                             events=["system", "vuln", "scope", "report_weekly"])
    # WHEN every kind of event carries markup in every text field, and a test sends the samples and a report
    post_events(tenant, *hostile_events(MARKUP))
    pipeline.drain()
    assert tenant.call("POST", f"/v1/integrations/{soc['id']}/test")[1]["ok"]
    for item in tenant.call("GET", "/v1/integrations")[1]["items"]:
        tenant.call("POST", f"/v1/integrations/{item['id']}/disable")
    pipeline.drain()
    # THEN no HTML part holds the markup as markup, only escaped
    mails = outbox()
    assert len(mails) >= 10 and any(mail.attachments for mail in mails)
    for mail in mails:
        assert "<script" not in mail.html.lower() and "<img src=x" not in mail.html.lower(), mail.subject
        assert "javascript:" not in mail.html.lower()
    assert sum("&lt;script&gt;" in mail.html for mail in mails) >= 6


def test_markup_in_security_data_is_literal_text_in_the_pdf(acme: TenantHandle) -> None:
    # GIVEN attacks, a vulnerability and an incident whose text is markup
    at = "2026-11-24T09:00:00Z"
    post_events(acme,
                {"id": "a1", "type": "attack.detected", "time": at, "data": {"type": MARKUP, "host": MARKUP}},
                {"id": "v1", "type": "vulnerability.detected", "time": at,
                 "data": {"risk": "high", "title": MARKUP, "host": MARKUP}},
                {"id": "i1", "type": "incident.detected", "time": at, "data": {"title": MARKUP}})
    # WHEN the day's report is rendered
    status, report = acme.call("POST", "/v1/reports/preview", {"frequency": "daily", "period_end": "2026-11-24"})
    assert status == 200, report
    pdf = blobs.get(next(key for key in _preview_keys(acme.id)))
    # THEN the markup is printed as it was written, and the PDF carries no script
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "<script>alert(1)</script>" in text
    assert not re.search(rb"/(JavaScript|JS|Launch|AA)\b", pdf)


def _preview_keys(tenant_id: str) -> list[str]:
    from chalicelib.aws.clients import client

    listed = client("s3").list_objects_v2(Bucket=get_settings().reports_bucket, Prefix=f"previews/{tenant_id}/")
    return [item["Key"] for item in listed.get("Contents", [])]


# --- limits ----------------------------------------------------------------------------------


def addresses(count: int, domain: str = "acme.io") -> list[str]:
    return [f"user{n}@{domain}" for n in range(count)]


@pytest.mark.parametrize("emails", [addresses(MAX_RECIPIENTS + 1), ", ".join(addresses(MAX_RECIPIENTS + 1)),
                                    addresses(500)], ids=["list", "comma-separated", "500"])
def test_recipients_never_exceed_the_limit(acme: TenantHandle, emails: Any) -> None:
    integration = acme.integration(name="SOC", emails="a@acme.io")
    before = integration_items(acme.id)
    for method, path, body in [
        ("POST", "/v1/integrations", {"name": "Big", "emails": emails}),
        ("PATCH", f"/v1/integrations/{integration['id']}", {"emails": emails}),
        ("POST", "/v1/integrations/test", {"name": "Big", "emails": emails}),
    ]:
        assert detail_paths(assert_error(acme.call(method, path, body), 422, "validation_failed")) == ["emails"]
    assert integration_items(acme.id) == before
    assert outbox() == []


def test_fifty_recipients_and_their_duplicates_are_accepted(acme: TenantHandle) -> None:
    emails = addresses(MAX_RECIPIENTS) + [address.upper() for address in addresses(MAX_RECIPIENTS)]
    assert len(acme.integration(name="Fifty", emails=emails)["emails"]) == MAX_RECIPIENTS


WITH_BODY = [op for op in OPERATIONS if op.body]


@pytest.mark.parametrize("op", WITH_BODY, ids=lambda op: f"{op.method} {op.path}")
def test_every_body_over_64_kib_is_too_large(api: Api, acme: TenantHandle, pipeline: Any, op: Operation) -> None:
    ids = make_objects(acme, pipeline, op.path_params)
    body = '{"padding": "' + "x" * (get_settings().max_body_bytes) + '"}'
    token = None if op.access == "operator" else acme.token
    headers = OPERATOR if op.access == "operator" else None
    status, answer, _ = api.call(op.method, concrete_path(op, ids), body, token=token, headers=headers)
    assert_error((status, answer), 413, "payload_too_large")


# --- rate limits under concurrent calls ---------------------------------------------------------


def test_the_test_integration_rate_limit_holds_under_concurrent_calls(api: Api, acme: TenantHandle) -> None:
    integration = acme.integration(name="SOC", emails="soc@acme.io", events=["system"])
    path = f"/v1/integrations/{integration['id']}/test"
    results = concurrently([lambda: api.call("POST", path, token=acme.token)[:2]] * 12)
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: get_settings().test_rate_limit, 429: 12 - get_settings().test_rate_limit}
    assert len(outbox()) == get_settings().test_rate_limit


def test_the_tenants_test_limit_holds_under_concurrent_calls_across_integrations_and_drafts(
        api: Api, acme: TenantHandle) -> None:
    # GIVEN three integrations of one tenant
    settings = get_settings()
    paths = [f"/v1/integrations/{acme.integration(name=f'SOC {n}', emails='soc@acme.io', events=['system'])['id']}"
             "/test" for n in range(3)]
    draft = {"name": "Draft", "emails": "draft@acme.io", "events": ["system"]}
    # WHEN each of them and the draft form are tested four times, all at the same moment
    calls = [lambda path=path: api.call("POST", path, token=acme.token)[:2] for path in paths] * 4
    calls += [lambda: api.call("POST", "/v1/integrations/test", draft, token=acme.token)[:2]] * 4
    results = concurrently(calls)
    # THEN exactly the tenant's limit ran and sent its sample, the rest were refused with the tenant's reason
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: settings.test_tenant_rate_limit, 429: 16 - settings.test_tenant_rate_limit}
    assert len(outbox()) == settings.test_tenant_rate_limit
    for status, body in results:
        if status == 429:
            assert "per tenant" in assert_error((status, body), 429, "rate_limited")["message"]


def test_the_report_preview_rate_limit_holds_under_concurrent_calls(api: Api, acme: TenantHandle) -> None:
    limit = get_settings().preview_rate_limit

    def preview() -> tuple[int, Any]:
        return api.call("POST", "/v1/reports/preview", {"frequency": "daily"}, token=acme.token)[:2]

    results = concurrently([preview] * (limit + 4))
    assert Counter(status for status, _ in results) == {200: limit, 429: 4}
    for status, body in results:
        if status == 429:
            assert_error((status, body), 429, "rate_limited")


# --- tokens -------------------------------------------------------------------------------------


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes | str, bytes | str]]:
    """Every ``hmac.compare_digest`` call that authentication makes."""
    calls: list[tuple[bytes | str, bytes | str]] = []
    real = hmac.compare_digest

    def record(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", record)
    return calls


def test_tenant_tokens_are_compared_in_constant_time(acme: TenantHandle, compared: list[Any]) -> None:
    for token, status in [(acme.token, 200), (acme.token[:-1] + "x", 401), ("ert_0123456789abcdef_guess", 401)]:
        compared.clear()
        assert acme.call("GET", "/v1/tenant", token=token)[0] == status
        # the secret's hash is compared with compare_digest, even for an unknown token id
        assert len(compared) == 1 and all(len(side) == 64 for side in compared[0]), compared


def test_the_operator_token_is_compared_in_constant_time(api: Api, compared: list[Any]) -> None:
    for header, status in [(OPERATOR, 201), ({"Authorization": "Bearer operator-secreT"}, 401)]:
        compared.clear()
        response = api.call("POST", "/v1/tenants", body={"name": "X", "primary_email": "x@x.io"}, headers=header)
        assert response[0] == status
        assert [b for _, b in compared] == [b"operator-secret"]


def test_a_revoked_token_stops_working_at_once_for_every_operation(api: Api, acme: TenantHandle,
                                                                   pipeline: Any) -> None:
    # GIVEN an admin token that works, and a second one to revoke it with
    doomed, spare = acme.token_for("admin"), acme.token_for("admin")
    assert acme.call("GET", "/v1/tenant", token=doomed)[0] == 200
    doomed_id = doomed.split("_")[1]
    assert acme.call("DELETE", f"/v1/tokens/{doomed_id}", token=spare)[0] == 204
    # THEN the very next request of any operation with it is refused
    ids = make_objects(acme, pipeline)
    for op in OPERATIONS:
        if op.access in ("public", "operator"):
            continue
        response = api.call(op.method, concrete_path(op, ids), sample_body(op), token=doomed)
        assert_error(response[:2], 401, "unauthorized")
