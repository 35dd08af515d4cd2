"""User tokens, encryption at rest, sealed page tokens and states, development secrets."""
