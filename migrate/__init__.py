"""sitemigrate: move township government websites onto the county platform, losslessly.

Pipeline stages (one module each): crawl → extract → map → build → redirect → publish.
"""

__version__ = "0.1.0"
