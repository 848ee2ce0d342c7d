"""The console: FastAPI routes over ``services``, Jinja2 templates in Bahasa Indonesia; no business rule
lives here."""
