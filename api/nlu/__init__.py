"""NLU: what the assistant understands of a text (intent, domain, confidence)."""
