"""Thin routes per area: each reads the request, calls a service, renders a template."""
