"""The scalar rules of ``kernels.rules`` compiled once for the CPU kernels (one object per rule), with the
vectorisable ``exp`` of ``kernels.cpu.vexp`` in place of ``math.exp``."""

from __future__ import annotations

from kernels import rules
from kernels._jit import compile_rules
from kernels.cpu import vexp

_compiled = compile_rules(rules, {"exp": vexp.exp})

step = _compiled["step"]
step_grad = _compiled["step_grad"]
sigmoid = _compiled["sigmoid"]
sigmoid_grad = _compiled["sigmoid_grad"]
tanh = _compiled["tanh"]
tanh_grad = _compiled["tanh_grad"]
relu = _compiled["relu"]
relu_grad = _compiled["relu_grad"]
leaky_relu = _compiled["leaky_relu"]
leaky_relu_grad = _compiled["leaky_relu_grad"]
elu = _compiled["elu"]
elu_grad = _compiled["elu_grad"]

quadratic_loss = _compiled["quadratic_loss"]
quadratic_loss_grad = _compiled["quadratic_loss_grad"]
binary_cross_entropy = _compiled["binary_cross_entropy"]
binary_cross_entropy_grad = _compiled["binary_cross_entropy_grad"]

sgd_rule = _compiled["sgd_rule"]
momentum_rule = _compiled["momentum_rule"]
nesterov_lookahead_rule = _compiled["nesterov_lookahead_rule"]
nesterov_rule = _compiled["nesterov_rule"]
adagrad_rule = _compiled["adagrad_rule"]
rmsprop_rule = _compiled["rmsprop_rule"]
adam_rule = _compiled["adam_rule"]

l2_penalty_term = _compiled["l2_penalty_term"]
l2_grad_rule = _compiled["l2_grad_rule"]
dropout_rule = _compiled["dropout_rule"]
