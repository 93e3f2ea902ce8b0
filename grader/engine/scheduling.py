"""The xdist scheduler of a grading run: one submission per unit of work, surviving a lost worker.

Each grading item is one submission (``grader.engine.test_submissions``), and its own scope here. The grader
uses this scheduler whatever ``--dist`` says (``-n 2`` alone is enough). With pytest-xdist 3.8's scope
schedulers, a worker killed part-way (the OOM killer, a stray SIGKILL) could hang the run forever:
``remove_node`` put every unit the worker had been given back in the queue, finished ones included, and the
replacement worker, handed a finished unit first, was sent nothing to run, so it never reported back and
nothing asked for more work. Here a lost worker's finished units are dropped, the submission it was grading
is queued once more (graded again on another worker), and a submission that loses a worker a second time is
given up: ``on_lost`` records its checks as crashed, and every other submission is still graded. A
replacement worker whose collection differs from the first one (a resumed run reads a journal that has grown
since) is accepted when it holds every submission still to run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xdist.scheduler import LoadScopeScheduling


class SubmissionScheduling(LoadScopeScheduling):
    """``LoadScopeScheduling`` by submission, with the behaviour of the module docstring.

    ``on_retry(nodeid)`` is called for the submission that was being graded when its worker died and will
    be graded again; ``on_lost(nodeids)`` for those given up after a second loss (the one being graded is
    also returned to xdist, which reports it as a crashed item).
    """

    def __init__(self, config: Any, log: Any, on_retry: Callable[[str], None],
                 on_lost: Callable[[list[str]], None]) -> None:
        super().__init__(config, log)
        self.on_retry = on_retry
        self.on_lost = on_lost
        self.retried: set[str] = set()

    def _split_scope(self, nodeid: str) -> str:
        return nodeid

    def remove_node(self, node: Any) -> str | None:
        workload = self.assigned_work.pop(node)
        pending = {scope: unit for scope, unit in workload.items() if not all(unit.values())}
        if not pending:
            return None
        scope, unit = next(iter(pending.items()))  # a worker runs its groups in the order given
        crashitem = next(nodeid for nodeid, done in unit.items() if not done)
        if scope in self.retried:
            del pending[scope]
            self.on_lost([nodeid for nodeid, done in unit.items() if not done and nodeid != crashitem])
        else:
            self.retried.add(scope)
            self.on_retry(crashitem)
        self.workqueue.update(pending)
        for other in self.assigned_work:
            self._reschedule(other)
        return crashitem

    def add_node_collection(self, node: Any, collection: Any) -> None:
        if self.collection_is_completed and list(collection) != self.collection:
            still_to_run = {nodeid for unit in self.workqueue.values() for nodeid, done in unit.items()
                            if not done}
            if still_to_run <= set(collection):
                self.registered_collections[node] = list(collection)
                return
        super().add_node_collection(node, collection)
