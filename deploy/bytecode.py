"""Add compiled bytecode to the deployment zip, so no Lambda compiles its modules on a cold start.

``chalice package`` zips sources only (wheels carry no ``.pyc``), and a function's code directory is
read-only, so without this every cold start compiles every module it imports (boto3, pydantic, the app)
and throws the result away. The ``.pyc`` files are *unchecked-hash*: the zip's timestamps don't matter
and Python does not stat the source to validate them. They must come from the runtime's Python version.

    python -m deploy.bytecode dist/deployment.zip [dist/sam.json]
"""

import compileall
import json
import re
import sys
import tempfile
import zipfile
from pathlib import Path
from py_compile import PycInvalidationMode

LAMBDA_ROOT = "/var/task"


def runtime_versions(template: Path) -> set[str]:
    """The Python versions (``"3.11"``) of the template's functions."""
    resources = json.loads(template.read_text())["Resources"].values()
    runtimes = {r["Properties"].get("Runtime", "") for r in resources if r["Type"] == "AWS::Serverless::Function"}
    return {match.group(1) for runtime in runtimes if (match := re.fullmatch(r"python(\d+\.\d+)", runtime))}


def add(archive: Path) -> int:
    """Compile every module in ``archive`` and rewrite it with the ``.pyc`` files (any it carried, say from a
    developer's ``__pycache__``, are replaced); returns how many were added."""
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        with zipfile.ZipFile(archive) as bundle:
            entries = [entry for entry in bundle.infolist() if not entry.filename.endswith(".pyc")]
            bundle.extractall(root, entries)
        if not compileall.compile_dir(root, quiet=1, ddir=LAMBDA_ROOT, workers=0,
                                      invalidation_mode=PycInvalidationMode.UNCHECKED_HASH):
            raise SystemExit(f"{archive}: some modules do not compile (listed above); nothing was changed")
        compiled = sorted(root.rglob("*.pyc"))
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for entry in entries:  # as chalice wrote them (modes, dates)
                bundle.writestr(entry, (root / entry.filename).read_bytes() if not entry.is_dir() else b"")
            for path in compiled:
                bundle.write(path, path.relative_to(root).as_posix())
    return len(compiled)


def main(archive: Path, template: Path | None) -> None:
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    if template is not None and (wanted := runtime_versions(template)) != {here}:
        sys.exit(f"the functions run Python {', '.join(sorted(wanted))}; compile with that version, not {here}")
    print(f"{archive}: added {add(archive)} compiled modules (Python {here})")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
