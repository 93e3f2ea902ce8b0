"""deepgrade: benchmarks."""
