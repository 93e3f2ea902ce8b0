import _honest_ex05_quadratic_cost as _h
from _slow import just_in_time


def quadratic_cost(y_pred, y_true):
    return just_in_time(_h.quadratic_cost(y_pred, y_true))


def quadratic_cost_grad(y_pred, y_true):
    return just_in_time(_h.quadratic_cost_grad(y_pred, y_true))
