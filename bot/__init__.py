"""The conversation engine, its channels and the composition root."""
