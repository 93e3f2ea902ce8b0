import _honest_ex01_perceptron as _h
from _slow import just_in_time


def step(z):
    return just_in_time(_h.step(z))


def perceptron(x, w, b):
    return just_in_time(_h.perceptron(x, w, b))
