"""Unit tests of input normalisation: email addresses, event types, names, time zones (no AWS)."""

import re
import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.models.common import ADDRESS_PATTERN, MAX_RECIPIENTS, NAME_PATTERN, mail_address, normalise_address
from chalicelib.models.events import EVENT_TYPES
from chalicelib.models.integrations import DEFAULT_EVENTS, IntegrationCreate, IntegrationUpdate
from chalicelib.models.tenants import TenantCreate, TenantUpdate
from chalicelib.models.tokens import TokenCreate
from chalicelib.models.triggers import TriggerCreate, TriggerUpdate


def create(**fields: object) -> IntegrationCreate:
    return IntegrationCreate.model_validate({"name": "SOC", "emails": "a@acme.io", **fields})


def error_locs(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[object, ...]]:
    return [error["loc"] for error in exc.value.errors()]


# --- email addresses ---------------------------------------------------------------------


def test_address_domain_is_lowercased_and_local_part_kept() -> None:
    # GIVEN an address typed with capitals WHEN normalised THEN only the domain is lower-cased
    assert normalise_address("Alice@ACME.IO") == "Alice@acme.io"


def test_internationalised_domain_is_normalised() -> None:
    assert normalise_address("a@BÜCHER.example") == "a@bücher.example"


@pytest.mark.parametrize("raw", ["", "plain", "a@", "@acme.io", "a b@acme.io", "Bob <a@acme.io>",
                                 "a@acme.io\r\nBcc: x@evil.io", "a@acme.io\n", "a@@acme.io"])
def test_invalid_address_is_rejected_naming_it(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a valid email address") as exc:
        normalise_address(raw)
    assert repr(raw) in str(exc.value)


def test_comma_separated_string_is_split_trimmed_and_normalised() -> None:
    # GIVEN the console's comma-separated input with blanks and empty entries
    data = create(emails=" a@acme.io ,b@ACME.io,, c@acme.io ,")
    # THEN each address is trimmed, validated and normalised, in the order given
    assert data.emails == ["a@acme.io", "b@acme.io", "c@acme.io"]


def test_list_input_is_accepted() -> None:
    assert create(emails=["a@acme.io", "b@acme.io"]).emails == ["a@acme.io", "b@acme.io"]


def test_list_items_are_trimmed_like_the_string_form() -> None:
    assert create(emails=[" a@acme.io ", "b@acme.io\t"]).emails == ["a@acme.io", "b@acme.io"]


def test_duplicates_are_removed_case_insensitively_keeping_the_first_spelling() -> None:
    data = create(emails="Alice@acme.io, alice@ACME.IO, ALICE@acme.io, bob@acme.io")
    assert data.emails == ["Alice@acme.io", "bob@acme.io"]


@pytest.mark.parametrize("emails", ["", " , ,", []])
def test_no_address_is_rejected(emails: object) -> None:
    with pytest.raises(ValidationError, match="at least one email address") as exc:
        create(emails=emails)
    assert error_locs(exc) == [("emails",)]


def test_fifty_addresses_are_accepted_and_fifty_one_rejected() -> None:
    fifty = [f"user{n}@acme.io" for n in range(MAX_RECIPIENTS)]
    assert len(create(emails=fifty).emails) == MAX_RECIPIENTS
    with pytest.raises(ValidationError, match="at most 50"):
        create(emails=[*fifty, "one.more@acme.io"])


def test_the_limit_counts_distinct_addresses() -> None:
    fifty = [f"user{n}@acme.io" for n in range(MAX_RECIPIENTS)]
    assert len(create(emails=[*fifty, "USER0@acme.io"]).emails) == MAX_RECIPIENTS


def test_every_rejected_address_is_named_with_its_index() -> None:
    with pytest.raises(ValidationError) as exc:
        create(emails="ok@acme.io, bad, also@ok.io, worse@, x@@y.io")
    errors = exc.value.errors()
    assert [error["loc"] for error in errors] == [("emails", 1), ("emails", 3), ("emails", 4)]
    assert ["'bad'" in errors[0]["msg"], "'worse@'" in errors[1]["msg"], "'x@@y.io'" in errors[2]["msg"]] == [True] * 3


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.from_regex(f"^{ADDRESS_PATTERN}$", fullmatch=True))
def test_every_address_the_schema_promises_is_accepted(address: str) -> None:
    assert normalise_address(address)


@pytest.mark.parametrize("raw", ["=?utf-8?q?=0A?=x@acme.io", "a=?b@acme.io", "=?utf-8?b?DQo=?=@acme.io",
                                 "j\u00f6rg@acme.io"])
def test_an_address_no_mail_header_or_ses_can_carry_is_refused_and_the_schema_does_not_promise_it(raw: str) -> None:
    # encoded-word syntax (mail software may decode it into a line break), a non-ASCII local part (no SMTPUTF8 at SES)
    with pytest.raises(ValueError, match="is not a valid email address"):
        normalise_address(raw)
    with pytest.raises(ValueError, match="is not a valid email address"):
        mail_address(raw)
    assert not re.fullmatch(ADDRESS_PATTERN, raw)


def test_the_mailer_gets_an_internationalised_domain_in_ascii() -> None:
    assert mail_address("a@B\u00dcCHER.example") == "a@xn--bcher-kva.example"


@pytest.mark.parametrize("emails", [5, {"a": "a@acme.io"}, [5], [None]])
def test_emails_of_the_wrong_type_are_rejected(emails: object) -> None:
    with pytest.raises(ValidationError):
        create(emails=emails)


# --- event types --------------------------------------------------------------------------


def test_default_events_are_all_vulnerabilities() -> None:
    assert create().events == list(DEFAULT_EVENTS) == ["vuln_high", "vuln_medium", "vuln_low"]


def test_vuln_expands_to_the_three_risk_levels() -> None:
    assert create(events=["vuln"]).events == ["vuln_high", "vuln_medium", "vuln_low"]
    assert create(events=["system", "vuln", "vuln_high"]).events == ["system", "vuln_high", "vuln_medium",
                                                                      "vuln_low"]


def test_events_are_deduplicated_in_vocabulary_order() -> None:
    data = create(events=["scope", "report_daily", "scope", "system"])
    assert data.events == ["report_daily", "system", "scope"]


def test_every_event_of_the_vocabulary_is_accepted() -> None:
    assert create(events=list(EVENT_TYPES)).events == list(EVENT_TYPES)


def test_unknown_event_is_rejected_at_its_index() -> None:
    with pytest.raises(ValidationError) as exc:
        create(events=["system", "vuln_critical"])
    assert error_locs(exc) == [("events", 1)]


def test_empty_event_list_is_rejected() -> None:
    with pytest.raises(ValidationError, match="at least one event type"):
        create(events=[])


# --- names, unknown fields, partial updates -----------------------------------------------


def test_name_is_trimmed() -> None:
    assert create(name="  SOC team \t").name == "SOC team"


@pytest.mark.parametrize("name", ["", "   ", "x" * 129, "SO\nC", "SO\rC", "a\x00b", "a\x85b", "a\u2028b"])
def test_bad_names_are_rejected(name: str) -> None:
    with pytest.raises(ValidationError) as exc:
        create(name=name)
    assert error_locs(exc) == [("name",)]


@pytest.mark.parametrize("name", ["SOC\u200b", "\u202egnp.exe", "a\u2066b\u2069", "\ufeffSOC", "SO\u00adC",
                                  "x\U000e0041"])
def test_invisible_and_text_direction_characters_are_refused_by_name(name: str) -> None:
    with pytest.raises(ValidationError, match=r"control, invisible or text-direction characters \(found U\+") as exc:
        create(name=name)
    assert error_locs(exc) == [("name",)]


def test_names_are_nfc_normalised() -> None:
    nfd = unicodedata.normalize("NFD", "Café Süd")
    assert nfd != "Café Süd" and create(name=nfd).name == "Café Süd"


def test_the_refused_characters_are_exactly_unicodes_control_and_format_ones() -> None:
    refused = {chr(code) for code in range(sys.maxunicode + 1)
               if not 0xD800 <= code <= 0xDFFF and not re.fullmatch(NAME_PATTERN, f"a{chr(code)}b")}
    expected = {chr(code) for code in range(sys.maxunicode + 1)
                if unicodedata.category(chr(code)) in ("Cc", "Cf", "Zl", "Zp")}
    assert refused == expected


@pytest.mark.parametrize("name", ["SOC", "  SOC team \t", "Café", "x" * 128, "\u3000東京\u3000"])
def test_the_schema_pattern_and_the_server_agree_on_good_names(name: str) -> None:
    assert re.fullmatch(NAME_PATTERN, name) and create(name=name).name == name.strip()


def test_name_of_128_characters_is_accepted() -> None:
    assert create(name="x" * 128).name == "x" * 128


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError) as exc:
        create(colour="red")
    assert error_locs(exc) == [("colour",)]


def test_patch_keeps_only_the_fields_sent() -> None:
    patch = IntegrationUpdate.model_validate({"events": ["vuln"]})
    assert patch.model_dump(exclude_unset=True) == {"events": ["vuln_high", "vuln_medium", "vuln_low"]}


@pytest.mark.parametrize("field", ["name", "emails", "events"])
def test_patch_rejects_null(field: str) -> None:
    with pytest.raises(ValidationError, match="must not be null") as exc:
        IntegrationUpdate.model_validate({field: None})
    assert error_locs(exc) == [(field,)]


# --- tenants and tokens -------------------------------------------------------------------


def test_tenant_time_zone_defaults_to_utc_and_accepts_iana_names() -> None:
    assert TenantCreate(name="Acme", primary_email="sec@acme.io").timezone == "UTC"
    assert TenantCreate(name="Acme", primary_email="sec@acme.io", timezone="Europe/Berlin").timezone == "Europe/Berlin"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "europe/berlin", "CEST", "", "../../etc/passwd"])
def test_unknown_time_zone_is_rejected(zone: str) -> None:
    with pytest.raises(ValidationError, match="IANA time zone") as exc:
        TenantCreate(name="Acme", primary_email="sec@acme.io", timezone=zone)
    assert error_locs(exc) == [("timezone",)]


def test_tenant_primary_email_is_normalised() -> None:
    assert TenantCreate(name="Acme", primary_email="Sec@ACME.io").primary_email == "Sec@acme.io"


def test_tenant_patch_rejects_null_time_zone() -> None:
    with pytest.raises(ValidationError, match="must not be null"):
        TenantUpdate.model_validate({"timezone": None})


def test_token_role_defaults_to_viewer_and_is_restricted() -> None:
    assert TokenCreate(name="ci").role == "viewer"
    with pytest.raises(ValidationError):
        TokenCreate.model_validate({"name": "ci", "role": "owner"})


def test_patch_schemas_do_not_offer_null() -> None:
    # except where null turns an optional setting off (Patch.NULLABLE): those offer it
    for model in (IntegrationUpdate, TenantUpdate, TriggerUpdate):
        for name, prop in model.model_json_schema()["properties"].items():
            if name in model.NULLABLE:
                assert {"type": "null"} in prop["anyOf"], name
                continue
            assert {"type": "null"} not in prop.get("anyOf", []) and prop.get("type") != "null", name
            assert prop.get("default", "") is not None, name


# --- trigger filters ------------------------------------------------------------------------


def threshold(**filters: object) -> dict[str, object]:
    return {"name": "t", "integration_ids": ["i"],
            "condition": {"type": "threshold", "metric": "attacks", "interval": "minute", "threshold": 1,
                          "filters": filters}}


def test_ip_filters_take_addresses_and_cidr_blocks_and_name_each_bad_value() -> None:
    ok = TriggerCreate.model_validate(threshold(ip=["10.0.0.0/8", "10.0.0.1/8", "192.0.2.7", "2001:db8::/32", "::1"]))
    assert ok.condition.filters.ip.values[0] == "10.0.0.0/8"  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as exc:
        TriggerCreate.model_validate(threshold(ip={"values": ["10.0.0.0/33", "not-an-ip", "10.0.0.1"]}))
    [error] = exc.value.errors()
    assert error["loc"] == ("condition", "threshold", "filters", "ip")
    assert "'10.0.0.0/33' is not an IPv4/IPv6 address or CIDR block" in error["msg"]
    assert "'not-an-ip' is not" in error["msg"] and "'10.0.0.1'" not in error["msg"]


@pytest.mark.parametrize(("filters", "message"), [
    ({"domain": ["https://api.acme.io/login"]}, "not a host or domain name"),
    ({"domain": ["api acme.io"]}, "not a host or domain name"),
    ({"attack_type": ["xss\u200b"]}, "invisible"),
    ({"application": ["   "]}, "at least 1 character"),
])
def test_filter_values_that_can_never_match_are_refused(filters: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TriggerCreate.model_validate(threshold(**filters))


def test_terraform_ip_filters_are_checked_too() -> None:
    body = {"template_id": "attacks_exceeded", "threshold": {"period": 60, "count": 5},
            "actions": [{"action_id": "send_notification", "integration_id": ["i"]}],
            "filters": [{"filter_id": "ip_address", "value": ["10.0.0.0/33", "not-an-ip"]}]}
    with pytest.raises(ValidationError, match=r"'10\.0\.0\.0/33' is not .*'not-an-ip' is not"):
        TriggerCreate.model_validate(body)
