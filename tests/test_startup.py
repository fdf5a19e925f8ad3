"""Start-up stays light: the command line loads only what the command run needs.

A structural check on sys.modules in a fresh interpreter, never a timing: designers run
`check` on every save, so the render stack must not load for `--help`, and `import
scormbuild.cli` must not load lxml, Jinja2, markdown-it or the stage modules.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("lxml", "jinja2", "markdown_it", "mdit_py_plugins", "yaml", "pygments",
         "scormbuild.pipeline", "scormbuild.model", "scormbuild.markup", "scormbuild.theme",
         "scormbuild.xsd", "scormbuild.sources", "scormbuild.specs", "scormbuild.audit",
         "scormbuild.statesize", "scormbuild.package_check", "scormbuild.preview")


def loaded_after(code: str) -> set[str]:
    """The module names a fresh interpreter holds after running code."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)


def test_importing_the_cli_loads_no_stage_module() -> None:
    assert heavy_in(loaded_after("import scormbuild.cli")) == []


@pytest.mark.parametrize("args", [["--help"], ["targets", "--names"], ["build", "--help"],
                                  ["schema", "--help"]])
def test_light_commands_load_no_stage_module(args: list[str]) -> None:
    code = (f"import sys\nfrom scormbuild import cli\nsys.argv = ['scormbuild', *{args!r}]\n"
            "try:\n    cli.main()\nexcept SystemExit:\n    pass")
    assert heavy_in(loaded_after(code)) == []


def test_the_package_still_exports_its_public_api() -> None:
    import scormbuild

    assert {name: getattr(scormbuild, name).__name__ for name in scormbuild.__all__} == {
        "BuildResult": "BuildResult", "CourseInvalid": "CourseInvalid",
        "Diagnostic": "Diagnostic", "Location": "Location", "build": "build", "check": "check",
        "compile_course": "compile_course"}
    with pytest.raises(AttributeError):
        _ = scormbuild.no_such_name  # type: ignore[attr-defined]


def test_target_names_are_the_table() -> None:
    from scormbuild.targets import TARGET_NAMES, TARGETS

    assert tuple(TARGETS) == TARGET_NAMES
    assert all(TARGETS[name].name == name for name in TARGET_NAMES)
