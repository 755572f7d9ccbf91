"""The ground floor: project paths, the Oslo calendar, the districts, every assumption, the result CSV writer, the figure style and the manifests of what the project made.

Imports nothing of lib's.
"""
