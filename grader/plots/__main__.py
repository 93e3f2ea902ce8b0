"""``python -m grader.plots [--write]``: check, or write, grader/data/plot_reference.json from solutions/."""

from grader.plots.reference import main

raise SystemExit(main())
