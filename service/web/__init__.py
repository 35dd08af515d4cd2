"""Hosted pages (start, vehicle choice, end) and the sandbox provider's login page."""
