"""Environment → typed settings. Nothing else in the code base reads ``os.environ``."""

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service; names are the upper-case environment variables."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    aws_region: str = Field("us-east-1", validation_alias="AWS_DEFAULT_REGION")
    aws_endpoint_url: str | None = None

    tenants_table: str = "email-report-tenants"
    tokens_table: str = "email-report-tokens"
    integrations_table: str = "email-report-integrations"

    operator_token: SecretStr | None = None
    sender_email: str = "reports@email-report.local"
    product_name: str = "Email Report"
    console_url: str = "http://127.0.0.1:8000/console"

    max_body_bytes: int = 64 * 1024


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
