"""deepgrade as a Gradescope autograder.

``bundle.build_zip`` writes the zip that an instructor uploads (``deepgrade gradescope build OUT.zip``):
``setup.sh`` and ``run_autograder`` at its root (Gradescope's "Autograder Specifications"), the wheel of
this deepgrade under ``wheel/``, the instructor's ``solutions/`` under ``instructor/solutions/`` and the
autograder's settings in ``deepgrade_autograder.json``. Never the secret: Gradescope passes it to
``run_autograder`` as the environment variable ``DEEPGRADE_SECRET`` set in the assignment's autograder
settings.

``prepare`` is ``setup.sh``'s Python part (once, when Gradescope builds the image): it checks the layout and
locks ``instructor/`` so that a sandbox child cannot read it. ``run`` is ``run_autograder``'s: it grades
``/autograder/submission`` with ``deepgrade grade`` (the sandbox, hidden checks from
``$DEEPGRADE_SOLUTIONS``) and writes ``/autograder/results/results.json`` with the reports' own builder
(``grader.reports.gradescope``).
"""
