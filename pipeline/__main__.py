"""`python -m pipeline` is the same as `ihp`."""

from pipeline.cli import main

main()
