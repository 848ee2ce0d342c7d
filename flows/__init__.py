"""Prefect flows and the small services they call: thin orchestration over config, crawlers, nlp and db."""
