"""solescan's vision and learning core: from photo bytes to a pronation screening result.

This package never imports FastAPI; the service and the command line are thin layers
over :func:`model.analyze.analyze` and the training code.
"""
