"""`python -m scormbuild` and the `scormbuild` command.

Loading the command line takes a moment (Typer, Jinja2, lxml, pydantic); a Ctrl+C in that
moment says "interrupted" and exits 130 like one during a command, never a traceback.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Console entry point: load the command line, then run it."""
    try:
        from .cli import main as run_cli
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    run_cli()


if __name__ == "__main__":
    main()
