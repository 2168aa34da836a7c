"""One declaration of the tables, queues and bucket (chalicelib/resources.py): the settings, the merge template's
resources and environment, the policies and the tenant purge agree with it, and a disagreement names the file and
the resource. The calls each function makes are checked against its policy by the scenario tier
(tests/support/permissions.py); here, what the declaration alone decides."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib import resources
from chalicelib.resources import REPORTS_BUCKET, SETTINGS, TABLES, TOKENS, TenantData
from chalicelib.settings import Settings
from deploy import declared
from tests.support.iam import Stack, Unmapped, Use, Where, allows, listed

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / ".chalice" / "policies"
HERE = Where("us-east-1", "123456789012")
PURGING_FUNCTION = "api_handler"  # DELETE /v1/tenants/{id} runs the purge (tenants.service.delete)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return declared.template()


def _stack(template: dict[str, Any]) -> Stack:
    """The merge template with each resource named as the settings name it (its logical id otherwise)."""
    names = {logical: logical for logical in template["Resources"]}
    names.update({one.logical_id: one.name for one in SETTINGS.values()})
    return Stack(template, names, HERE)


def _statements(template: dict[str, Any], policy: Path) -> list[dict[str, Any]]:
    return listed(_stack(template).resolve(json.loads(policy.read_text()))["Statement"])


def test_the_merge_template_holds_the_declared_resources_and_environment(template: dict[str, Any]) -> None:
    assert declared.drift(template) == [], (
        f"{declared.TEMPLATE.relative_to(ROOT)} is not as chalicelib/resources.py declares: run python -m "
        "deploy.declared")


def test_a_drifted_template_is_named_resource_by_resource(template: dict[str, Any]) -> None:
    # GIVEN the template with a TTL changed, a table gone, a queue nobody declared and a variable renamed
    changed = copy.deepcopy(template)
    changed["Resources"]["EventsTable"]["Properties"]["TimeToLiveSpecification"]["AttributeName"] = "ttl"
    del changed["Resources"]["TriggersTable"]
    changed["Resources"]["StrayQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    variables = changed["Globals"]["Function"]["Environment"]["Variables"]
    variables["TOKEN_TABLE"] = variables.pop("TOKENS_TABLE")

    # WHEN it is compared with the declaration, THEN each of them is named
    found = declared.drift(changed)
    assert [line.split(":")[0] for line in found] == [
        "EventsTable", "StrayQueue", "TriggersTable", "Globals variable TOKENS_TABLE", "Globals variable TOKEN_TABLE"]
    assert "StrayQueue: a AWS::SQS::Queue not declared" in found[1] and found[2] == "TriggersTable: declared, missing"
    # AND the generator puts back exactly the declaration, leaving the rest as it was
    assert declared.drift(declared.generated(changed)) == []
    assert declared.generated(changed)["Resources"]["AlarmTopic"] == template["Resources"]["AlarmTopic"]


def test_the_settings_name_each_declared_resource_by_its_declared_name() -> None:
    named = {field for field in Settings.model_fields if field.endswith(("_table", "_queue", "_bucket", "_key"))}

    assert sorted(named ^ set(SETTINGS)) == [], "a resource setting without a declaration, or the other way round"
    assert {field: Settings.model_fields[field].default for field in named} == {
        setting: one.name for setting, one in SETTINGS.items()}


def test_every_name_is_unique_per_kind() -> None:
    for kind in (resources.TABLES, resources.QUEUES):
        names = [one.name for one in kind]
        assert len(set(names)) == len(names), names


def test_the_local_stage_takes_the_declared_names_from_the_settings() -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    overridden = [(stage, name) for stage, body in config["stages"].items()
                  for name in body.get("environment_variables", {}) if name.lower() in SETTINGS]

    assert overridden == [], ".chalice/config.json names a declared resource: the declaration's name is the default"


@pytest.mark.parametrize("policy", sorted(POLICIES.glob("*.json")), ids=lambda path: path.name)
def test_every_policy_names_only_resources_and_parameters_of_the_template(template: dict[str, Any],
                                                                          policy: Path) -> None:
    try:
        _statements(template, policy)
    except Unmapped as error:
        pytest.fail(f".chalice/policies/{policy.name}: {error}")


def _purge_uses(template: dict[str, Any]) -> list[Use]:
    """What the purge asks of IAM for each table and folder it empties, as the declaration says it does."""
    stack, needed = _stack(template), []
    for table in TABLES:
        arn = stack.get_att(table.logical_id, "Arn")
        if table.tenant_data in (TenantData.PARTITION, TenantData.PARTITIONS):
            needed += [Use("dynamodb:Query", arn), Use("dynamodb:BatchWriteItem", arn)]
        elif table.tenant_data is TenantData.BY_INDEX:
            needed += [Use("dynamodb:Query", f"{arn}/index/by_tenant"), Use("dynamodb:DeleteItem", arn)]
    bucket = stack.get_att(REPORTS_BUCKET.logical_id, "Arn")
    for folder in REPORTS_BUCKET.folders:
        needed += [Use("s3:ListBucket", bucket, (("s3:prefix", f"{folder.prefix}t/"),)),
                   Use("s3:DeleteObject", f"{bucket}/{folder.prefix}t/1.pdf")]
    return needed


def test_the_function_that_deletes_tenants_may_empty_every_place_the_purge_empties(template: dict[str, Any]) -> None:
    statements = _statements(template, POLICIES / f"{PURGING_FUNCTION}.json")

    denied = [f"{use.action} on {use.resource}" for use in _purge_uses(template) if not allows(statements, use)]
    assert denied == [], f".chalice/policies/{PURGING_FUNCTION}.json does not let the tenant purge do: {denied}"


def test_the_purge_knows_each_way_a_table_holds_tenant_data() -> None:
    # the tokens are the one table found through an index (aws/tenant_data.py asks tokens_repo)
    assert [table for table in TABLES if table.tenant_data is TenantData.BY_INDEX] == [TOKENS]
    for table in TABLES:
        if table.tenant_data is TenantData.BY_INDEX:
            assert "by_tenant" in {index.name for index in table.indexes}, table.logical_id
        if table.tenant_data in (TenantData.PARTITION, TenantData.PARTITIONS):
            assert table.range_key, f"{table.logical_id}: a partition to delete needs its sort key"
        assert bool(table.partitions) == (table.tenant_data is TenantData.PARTITIONS), table.logical_id


def _granted(template: dict[str, Any]) -> dict[str, list[str]]:
    """Policy file → every resource its Allow statements name, resolved."""
    return {policy.name: [resource for statement in _statements(template, policy) if statement["Effect"] == "Allow"
                          for resource in listed(statement.get("Resource", []))]
            for policy in sorted(POLICIES.glob("*.json"))}


def test_every_table_and_queue_a_function_names_is_granted_to_some_function(template: dict[str, Any]) -> None:
    stack, granted = _stack(template), _granted(template)
    everywhere = {resource for resources in granted.values() for resource in resources}

    ungranted = [setting for setting, one in SETTINGS.items() if stack.get_att(one.logical_id, "Arn") not in everywhere]
    assert ungranted == [], "declared and named by a setting, yet no policy grants it"


def _declares(resource: str, indexes: dict[str, set[str]]) -> bool:
    """Whether the table of an ``…:table/<name>/index/<index>`` grant declares that index (``*``: any)."""
    table, _, index = resource.split(":table/")[1].partition("/index/")
    return index in indexes.get(table, set()) or (index == "*" and bool(indexes.get(table)))


def test_an_index_a_policy_grants_is_declared_on_its_table(template: dict[str, Any]) -> None:
    indexes = {table.name: {index.name for index in table.indexes} for table in TABLES}

    odd = [f"{policy}: {resource}" for policy, resources in _granted(template).items() for resource in resources
           if "/index/" in resource and not _declares(resource, indexes)]
    assert odd == [], "a grant on an index the table does not declare"
