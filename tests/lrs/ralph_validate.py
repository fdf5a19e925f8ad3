"""Validate xAPI statements with Ralph's pydantic model ``BaseXapiStatement``.

Runs inside .venv-ralph. stdin: a JSON array of statements. stdout: a JSON array with, for each
statement, a list of error strings ("loc.path: message"); an empty list means valid.
With ``--lines``: one JSON array per stdin line, one answer line each (a long-lived worker).
"""

from __future__ import annotations

import json
import sys

from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement


def errors_for(statement: object) -> list[str]:
    try:
        BaseXapiStatement.model_validate(statement)
    except ValidationError as exc:
        return [
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        ]
    return []


def main() -> None:
    if "--lines" in sys.argv:
        for line in sys.stdin:
            if line.strip():
                sys.stdout.write(json.dumps([errors_for(s) for s in json.loads(line)]) + "\n")
                sys.stdout.flush()
        return
    statements = json.load(sys.stdin)
    if not isinstance(statements, list):
        raise SystemExit("stdin must hold a JSON array of statements")
    json.dump([errors_for(statement) for statement in statements], sys.stdout)


if __name__ == "__main__":
    main()
