"""The scalar rules of ``kernels.rules`` compiled once for the CPU kernels (one object per rule, under the
rule's name), with the vectorisable ``exp`` of ``kernels.cpu.vexp`` and ``tanh`` of ``kernels.cpu.vtanh``
in place of ``math.exp`` and ``math.tanh``."""

from __future__ import annotations

from kernels import rules
from kernels._jit import compile_rules
from kernels.cpu import vexp, vtanh

_compiled = compile_rules(rules, {"exp": vexp.exp, "tanh": vtanh.tanh})
globals().update(_compiled)  # every rule under its own name: r.sigmoid, r.adam_rule, ...
__all__ = sorted(_compiled)
