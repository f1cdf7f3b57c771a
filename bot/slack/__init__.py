"""The Slack surface: Bolt's listeners, one worker, replies in Block Kit (see `bot.slack.bot`)."""
