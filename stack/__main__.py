"""`python -m stack` is the `azora` command."""

from stack.cli import main

main()
