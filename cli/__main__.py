"""``python -m cli``: the same as the ``pantau`` command."""

from cli import main

main()
