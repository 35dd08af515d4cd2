"""Thin HTTP routers over the flows."""
