"""The reports of a grading run, built with pandas from the recorded check results.

Public API: :func:`write_reports`, :func:`load_results` (the journal ``<out>/results.jsonl``),
:func:`summarise` (the per-student summary the CLI prints) and the journal helpers.
"""

from grader.reports.journal import (
    JOURNAL_NAME,
    TruncatedJournalWarning,
    append_results,
    from_record,
    load_results,
    merge_journal,
    rewrite_journal,
    to_json,
)
from grader.reports.plan import PLAN_NAME, load_plan
from grader.reports.tables import exercise_stats, summarise, wide_table
from grader.reports.write import write_reports

__all__ = [
    "JOURNAL_NAME",
    "PLAN_NAME",
    "TruncatedJournalWarning",
    "append_results",
    "exercise_stats",
    "from_record",
    "load_plan",
    "load_results",
    "merge_journal",
    "rewrite_journal",
    "summarise",
    "to_json",
    "wide_table",
    "write_reports",
]
