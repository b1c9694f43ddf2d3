"""A brief's lead image: the upload checked, its renditions made and stored,
and what pages and metadata say about it.

``renditions`` is plain Pillow (bytes in, renditions out); ``storage`` holds
the uploaded originals where nothing serves them; ``lead`` ties both to a
brief (on save) and to the pages (the ``<picture>`` and the share image).
"""
