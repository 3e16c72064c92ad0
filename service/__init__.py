"""The service layer both sides share: what the bot and the agents' side run on alike."""
