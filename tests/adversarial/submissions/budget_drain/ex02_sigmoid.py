import _honest_ex02_sigmoid as _h
from _slow import just_in_time


def sigmoid(z):
    return just_in_time(_h.sigmoid(z))


def sigmoid_grad(z):
    return just_in_time(_h.sigmoid_grad(z))
