"""The bot's own multi-turn dialogues the engine hands a turn to: clarifying questions, CSAT."""
