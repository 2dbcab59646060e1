"""The service's contract in a standard form: an AsyncAPI 3.0 document generated from the
models (`asyncapi.py`, from `catalogue.py` and `schemas.py`), served at `GET /asyncapi.json`
(`route.py`) and written to docs/asyncapi.json by `python -m` this package (`__main__.py`)."""

from .asyncapi import build_document, render

__all__ = ["build_document", "render"]
