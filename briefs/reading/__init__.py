"""What the public pages say about a brief beyond its fields: how to cite it
(``citation``), how it describes itself to search engines and other sites
(``metadata``), which briefs to read next (``related``), and how one of its
public versions reads (``snapshots``)."""
