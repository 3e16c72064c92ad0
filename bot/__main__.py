"""`python -m bot` runs the `frontdesk` command line."""

from bot.cli import main

main()
