"""What the public pages say about a brief beyond its fields: how to cite
it, how it describes itself to search engines and other sites, and which
briefs to read next."""
