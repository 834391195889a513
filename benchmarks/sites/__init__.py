"""Generated sites and local servers for the crawl benchmark (`benchmarks/crawl.py`)."""
