raise RuntimeError("a stray module with a space in its name is never imported")
