"""`python -m pipeline` is the same as `ihp`."""

from pipeline.cli import main

# Guarded: worker processes (spawned to read workbooks and render documents) import this module.
if __name__ == "__main__":
    main()
