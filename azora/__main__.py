"""`python -m azora` is the `azora` command."""

from azora.cli import main

main()
