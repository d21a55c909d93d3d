"""HTTP routes: thin layers that validate, call the store or ``model.*`` and return models."""
