"""solescan's HTTP service and command line: thin layers over :mod:`model`.

``service.app.create_app`` builds the FastAPI application; ``service.cli`` is the
``solescan`` command.
"""
