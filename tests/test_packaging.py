"""What ships: the licence the metadata names, and a container image built from the wheel."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def test_the_license_file_is_the_licence_pyproject_names() -> None:
    licence = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert (ROOT / "LICENSE").read_text().splitlines()[0] == f"{licence} License"


def test_the_image_installs_the_wheel_from_files_that_exist() -> None:
    """A COPY of a folder that is gone breaks the build; an editable install hides what a
    wheel would lose (issue: rules silently missing when installed as a wheel)."""
    text = DOCKERFILE.read_text()
    sources = [
        source
        for line in text.splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
    ]
    assert sources and all((ROOT / source).exists() for source in sources), sources
    assert "pip wheel" in text and re.search(r"pip install [^\n]*\.whl", text)
    assert not re.search(r"pip install[^\n]* -e\b", text)
