"""Pure functions and models over text: normalise, detect, classify, locate, route, redact.

Nothing here touches the database: ``flows/`` reads Documents and writes Detections around these functions.
"""
