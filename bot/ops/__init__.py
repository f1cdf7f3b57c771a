"""For operators: metrics and `briefing doctor`."""
