"""Numba CPU kernels. Private: the typed, validated API is in ``kernels.<module>``.

Every kernel takes C-contiguous float32 or float64 arrays that the public wrapper has already checked,
writes its results into arrays it is given where a caller may reuse them, and never compiles anything at
import time (compilation happens on the first call per dtype and is cached on disk).
"""
