"""Fixtures of the report tests: the synthetic run of report_data, and its reports written once."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_data import make_results

from grader.model import CheckResult
from grader.reports import write_reports


@pytest.fixture(scope="session")
def results() -> list[CheckResult]:
    return make_results()


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("reports")
    return out, write_reports(make_results(), out, lang="fr")
