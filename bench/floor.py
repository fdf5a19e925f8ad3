"""The floor a build is measured against: read every file of a course, write them into a zip.

Usage: python bench/floor.py COURSE_DIR OUT_ZIP. Nothing is parsed or rendered: this is the least
work any tool that packages the course must do (start Python, read the files, deflate, write).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path


def main() -> None:
    course, out = Path(sys.argv[1]), Path(sys.argv[2])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(course.rglob("*")):
            if path.is_file():
                archive.writestr(path.relative_to(course).as_posix(), path.read_bytes())


if __name__ == "__main__":
    main()
