"""`deepgrade check [PATH]`: a student checks their own work against the public checks.

PATH is a folder of exercise modules (default: the current folder) or a notebook. The code runs in the
same sandbox as for grading; public expected values come from ``grader/data/public_expected.json``
through ``grader.expected``, so this works without ``solutions/``. Prints a compact table of the checks
and one block per failed check (``grader.commands.check_output``) and exits 0 only when every check shown
passes. ``-e`` takes an exercise id, its number (``ex02``, ``2``) or suggests the closest id.

``--watch`` keeps running: it polls the modification times of PATH's modules (standard library only) and,
when a module is saved, re-runs that exercise's checks and prints only the checks whose result changed.
Ctrl-C stops it with one line and exit status 0.
"""

from __future__ import annotations

import argparse
import difflib
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.model import Text

WATCHING = Text(
    "Surveillance de {path} : enregistrez un module pour relancer ses tests (Ctrl-C pour arrêter).",
    "Watching {path}: save a module to re-run its checks (Ctrl-C to stop).",
)
CHANGED = Text("{module} modifié : {count} test(s) changé(s).", "{module} changed: {count} check(s) changed.")
UNCHANGED = Text("{module} modifié : aucun résultat n'a changé.", "{module} changed: no result changed.")
STOPPED = Text("Surveillance arrêtée.", "Stopped watching.")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check", help="check your exercises against the public checks")
    parser.add_argument("path", nargs="?", type=Path, default=Path("."),
                        help="folder of exercise modules or a notebook (default: current folder)")
    parser.add_argument("-e", "--exercise", action="append", default=None,
                        help="only this exercise: its id or number, e.g. ex02 (repeatable); "
                             "default: the exercises found in PATH")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr", help="language (default fr)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also show the passing checks' values")
    parser.add_argument("--watch", action="store_true",
                        help="re-run an exercise's checks each time its module is saved (Ctrl-C to stop)")
    parser.add_argument("--watch-interval", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--watch-cycles", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=None, help="seconds per call")
    parser.add_argument("--sandbox", choices=("auto", "bwrap", "process"), default="auto",
                        help="isolation: bubblewrap namespaces, process-level only, or auto (default)")
    parser.add_argument("--backend", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--plots", type=Path, default=None, metavar="DIR",
                        help="also draw pictures of your work (PNG) into DIR")
    parser.set_defaults(run=run)


def resolve_exercises(asked: Sequence[str], names: Sequence[str]) -> list[str]:
    """The exercise ids for ``-e`` values: an id, its number (``ex02``, ``02``, ``2``) or, when nothing
    matches, a ``UsageError`` suggesting the closest ids."""
    chosen = []
    for item in asked:
        if item in names:
            chosen.append(item)
            continue
        number = re.fullmatch(r"(?:ex)?0*(\d+)", item.strip().lower())
        found = [n for n in names if number and re.match(rf"ex0*{number.group(1)}_", n)]
        if len(found) == 1:
            chosen.append(found[0])
            continue
        close = difflib.get_close_matches(item, names, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else f" (known: {names[0]} ... {names[-1]})"
        raise UsageError(f"unknown exercise {item!r}{hint}")
    return list(dict.fromkeys(chosen))


class Checker:
    """Runs the public checks of chosen exercises on fresh copies of PATH (a new sandbox each time, so a
    saved module is what runs)."""

    def __init__(self, args: argparse.Namespace, backend: Any, launcher: Any, work: Path) -> None:
        from grader.engine.grading import Options, Pool

        self.path, self.backend, self.work = args.path, backend, work
        self.pool = Pool(backend, Options(timeout_s=args.timeout, public_only=True, launcher=launcher))
        self.runs = 0

    def folder(self) -> Path:
        from grader.intake import IntakeError, read_entry

        self.runs += 1
        target = self.work / f"run{self.runs}"
        target.mkdir()
        try:
            _, folder = read_entry(self.path.resolve(), self.backend.module_names, target)
        except IntakeError as err:
            raise UsageError(f"{self.path}: {err}") from None
        return folder

    def run(self, exercise_ids: Sequence[str], folder: Path | None = None) -> list[Any]:
        from grader.commands.check_output import Entry
        from grader.engine.grading import grade_detailed
        from grader.intake import Submission

        folder = folder or self.folder()
        sub = Submission(f"self-check-{self.runs}", folder, "folder")
        entries = []
        for ex in self.backend.exercises:
            if ex.id not in exercise_ids:
                continue
            for check in ex.checks:
                if check.hidden:
                    continue
                graded = grade_detailed(self.pool, sub, ex, check)
                entries.append(Entry(ex, check, graded.result, graded.expected, graded.got))
        return entries

    def close(self) -> None:
        self.pool.close()


def run(args: argparse.Namespace) -> int:
    from grader.commands.check_output import Style, report, terminal_width
    from grader.engine.backend import load_backend

    path: Path = args.path
    if not path.exists():
        raise UsageError(f"not found: {path}")
    if path.is_file() and path.suffix != ".ipynb":
        raise UsageError(f"expected a folder of exercise modules or a .ipynb notebook: {path}")
    backend = load_backend(args.backend)
    names = backend.module_names
    asked = resolve_exercises(args.exercise, names) if args.exercise else None
    from grader.sandbox import bwrap

    launcher, warning = bwrap.resolve(args.sandbox)
    if warning:
        print(f"deepgrade: warning: {warning}", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="deepgrade-check-"))
    checker = Checker(args, backend, launcher, work)
    style = Style(sys.stdout.isatty())
    try:
        folder = checker.folder()
        chosen = asked or [n for n in names if (folder / f"{n}.py").is_file()]
        if not chosen:
            raise UsageError(f"no exercise module found in {path} (expected files like {names[0]}.py)")
        try:
            entries = checker.run(chosen, folder)
        except KeyboardInterrupt:
            if not args.watch:
                raise
            print(STOPPED(args.lang), flush=True)
            return 0
        print(report(entries, args.lang, terminal_width(), style, args.verbose), flush=True)
        if args.plots is not None:
            from grader.plots import describe, write_plots

            pictures = write_plots(folder, args.plots, args.lang, exercises=chosen, sandbox=args.sandbox,
                                   launcher=launcher)
            print("\n".join(describe(pictures, args.lang)), flush=True)
        if args.watch:
            return watch(args, checker, chosen, entries, style)
        return 0 if all(e.passed for e in entries) else 1
    finally:
        checker.close()
        shutil.rmtree(work, ignore_errors=True)


def _stamps(path: Path, chosen: Sequence[str]) -> dict[str, float]:
    """Modification time of each watched file: PATH itself for a notebook, else each chosen module."""
    files = {"*": path} if path.is_file() else {n: path / f"{n}.py" for n in chosen}
    out = {}
    for name, file in files.items():
        try:
            out[name] = file.stat().st_mtime_ns
        except OSError:
            out[name] = -1
    return out


def watch(
    args: argparse.Namespace, checker: Checker, chosen: Sequence[str], entries: list[Any], style: Any,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Poll, re-run what was saved, print what changed; ``--watch-cycles`` bounds the polls (tests)."""
    from grader.commands.check_output import block, summary, table, terminal_width

    lang, path = args.lang, args.path
    latest = {e.key: e for e in entries}
    stamps = _stamps(path, chosen)
    print(WATCHING(lang).format(path=path), flush=True)
    cycles = 0
    try:
        while args.watch_cycles is None or cycles < args.watch_cycles:
            cycles += 1
            sleep(args.watch_interval)
            now = _stamps(path, chosen)
            saved = [n for n in now if now[n] != stamps.get(n)]
            stamps = now
            if not saved:
                continue
            rerun = list(chosen) if "*" in saved else [n for n in chosen if n in saved]
            try:
                fresh = checker.run(rerun)
            except UsageError as err:  # the notebook cannot be read right now: say so, keep watching
                print(f"deepgrade: {err}", flush=True)
                continue
            changed = [e for e in fresh if _differs(latest.get(e.key), e)]
            latest.update({e.key: e for e in fresh})
            width = terminal_width()
            module = path.name if "*" in saved else ", ".join(f"{n}.py" for n in rerun)
            lines = ["", (CHANGED if changed else UNCHANGED)(lang).format(module=module, count=len(changed))]
            if changed:
                lines += table(changed, lang, width, style)
                for entry in changed:
                    if not entry.passed or args.verbose:
                        lines += ["", *block(entry, lang, width, style)]
            lines += [summary(list(latest.values()), lang)]
            print("\n".join(lines), flush=True)
    except KeyboardInterrupt:
        print(STOPPED(lang), flush=True)
    return 0


def _differs(before: Any, after: Any) -> bool:
    if before is None:
        return True
    b, a = before.result, after.result
    return (b.outcome, b.reason, b.points) != (a.outcome, a.reason, a.points)
