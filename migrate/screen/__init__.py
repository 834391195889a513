"""The screening stage: nothing harmful crosses over to the county site.

`screen_page` checks one page (pure); `screen_town` runs it over a township's articles and their
attachments; `quarantined` tells the map stage which old URLs must not be published until a
person has approved them in `reviews.yaml`; `write_review_report` writes the list people review.
"""

from migrate.screen.model import Finding
from migrate.screen.page import screen_page
from migrate.screen.report import write_review_report
from migrate.screen.reviews import Review, load_reviews, quarantined, reviews_path
from migrate.screen.stage import PageResult, ScreenReport, load_results, screen_town, screen_towns

__all__ = ["Finding", "PageResult", "Review", "ScreenReport", "load_results", "load_reviews", "quarantined",
           "reviews_path", "screen_page", "screen_town", "screen_towns", "write_review_report"]
