"""Stand-ins for systems outside Pantau (LAPOR!, an SMTP server, a webhook receiver) for tests and the demo.

They run as their own processes and speak the real protocol; production code never imports this package.
"""
