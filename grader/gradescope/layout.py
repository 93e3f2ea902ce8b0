"""Where things are in a Gradescope autograder container (Gradescope's "Autograder Specifications":
``/autograder/source`` holds the unpacked zip, ``/autograder/submission`` the student's files,
``/autograder/results/results.json`` the output) and in deepgrade's zip, and the zip's settings file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.errors import UsageError

DEFAULT_ROOT = Path("/autograder")
SOURCE = "source"  # the unpacked zip
SUBMISSION = "submission"
RESULTS = "results"  # results/results.json
METADATA = "submission_metadata.json"
INSTRUCTOR = "instructor"  # source/instructor/solutions: locked by setup.sh, read through DEEPGRADE_SOLUTIONS
WHEEL_DIR = "wheel"
CONFIG_NAME = "deepgrade_autograder.json"
VENV = "deepgrade-venv"  # /autograder/deepgrade-venv, made by setup.sh
SECRET_ENV = "DEEPGRADE_SECRET"


@dataclass(frozen=True)
class Settings:
    """The autograder's settings, chosen at ``deepgrade gradescope build`` time."""

    version: str
    lang: str = "en"
    sandbox: str = "auto"
    public_only: bool = False
    memory_mb: int = 2048
    budget_s: float = 300.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1) + "\n"


def solutions(root: Path) -> Path:
    """The instructor's solutions inside an autograder root."""
    return root / SOURCE / INSTRUCTOR / "solutions"


def load_settings(root: Path) -> Settings:
    """The settings of the zip unpacked in ``root/source``; a one-line ``UsageError`` when unreadable."""
    path = root / SOURCE / CONFIG_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Settings(**data)
    except (OSError, ValueError, TypeError) as err:
        raise UsageError(f"cannot read the autograder's settings {path}: {err}") from None
