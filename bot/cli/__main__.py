"""`python -m bot.cli`: the same as the `briefing` command."""

from bot.cli import main

main()
