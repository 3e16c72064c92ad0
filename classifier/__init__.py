"""Text classification: intent, type and priority of a customer's message."""
