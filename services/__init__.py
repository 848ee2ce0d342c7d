"""Services: the actions people and flows take on reports, and the adapters to systems outside Pantau."""
