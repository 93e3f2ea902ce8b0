"""The xdist scheduler of a grading run: each submission's checks on one worker, surviving a lost worker.

A submission's items are one unit of work, found from the opaque key in their ids
(``test_check[s00012::ex02_sigmoid::values]``): no ``xdist_group`` mark and no ``--dist loadgroup``, whose
node-id rewriting pytest 9.2 no longer honours (pytest-xdist issue 1386). The grader uses this scheduler
whatever ``--dist`` says (``-n 2`` alone is enough). With pytest-xdist 3.8's scope schedulers, a worker
killed part-way (the OOM killer, a stray SIGKILL) could hang the run forever: ``remove_node`` put every
group the worker had been given back in the queue, finished ones included, and the replacement worker,
handed a finished group first, was sent no check, so it never reported back and nothing asked for more work.
Here a lost worker's finished groups are dropped, the group it was grading is queued once more (its checks
run again on another worker), and a group that loses a worker a second time is given up: its remaining
checks are handed to ``on_lost``, which records them as crashed, and every other submission is still graded.
A replacement worker whose collection differs from the first one (a resumed run reads a journal that has
grown since) is accepted when it holds every check still to run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xdist.scheduler import LoadScopeScheduling


def submission_scope(nodeid: str) -> str:
    """The submission key of a grading item's node id (any other node id is its own scope)."""
    inner = nodeid.split("[", 1)[1] if "[" in nodeid else ""
    return inner.split("::", 1)[0] if "::" in inner else nodeid


class SubmissionScheduling(LoadScopeScheduling):
    """``LoadScopeScheduling`` by submission, with the behaviour of the module docstring.

    ``on_retry(nodeid)`` is called for the check that was running when its worker died and will run
    again; ``on_lost(nodeids)`` for the checks of a group given up after a second loss.
    """

    def __init__(self, config: Any, log: Any, on_retry: Callable[[str], None],
                 on_lost: Callable[[list[str]], None]) -> None:
        super().__init__(config, log)
        self.on_retry = on_retry
        self.on_lost = on_lost
        self.retried: set[str] = set()

    def _split_scope(self, nodeid: str) -> str:
        return submission_scope(nodeid)

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
