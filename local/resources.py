"""Create the service's AWS resources on moto from the same template that deploys them.

The template's ``Globals`` map each setting's environment variable to a resource (``Ref``);
we create that resource under the name the settings give, so local, tests and AWS agree.
"""

import json
from pathlib import Path
from typing import Any

from chalicelib.aws.clients import client
from chalicelib.settings import Settings

TEMPLATE = Path(__file__).resolve().parents[1] / ".chalice" / "resources.json"


def template() -> dict[str, Any]:
    return json.loads(TEMPLATE.read_text())


def wired_resources() -> dict[str, tuple[str, dict[str, Any]]]:
    """Environment variable → (logical id, resource) for every ``Ref`` in the functions' globals."""
    doc = template()
    variables = doc["Globals"]["Function"]["Environment"]["Variables"]
    return {name: (value["Ref"], doc["Resources"][value["Ref"]])
            for name, value in variables.items() if isinstance(value, dict) and "Ref" in value}


def _create_table(name: str, props: dict[str, Any]) -> None:
    dynamodb = client("dynamodb")
    params = {key: props[key] for key in ("AttributeDefinitions", "KeySchema", "BillingMode")}
    if "GlobalSecondaryIndexes" in props:
        params["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    dynamodb.create_table(TableName=name, **params)
    if "TimeToLiveSpecification" in props:
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])


_CREATORS = {"AWS::DynamoDB::Table": _create_table}


def create_all(settings: Settings) -> None:
    """Create every wired resource and verify the sender identity in SES."""
    for variable, (_, resource) in wired_resources().items():
        _CREATORS[resource["Type"]](getattr(settings, variable.lower()), resource["Properties"])
    client("ses").verify_email_identity(EmailAddress=settings.sender_email)
