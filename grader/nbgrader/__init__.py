"""The nbgrader bridge: course generation from the registry (``build``), the cells' metadata (``cells``),
the test-cell helpers shipped to students (``deepgrade_check``) and nbgrader's gradebook read back as
deepgrade's check results (``gradebook``)."""
