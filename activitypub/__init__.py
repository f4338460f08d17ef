"""A small ActivityPub protocol library: vocabulary, JSON-LD, HTTP signatures, signed client.

Nothing here imports from the rest of the project, so it could be published on its own.
"""
