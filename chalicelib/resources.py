"""The service's tables, queues, bucket and key, declared once.

Everything else that names them is derived from here: the settings' names (and so the functions' environment
variables), the template's resources and environment (``python -m deploy.declared`` writes them into
``.chalice/resources.json``; tests/unit/test_declared_resources.py fails, naming the resource, when the file drifts),
the local stack's resources on moto (``local.resources``), the tenant purge (``aws.tenant_data``) and the tests'
view of a tenant's data. A table, queue or bucket added here is created, wired, backed up and purged like the others;
its grants stay in the function's own policy (``.chalice/policies/``), checked against the calls the tests record.

Every key attribute is a string. Every queue is a standard queue: messages that carry a tenant carry it as
``MessageGroupId`` (``aws.queue``), which makes the queue an SQS fair queue without FIFO's limits.
"""

from dataclasses import dataclass
from enum import Enum

APP = "email-report"  # every local name starts with it; on AWS a queue's has the stage next (``email-report-prod-…``)
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's longest


class TenantData(Enum):
    """Whether a table holds tenants' data, and what deleting a tenant does with it (``aws.tenant_data``)."""

    NONE = "holds no tenant's data"
    TOMBSTONE = "the tenant's row stays as a tombstone without its details (tenants.service)"
    BY_INDEX = "found through the by_tenant index and deleted item by item"
    PARTITION = "partitioned by the tenant id: the partition is deleted"
    PARTITIONS = "one partition per kind, keyed '<tenant id>#<kind>': each is deleted"
    # one partition per event or counter, none to query by tenant; no reader acts on them once the tenant is gone
    EXPIRES = "left to its TTL (days)"


@dataclass(frozen=True)
class Index:
    """A global secondary index; ``projection`` is ``ALL``, ``KEYS_ONLY`` or the non-key attributes included."""

    name: str
    hash_key: str
    range_key: str
    projection: str | tuple[str, ...] = "ALL"


@dataclass(frozen=True)
class Table:
    """A DynamoDB table (on demand, encrypted, point-in-time recovery, kept when the stack goes)."""

    setting: str  # the settings field (and, upper-cased, the environment variable) that names it
    logical_id: str
    short: str  # local name: email-report-<short>
    hash_key: str
    tenant_data: TenantData
    range_key: str | None = None
    indexes: tuple[Index, ...] = ()
    ttl: str | None = None  # the attribute DynamoDB expires items by
    partitions: tuple[str, ...] = ()  # TenantData.PARTITIONS: the kinds

    @property
    def name(self) -> str:
        return f"{APP}-{self.short}"


@dataclass(frozen=True)
class Queue:
    """A standard SQS queue (SQS-managed encryption). With ``max_receives`` it has a dead-letter queue
    (``<logical id without Queue>DeadLetterQueue``, ``<name>-dlq``) that takes a message received that often."""

    setting: str | None  # None: only AWS sends to it (failure destinations), no function names it
    logical_id: str
    short: str  # local name: email-report-<short>; on AWS email-report-<stage>-<short>
    retention_seconds: int = DEAD_LETTER_RETENTION_SECONDS
    visibility_seconds: int | None = None  # ≥ 6 × its reader's timeout (tests/scenario/test_template.py)
    max_receives: int | None = None

    @property
    def name(self) -> str:
        return f"{APP}-{self.short}"

    @property
    def dead_letter_id(self) -> str | None:
        return f"{self.logical_id.removesuffix('Queue')}DeadLetterQueue" if self.max_receives else None


@dataclass(frozen=True)
class Folder:
    """A key prefix of the bucket: a tenant's objects live under ``<prefix><tenant id>/``; expired after a while."""

    prefix: str
    expire_days: int


@dataclass(frozen=True)
class Bucket:
    """The S3 bucket (private, encrypted, owner-enforced, kept when the stack goes)."""

    setting: str
    logical_id: str
    short: str
    folders: tuple[Folder, ...]

    @property
    def name(self) -> str:
        return f"{APP}-{self.short}"


TENANTS = Table("tenants_table", "TenantsTable", "tenants", "id", TenantData.TOMBSTONE)
TOKENS = Table("tokens_table", "TokensTable", "tokens", "id", TenantData.BY_INDEX, ttl="expires_at", indexes=(
    Index("by_tenant", "tenant_id", "id", ("name", "role", "created_at", "last_used_at")),))
INTEGRATIONS = Table("integrations_table", "IntegrationsTable", "integrations", "tenant_id", TenantData.PARTITION,
                     range_key="sk", ttl="expires_at")  # ttl: snoozes and used snooze links (aws/snoozes_repo.py)
EVENTS = Table("events_table", "EventsTable", "events", "pk", TenantData.EXPIRES, ttl="expires_at")
DELIVERIES = Table("deliveries_table", "DeliveriesTable", "deliveries", "tenant_id", TenantData.PARTITION,
                   range_key="id", ttl="expires_at", indexes=(Index("by_integration", "log_key", "id"),))
COUNTERS = Table("counters_table", "CountersTable", "counters", "key", TenantData.EXPIRES, range_key="bucket",
                 ttl="expires_at", indexes=(Index("failing", "failing_shard", "bucket", ("total", "failed")),))
IDEMPOTENCY = Table("idempotency_table", "IdempotencyTable", "idempotency", "id", TenantData.NONE, ttl="expiration")
SECURITY = Table("security_table", "SecurityTable", "security", "pk", TenantData.PARTITIONS, range_key="sk",
                 ttl="expires_at",  # aws/security_table.py ("vuln": records keyed by event before the lifecycle)
                 partitions=("hour", "incident", "vulnerability", "vuln-open", "vuln-change", "seen", "vuln", "rollup"))
REPORTS = Table("reports_table", "ReportsTable", "reports", "tenant_id", TenantData.PARTITION, range_key="sk",
                ttl="expires_at", indexes=(Index("due", "due_shard", "due_at", "KEYS_ONLY"),))
TRIGGERS = Table("triggers_table", "TriggersTable", "triggers", "tenant_id", TenantData.PARTITION, range_key="sk")
SUPPRESSIONS = Table("suppressions_table", "SuppressionsTable", "suppressions", "tenant_id", TenantData.PARTITION,
                     range_key="email")

TABLES = (TENANTS, TOKENS, INTEGRATIONS, EVENTS, DELIVERIES, COUNTERS, IDEMPOTENCY, SECURITY, REPORTS, TRIGGERS,
          SUPPRESSIONS)

DELIVERY_QUEUE = Queue("delivery_queue", "DeliveryQueue", "deliveries", visibility_seconds=360, max_receives=10)
REPORT_QUEUE = Queue("report_queue", "ReportQueue", "reports", retention_seconds=4 * 24 * 3600,
                     visibility_seconds=1800, max_receives=5)
TRIGGER_QUEUE = Queue("trigger_queue", "TriggerGroupQueue", "trigger-groups", visibility_seconds=360, max_receives=10)
ROUTE_QUEUE = Queue("route_queue", "RouteQueue", "event-routes", visibility_seconds=180, max_receives=10)
ASYNC_DEAD_LETTERS = Queue(None, "AsyncDeadLetterQueue", "async-dlq")  # failed asynchronous invocations
EVENT_TARGET_DEAD_LETTERS = Queue(None, "EventTargetDeadLetterQueue", "event-targets-dlq")  # EventBridge's

QUEUES = (DELIVERY_QUEUE, REPORT_QUEUE, TRIGGER_QUEUE, ROUTE_QUEUE, ASYNC_DEAD_LETTERS, EVENT_TARGET_DEAD_LETTERS)

@dataclass(frozen=True)
class Key:
    """A symmetric KMS key (rotated yearly, kept when the stack goes: what it sealed is unreadable without it).
    Locally and in the tests it is named by its alias ``alias/email-report-<short>``; on AWS the setting is its id."""

    setting: str
    logical_id: str
    short: str

    @property
    def name(self) -> str:
        return f"alias/{APP}-{self.short}"


REPORTS_BUCKET = Bucket("reports_bucket", "ReportsBucket", "reports",
                        (Folder("reports/", 400), Folder("previews/", 7)))  # reports.jobs' object keys

# seals the integrations' PDF passwords (aws.secrets.seal), each bound to its tenant and integration
SECRETS_KEY = Key("secrets_key", "SecretsKey", "secrets")

SETTINGS: dict[str, Table | Queue | Bucket | Key] = {
    declared.setting: declared for declared in (*TABLES, *QUEUES, REPORTS_BUCKET, SECRETS_KEY) if declared.setting}
