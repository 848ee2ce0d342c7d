"""The API (``/api/v1``): the console's services for other systems of a region, behind personal tokens."""
