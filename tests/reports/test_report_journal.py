"""The journal round-trips every field; a truncated last line is skipped with a warning, nothing else."""

from __future__ import annotations

import pytest
from report_data import make_results

from grader.errors import UsageError
from grader.reports import JOURNAL_NAME, TruncatedJournalWarning, append_results, load_results, to_json


def test_round_trip(tmp_path, results):
    append_results(tmp_path / JOURNAL_NAME, results[:5])
    append_results(tmp_path / JOURNAL_NAME, results[5:])
    assert load_results(tmp_path) == results
    assert load_results(tmp_path / JOURNAL_NAME) == results


def test_a_truncated_last_line_loses_only_that_line(tmp_path, results):
    journal = tmp_path / JOURNAL_NAME
    line = to_json(results[-1])
    journal.write_text("".join(to_json(r) + "\n" for r in results[:-1]) + line[: len(line) // 2])
    with pytest.warns(TruncatedJournalWarning, match=f"{JOURNAL_NAME}:{len(results)}"):
        assert load_results(journal) == results[:-1]


def test_a_complete_last_line_without_newline_is_kept(tmp_path, results):
    journal = tmp_path / JOURNAL_NAME
    journal.write_text("\n".join(to_json(r) for r in results))
    assert load_results(journal) == results


def test_a_bad_line_in_the_middle_is_a_clear_error(tmp_path, results):
    journal = tmp_path / JOURNAL_NAME
    journal.write_text(to_json(results[0]) + '\n{"student": 1}\n' + to_json(results[1]) + "\n")
    with pytest.raises(UsageError, match=r":2: not a result record: missing field\(s\) exercise"):
        load_results(journal)


def test_an_unknown_outcome_is_rejected(tmp_path, results):
    journal = tmp_path / JOURNAL_NAME
    journal.write_text(to_json(results[0]).replace('"passed"', '"great"') + "\n" + to_json(results[1]) + "\n")
    with pytest.raises(UsageError, match=r":1: .*great"):
        load_results(journal)


def test_a_missing_journal_is_a_clear_error(tmp_path):
    with pytest.raises(UsageError, match="cannot read the results journal"):
        load_results(tmp_path / "nowhere")


def test_make_results_is_deterministic():
    assert make_results() == make_results()
