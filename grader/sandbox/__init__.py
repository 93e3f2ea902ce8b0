"""Run a submission's code in a fresh, limited child interpreter (rule 1: student code never runs in
the process that decides a score). ``Sandbox(folder).call(module, target, kwargs, timeout_s) -> Reply``."""

from grader.sandbox.limits import Limits, Reply
from grader.sandbox.sandbox import Sandbox

__all__ = ["Limits", "Reply", "Sandbox"]
