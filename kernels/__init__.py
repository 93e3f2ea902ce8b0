"""deepgrade: kernels."""
