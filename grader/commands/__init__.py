"""Sub-commands of the deepgrade command line."""
