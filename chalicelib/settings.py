"""Environment → typed settings. Nothing else in the code base reads ``os.environ``.

A plain pydantic model fed from the environment: pydantic-settings would add its sources (dotenv, CLI,
secrets managers) to every cold start of every Lambda for what is here one dictionary comprehension.
"""

import ipaddress
import os
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from chalicelib import resources

# Stages that may link to this machine: everywhere else a loopback console URL is a missing parameter.
LOOPBACK_STAGES = frozenset({"local", "test"})


class Settings(BaseModel):
    """Every knob of the service; names are the upper-case environment variables."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    aws_region: str = Field("us-east-1", validation_alias="AWS_DEFAULT_REGION")
    aws_endpoint_url: str | None = None

    # The resources' names, declared in chalicelib/resources.py (tests/unit/test_declared_resources.py: one each)
    tenants_table: str = resources.TENANTS.name
    tokens_table: str = resources.TOKENS.name
    integrations_table: str = resources.INTEGRATIONS.name
    events_table: str = resources.EVENTS.name
    deliveries_table: str = resources.DELIVERIES.name
    counters_table: str = resources.COUNTERS.name
    idempotency_table: str = resources.IDEMPOTENCY.name
    security_table: str = resources.SECURITY.name
    reports_table: str = resources.REPORTS.name
    triggers_table: str = resources.TRIGGERS.name
    suppressions_table: str = resources.SUPPRESSIONS.name
    delivery_queue: str = resources.DELIVERY_QUEUE.name
    report_queue: str = resources.REPORT_QUEUE.name
    trigger_queue: str = resources.TRIGGER_QUEUE.name
    route_queue: str = resources.ROUTE_QUEUE.name
    reports_bucket: str = resources.REPORTS_BUCKET.name
    secrets_key: str = resources.SECRETS_KEY.name  # KMS key id, ARN or alias
    # SES bounces and complaints: published by the configuration set (empty: none, e.g. moto) to this topic
    ses_configuration_set: str = ""
    ses_max_send_rate: float | None = Field(None, gt=0)  # messages/s; unset: SES's MaxSendRate (GetSendQuota)
    ses_feedback_topic: str = "email-report-ses-feedback"

    stage: str = "local"  # the template's Stage parameter on AWS
    operator_token: SecretStr | None = None  # local stack and tests; on AWS the secret below
    operator_token_secret: str = ""  # Secrets Manager ARN (the template's OperatorTokenSecret)
    operator_token_cache_seconds: float = Field(60, ge=0)  # a rotated token is taken within this
    sender_email: str = "reports@email-report.local"
    product_name: str = "Email Report"
    console_url: str = "http://127.0.0.1:8000/console"
    console_secure_cookie: bool = True  # the local stack (plain http) turns it off
    console_session_hours: int = Field(12, ge=1, le=24 * 30)  # a console sign-in lasts this long (service clock)

    max_body_bytes: int = 64 * 1024
    security_retention_days: int = Field(400, ge=1)

    delivery_ttl_days: int = 30
    event_ttl_days: int = 7
    sqs_max_delay_seconds: int = Field(900, ge=0, le=900)
    claim_lease_seconds: int = 120
    route_lease_seconds: int = Field(120, ge=1, le=900)  # an event's routing claim (events_repo.claim)
    inline_deliveries: int = Field(100, ge=0)  # an ingest call making more deliveries queues its events instead

    auto_disable_ratio: float = 0.6
    auto_disable_min_requests: int = 10
    failure_warning_ratio: float = 0.4
    failure_window_hours: int = 12

    report_attachment_limit_bytes: int = Field(7 * 1024 * 1024, ge=0)
    report_link_seconds: int = Field(7 * 24 * 3600, ge=60, le=90 * 24 * 3600)  # emailed link (reports.links)
    report_download_seconds: int = Field(3600, ge=60, le=7 * 24 * 3600)
    report_retention_days: int = Field(400, ge=1)
    report_lookback_hours: int = Field(3, ge=1, le=48)
    report_watchdog_hours: int = Field(2, ge=1, le=24)  # a run not delivered this long after its report time is late
    preview_rate_limit: int = Field(10, ge=1)
    preview_rate_window_seconds: int = Field(600, ge=60)

    max_triggers_per_tenant: int = Field(100, ge=1)
    trigger_group_seconds: int = Field(60, ge=0, le=86400)
    trigger_group_max_events: int = Field(200, ge=1, le=500)
    trigger_counter_ttl_days: int = Field(2, ge=1)
    trigger_cache_seconds: float = Field(5, ge=0)
    trigger_preview_rate_limit: int = Field(20, ge=1)  # backtests per tenant (each reads 30 days of hours)
    trigger_preview_rate_window_seconds: int = Field(600, ge=60)

    test_rate_limit: int = Field(5, ge=1)  # per integration (unsaved drafts count as one)
    test_tenant_rate_limit: int = Field(10, ge=1)  # per tenant, across its integrations and drafts
    test_rate_window_seconds: int = Field(600, ge=60)
    max_integrations_per_tenant: int = Field(100, ge=1)
    unsubscribe_link_days: int = Field(60, ge=1, le=366)  # how long a mail's one-click unsubscribe link works
    # Public doors (limits.door): attempts per token tried and per client IP address, in any rolling window.
    sign_in_rate_limit: int = Field(10, ge=1)
    sign_in_client_rate_limit: int = Field(30, ge=1)
    unsubscribe_rate_limit: int = Field(5, ge=1)
    unsubscribe_client_rate_limit: int = Field(120, ge=1)  # mail providers post one-click requests from few IPs
    door_rate_window_seconds: int = Field(900, ge=60)

    @model_validator(mode="after")
    def _links_leave_this_machine(self) -> "Settings":
        """Outside local and test a loopback console URL would put 127.0.0.1 in every mail: refuse to start."""
        host = (urlparse(self.console_url).hostname or "").rstrip(".")
        if self.stage not in LOOPBACK_STAGES and _is_loopback(host):
            raise ValueError(f"console_url is {self.console_url!r}, a loopback address, on stage {self.stage!r}: "
                             "set CONSOLE_URL (the template's ConsoleUrl or CustomDomainName parameter) to the "
                             "console's public https URL")
        return self

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Settings":
        """The fields named (case-insensitively) in ``environ``; an empty value counts as unset."""
        names = {
            str(field.validation_alias or name).upper(): str(field.validation_alias or name)
            for name, field in cls.model_fields.items()
        }
        return cls.model_validate(
            {names[key.upper()]: value for key, value in environ.items() if key.upper() in names and value}
        )


def _is_loopback(host: str) -> bool:
    """``localhost`` (RFC 6761: any ``*.localhost``), a loopback or unspecified address, or no host at all."""
    if host == "" or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings.from_environ(os.environ)
