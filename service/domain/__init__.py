"""Pure domain: states, the transition table, session and vehicle models, the catalogue."""
