"""`python -m scormbuild` runs the command line."""

from .cli import main

main()
