"""Scrapy spiders for township sites: `generic` (GovSiteSpider) and subclasses for odd sites.

A township names its spider in `old_site.spider` (the spider's `name`); every spider here must
subclass `spiders.generic.GovSiteSpider`.
"""
