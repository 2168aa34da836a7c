"""IAM's view of AWS calls and of policies, for the permission check (tests/support/permissions.py). Pure: no AWS.

- :func:`uses`: one boto3 call → the (action, resource) pairs IAM authorises for it. Not always one pair with the
  operation's name: a transaction needs each item's action on each item's table, a batch is authorised per table,
  a Query on an index needs the index's ARN, an S3 call the object's ARN, a batch SQS call the single action.
- :func:`resolve`: a template value with ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` resolved to physical names.
- :func:`allows`: whether a statement list allows a use (wildcards as IAM reads them; an explicit Deny wins).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from functools import cache
from typing import Any


@dataclass(frozen=True, order=True)
class Use:
    """What IAM authorises: an action on a resource, with the condition keys the request carries."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


class Unmapped(ValueError):
    """A call this module cannot translate yet: add its service or operation below."""


@dataclass(frozen=True)
class Where:
    """The account and region ARNs are made in."""

    region: str
    account: str

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


_TRANSACT_WRITE = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                   "ConditionCheck": "ConditionCheckItem"}


def _dynamodb(operation: str, params: Mapping[str, Any], where: Where) -> list[Use]:
    def table(name: str) -> str:
        return name if name.startswith("arn:") else where.arn("dynamodb", f"table/{name}")

    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Use(f"dynamodb:{operation}", table(name)) for name in params["RequestItems"]]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [Use(f"dynamodb:{_TRANSACT_WRITE.get(kind, 'GetItem')}", table(body["TableName"]))
                for item in params["TransactItems"] for kind, body in item.items()]
    if "TableName" not in params:
        return [Use(f"dynamodb:{operation}", "*")]
    index = f"/index/{params['IndexName']}" if params.get("IndexName") else ""
    return [Use(f"dynamodb:{operation}", table(params["TableName"]) + index)]


_SQS_SINGLE = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
               "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}


def _sqs(operation: str, params: Mapping[str, Any], where: Where) -> list[Use]:
    action = f"sqs:{_SQS_SINGLE.get(operation, operation)}"
    if "QueueUrl" in params:
        owner, name = params["QueueUrl"].rstrip("/").split("/")[-2:]
        return [Use(action, f"arn:aws:sqs:{where.region}:{owner}:{name}")]
    if "QueueName" in params:
        owner = params.get("QueueOwnerAWSAccountId", where.account)
        return [Use(action, f"arn:aws:sqs:{where.region}:{owner}:{params['QueueName']}")]
    return [Use(action, "*")]


_S3_OBJECT = {"GetObject": "GetObject", "HeadObject": "GetObject", "PutObject": "PutObject",
              "DeleteObject": "DeleteObject"}


def _s3(operation: str, params: Mapping[str, Any], _: Where) -> list[Use]:
    bucket = f"arn:aws:s3:::{params['Bucket']}"
    if operation in _S3_OBJECT:
        return [Use(f"s3:{_S3_OBJECT[operation]}", f"{bucket}/{params['Key']}")]
    if operation == "DeleteObjects":
        return [Use("s3:DeleteObject", f"{bucket}/{entry['Key']}") for entry in params["Delete"]["Objects"]]
    if operation in ("ListObjectsV2", "ListObjects"):
        return [Use("s3:ListBucket", bucket, (("s3:prefix", params.get("Prefix", "")),))]
    if operation == "HeadBucket":
        return [Use("s3:ListBucket", bucket)]
    raise Unmapped(f"s3:{operation}")


_SES_SENDS = ("SendRawEmail", "SendEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail")


def _ses(operation: str, params: Mapping[str, Any], where: Where) -> list[Use]:
    """Sending is authorised on the sender's identity and on the configuration set it names (a parameter, or
    a raw message's ``X-SES-CONFIGURATION-SET`` header); SES's other actions have no resource-level permissions."""
    if operation not in _SES_SENDS:
        return [Use(f"ses:{operation}", "*")]
    headers = BytesHeaderParser().parsebytes(params["RawMessage"]["Data"]) if "RawMessage" in params else {}
    sender = params.get("Source") or params.get("FromEmailAddress") or headers.get("From", "")
    identity = params.get("SourceArn") or where.arn("ses", f"identity/{parseaddr(sender)[1]}")
    found = [Use(f"ses:{operation}", identity)]
    if name := params.get("ConfigurationSetName") or headers.get("X-SES-CONFIGURATION-SET"):
        found.append(Use(f"ses:{operation}", where.arn("ses", f"configuration-set/{name}")))
    return found


def _secret(operation: str, params: Mapping[str, Any], where: Where) -> list[Use]:
    secret = params["SecretId"]  # a name stands for its ARN, which ends in six random characters
    return [Use(f"secretsmanager:{operation}", secret if secret.startswith("arn:")
                else where.arn("secretsmanager", f"secret:{secret}-??????"))]


def _kms(operation: str, params: Mapping[str, Any], where: Where) -> list[Use]:
    """A key named by id, ARN or alias (the tests' settings name the key by its alias, which stands for it here as
    the template's key ARN does on AWS), with the encryption context's pairs as condition keys."""
    key = params["KeyId"]
    context = tuple((f"kms:EncryptionContext:{name}", value)
                    for name, value in sorted(params.get("EncryptionContext", {}).items()))
    return [Use(f"kms:{operation}", key if key.startswith("arn:") else where.arn("kms", key if key.startswith(
        "alias/") else f"key/{key}"), context)]


_SERVICES: dict[str, Callable[[str, Mapping[str, Any], Where], list[Use]]] = {
    "dynamodb": _dynamodb, "sqs": _sqs, "s3": _s3, "ses": _ses,
    "sesv2": lambda operation, params, where: _ses(operation, params, where) if operation == "SendEmail"
    else [Use(f"ses:{operation}", "*")],
    "sns": lambda operation, params, _: [Use(f"sns:{operation}", params.get("TopicArn") or params["TargetArn"])],
    "cloudwatch": lambda operation, _, __: [Use(f"cloudwatch:{operation}", "*")],
    "secretsmanager": _secret,
    "kms": _kms,
}


def uses(service: str, operation: str, params: Mapping[str, Any], where: Where) -> list[Use]:
    """What IAM checks for the boto3 call ``service.operation(**params)``; :class:`Unmapped` if not known."""
    if service not in _SERVICES:
        raise Unmapped(f"{service}:{operation}")
    return _SERVICES[service](operation, params, where)


# --- matching ---------------------------------------------------------------------------------------------------


@cache
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """IAM actions: case-insensitive, ``*`` and ``?`` wildcards."""
    return _wildcard(pattern, True).fullmatch(action) is not None


def resource_matches(pattern: str, resource: str) -> bool:
    """ARNs: each of the first five segments on its own (a wildcard never spans a colon there); the resource
    part, which may hold colons itself, as a whole."""
    if pattern == "*":
        return True
    wanted, actual = pattern.split(":", 5), resource.split(":", 5)
    return len(wanted) == len(actual) and all(
        _wildcard(part, False).fullmatch(value) is not None for part, value in zip(wanted, actual, strict=True))


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


_CONDITIONS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": str.__eq__, "StringLike": lambda pattern, value: _wildcard(pattern, False).fullmatch(value)
    is not None, "ArnEquals": str.__eq__, "ArnLike": resource_matches,
}


def _conditions_hold(conditions: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]) -> bool:
    for operator, tests in conditions.items():
        if operator not in _CONDITIONS:
            raise Unmapped(f"condition operator {operator}")
        for key, expected in tests.items():
            if key not in context or not any(_CONDITIONS[operator](str(one), context[key])
                                             for one in listed(expected)):
                return False
    return True


def statement_applies(statement: Mapping[str, Any], use: Use) -> bool:
    if "NotAction" in statement or "NotResource" in statement:
        raise Unmapped(f"statement {statement.get('Sid', '')}: NotAction / NotResource")
    return (any(action_matches(pattern, use.action) for pattern in listed(statement["Action"]))
            and any(resource_matches(pattern, use.resource) for pattern in listed(statement["Resource"]))
            and _conditions_hold(statement.get("Condition", {}), dict(use.context)))


def allows(statements: list[Mapping[str, Any]], use: Use) -> bool:
    """IAM's decision for one identity policy: some Allow applies and no Deny does."""
    applying = [statement["Effect"] for statement in statements if statement_applies(statement, use)]
    return "Allow" in applying and "Deny" not in applying


# --- template values --------------------------------------------------------------------------------------------


_ARNS = {"AWS::DynamoDB::Table": ("dynamodb", "table/{}"), "AWS::SQS::Queue": ("sqs", "{}"),
         "AWS::SNS::Topic": ("sns", "{}"), "AWS::SecretsManager::Secret": ("secretsmanager", "secret:{}-*"),
         "AWS::KMS::Key": ("kms", "{}"),
         "AWS::Serverless::Function": ("lambda", "function:{}"), "AWS::Lambda::Function": ("lambda", "function:{}"),
         "AWS::Logs::LogGroup": ("logs", "log-group:{}:*")}


@dataclass(frozen=True)
class Stack:
    """A packaged template as deployed on moto: each resource's physical name, and where the stack lives."""

    template: Mapping[str, Any]
    names: Mapping[str, str]  # logical id → physical name (a table's, queue's, bucket's, function's name)
    where: Where
    parameters: Mapping[str, str] = field(default_factory=dict)  # values that differ from a parameter's Default
    stack_name: str = "email-report"
    pseudo: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pseudo", {
            "AWS::Partition": "aws", "AWS::Region": self.where.region, "AWS::AccountId": self.where.account,
            "AWS::StackName": self.stack_name, "AWS::URLSuffix": "amazonaws.com"})

    def _type(self, logical: str) -> str:
        if logical not in self.template["Resources"]:  # e.g. SAM's Function.Alias, made by the transform
            raise Unmapped(f"{logical}: not a resource of the template")
        return self.template["Resources"][logical]["Type"]

    def ref(self, logical: str) -> str:
        if logical in self.pseudo:
            return self.pseudo[logical]
        if logical in self.parameters:
            return self.parameters[logical]
        if logical in self.template.get("Parameters", {}):
            if "Default" not in self.template["Parameters"][logical]:
                raise Unmapped(f"parameter {logical}: no Default and no setting feeds it")
            return str(self.template["Parameters"][logical]["Default"])
        kind, name = self._type(logical), self.names[logical]
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.where.region}.amazonaws.com/{self.where.account}/{name}"
        if kind in ("AWS::SNS::Topic", "AWS::SecretsManager::Secret"):
            return self.get_att(logical, "Arn")
        return name

    def get_att(self, logical: str, attribute: str) -> str:
        kind, name = self._type(logical), self.names[logical]
        if name.startswith("arn:"):  # a resource its settings name by ARN (a secret)
            return name
        if attribute in ("QueueName", "TopicName"):
            return name
        if attribute == "QueueUrl":
            return self.ref(logical)
        if attribute in ("Arn", "TopicArn") and kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{name}"
        if attribute in ("Arn", "TopicArn") and kind in _ARNS:
            service, resource = _ARNS[kind]
            return self.where.arn(service, resource.format(name))
        raise Unmapped(f"Fn::GetAtt {logical}.{attribute} ({kind})")

    def condition(self, name: str) -> bool:
        """The template's condition ``name``, on this stack's parameters."""
        if name not in self.template.get("Conditions", {}):
            raise Unmapped(f"condition {name}")
        return self._holds(self.template["Conditions"][name])

    def _holds(self, value: Mapping[str, Any]) -> bool:
        [(function, arguments)] = value.items()
        if function == "Fn::Equals":
            return str(self.resolve(arguments[0])) == str(self.resolve(arguments[1]))
        if function == "Fn::Not":
            return not self._holds(arguments[0])
        if function in ("Fn::And", "Fn::Or"):
            return (all if function == "Fn::And" else any)(self._holds(argument) for argument in arguments)
        if function == "Condition":
            return self.condition(arguments)
        raise Unmapped(f"condition function {function}")

    def _sub(self, text: str, variables: Mapping[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self.resolve(variables[name]))
            logical, _, attribute = name.partition(".")
            return self.get_att(logical, attribute) if attribute else self.ref(logical)

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function replaced by what CloudFormation would give on this stack."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self.ref(value["Ref"])
        if set(value) == {"Fn::GetAtt"}:
            logical, attribute = value["Fn::GetAtt"] if isinstance(value["Fn::GetAtt"], list) \
                else value["Fn::GetAtt"].split(".", 1)
            return self.get_att(logical, attribute)
        if set(value) == {"Fn::Sub"}:
            text, variables = value["Fn::Sub"] if isinstance(value["Fn::Sub"], list) else (value["Fn::Sub"], {})
            return self._sub(text, variables)
        if set(value) == {"Fn::If"}:
            condition, chosen, otherwise = value["Fn::If"]
            return self.resolve(chosen if self.condition(condition) else otherwise)
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(part) for part in self.resolve(parts))
        if len(value) == 1 and next(iter(value)).startswith("Fn::"):
            raise Unmapped(f"intrinsic function {next(iter(value))}")
        return {key: self.resolve(item) for key, item in value.items()}
