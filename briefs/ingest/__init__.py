"""Source documents in and briefs out: parsing text into a document,
importing documents as briefs, and the export format."""
