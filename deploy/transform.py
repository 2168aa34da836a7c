"""Transform the packaged SAM template into the CloudFormation template that is deployed, as CloudFormation's
``AWS::Serverless`` transform would, so the linters see every resource SAM adds (aliases, deployment groups,
event rules, permissions).

Runs in the lint environment (``requirements-lint.txt``: aws-sam-translator pins a pydantic older than the app's).

    python -m deploy.transform dist/sam.json dist/cloudformation.json
"""

import json
import sys
from pathlib import Path
from typing import Any

from boto3.session import Session
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

# Only fills SAM's pseudo parameters (the template itself uses ${AWS::Region}); every function has its own role,
# so no managed-policy name is looked up in IAM and no credentials are needed.
REGION = "us-east-1"


def transform(template: dict[str, Any]) -> dict[str, Any]:
    for resource in template["Resources"].values():  # where `aws cloudformation package` uploads the bundle
        if str(resource.get("Properties", {}).get("CodeUri", "")).endswith(".zip"):
            resource["Properties"]["CodeUri"] = "s3://deployment-bucket/deployment.zip"
    translator = Translator({}, Parser(), boto_session=Session(region_name=REGION))
    return translator.translate(template, parameter_values={}, get_managed_policy_map=dict)


def main(source: Path, target: Path) -> None:
    transformed = transform(json.loads(source.read_text()))
    target.write_text(json.dumps(transformed, indent=2) + "\n")
    print(f"{target}: {len(transformed['Resources'])} resources")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
