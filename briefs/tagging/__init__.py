"""Tags from text: the pure tagger and its country terms, the editors'
vocabulary in the database, re-tagging briefs with it, and tag merges."""
