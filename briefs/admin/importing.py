"""A new brief from a document, in the admin."""


class ImportFromDocument:
    """The brief admin's import page (to come: an upload or a paste, previewed
    as the importer reads it, then created as a draft)."""
