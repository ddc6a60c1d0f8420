"""The JSON request format, defined once as pydantic models.

The models (``people``, ``procedure``, ``clinical``, ``request``; value types in
``fields``) are the format: they check a request, convert it to the engine's frozen
dataclasses (``rules.facts``, the engine's contract, which they mirror field by field)
and generate the published schema (``schema``). ``errors`` words pydantic's errors as
the format always has. ``rules.io`` is the public face; import from there.
"""
