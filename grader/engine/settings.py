"""The sandbox limits a grading run takes from its command line, mapped once onto ``grader.sandbox.Limits``.

One table (``LIMITS``) names each setting's ``Limits`` field, its ``deepgrade grade`` flag, its pytest
plugin option, its type, default and smallest accepted value. ``deepgrade grade`` and the plugin both
register their options from it, the CLI hands the values on with ``pytest_flags``, and ``limits`` builds the
``Limits`` of a run from either namespace: ``--memory 1024`` becomes ``--grade-memory 1024`` becomes
``Limits(memory_mb=1024)`` through this table only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grader.errors import UsageError

if TYPE_CHECKING:
    from grader.sandbox import Limits


@dataclass(frozen=True)
class Setting:
    """One limit: ``field`` of ``Limits``; ``cli`` the ``deepgrade grade`` flag (None: plugin only);
    ``option`` the pytest plugin's; values below ``minimum`` are refused (``minimum == 0``: positive)."""

    field: str
    cli: str | None
    option: str
    kind: type
    default: int | float
    minimum: int | float
    metavar: str
    help: str

    @property
    def dest(self) -> str:
        return f"grade_{self.field}"

    def problem(self, value: int | float) -> str | None:
        if self.minimum == 0 and value <= 0:
            return f"{self.cli or self.option} must be positive"
        if value < self.minimum:
            return f"{self.cli or self.option} must be at least {self.minimum:g} {self.metavar}"
        return None


LIMITS: tuple[Setting, ...] = (
    Setting("memory_mb", "--memory", "--grade-memory", int, 2048, 256, "MB",
            "memory of a submission's sandbox (each process and all together), in MB (default 2048)"),
    Setting("budget_s", "--budget", "--grade-budget", float, 300.0, 0, "SECONDS",
            "wall time of all calls of one submission together, in seconds (default 300)"),
    Setting("disk_mb", "--disk", "--grade-disk", int, 256, 16, "MB",
            "what one submission's sandbox may write, in MB (default 256)"),
    Setting("threads", None, "--grade-threads", int, 1, 1, "N",
            "threads a child may use for Numba/BLAS (default 1)"),
)


def add_options(add: Callable[..., Any], *, cli: bool) -> None:
    """Register every setting with ``add`` (``argparse``'s ``add_argument`` when ``cli``, else pytest's
    ``addoption``), all under the same ``dest``."""
    for s in LIMITS:
        flag = s.cli if cli else s.option
        if flag is not None:
            add(flag, dest=s.dest, type=s.kind, default=s.default, metavar=s.metavar, help=s.help)


def check(values: Any) -> None:
    """A one-line ``UsageError`` for the first value below its minimum."""
    for s in LIMITS:
        why = s.problem(getattr(values, s.dest, s.default))
        if why:
            raise UsageError(why)


def limits(values: Any) -> Limits:
    """The ``Limits`` of a run from a namespace holding the settings (defaults for the absent ones)."""
    from grader.sandbox import Limits

    return Limits(**{s.field: s.kind(getattr(values, s.dest, s.default)) for s in LIMITS})


def pytest_flags(values: Any) -> list[str]:
    """The plugin options that carry the settings of ``values`` to a pytest session."""
    return [arg for s in LIMITS for arg in (s.option, str(getattr(values, s.dest, s.default)))]
