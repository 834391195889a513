"""Spider for 柳河街道's old hand-made ASP site (`old_site.spider: liuhe_asp`).

An example of a site spider: it subclasses `GovSiteSpider` and changes only what differs. The
site's list pages offer a "转到第 N 页" drop-down whose target the script builds when an option is
chosen (`window.location='list.asp?classid=4&page='+this.options[...].value`); the generic
spider skips URLs built at run time, so this spider reads the options and writes the URLs out.
(The same pages are also linked by 下一页, so the generic spider archives them too; on sites
whose only pager is such a menu, this is what finds the later list pages.)
"""

from __future__ import annotations

import re

from migrate.crawl.discovery import FoundLink, absolute
from spiders.generic import GovSiteSpider

# location = '<prefix>' + this.value   /   + this.options[this.selectedIndex].value
JUMP_MENU = re.compile(
    r"""location(?:\s*\.\s*href)?\s*=\s*(["'])([^"']+)\1\s*\+\s*this\s*\.\s*(?:value|options\s*\[\s*this\s*\.\s*selectedIndex\s*\]\s*\.\s*value)""",
    re.I)


def jump_menu_links(doc, base: str, encoding: str) -> list[FoundLink]:
    """The URLs of a `<select onchange="location='…'+this.value">` menu, one per option."""
    links = []
    for select in doc.iter("select"):
        match = JUMP_MENU.search(select.get("onchange") or "")
        if not match:
            continue
        prefix = match.group(2)
        for option in select.iter("option"):
            value = (option.get("value") or option.text or "").strip()
            url = absolute(prefix + value, base, encoding) if value else None
            if url:
                links.append(FoundLink(url, "", "pagination"))
    return links


class LiuheAspSpider(GovSiteSpider):
    name = "liuhe_asp"

    def pagination_links(self, response, doc, scripts, links, encoding):
        return super().pagination_links(response, doc, scripts, links, encoding) + \
            jump_menu_links(doc, response.url, encoding)
