"""A Pelican plugin: a generator that renders the county site model through Pelican's writer.

`build_site` puts the `Site` model into the settings under `SITE_SETTING`; the generator turns
it into pages (`PagePlanner`) and writes each one with Pelican's `Writer.write_file`, which also
splits list columns into pages with Pelican's paginator (`PAGINATED_TEMPLATES`).
"""

from __future__ import annotations

from pelican import signals
from pelican.generators import Generator

from migrate.build.pages import PagePlanner

SITE_SETTING = "SITEMIGRATE_SITE"
PROGRESS_SETTING = "SITEMIGRATE_PROGRESS"


class CountySiteGenerator(Generator):
    """Writes the county home, channel pages, column pages and article pages."""

    def generate_context(self):
        self.site = self.settings[SITE_SETTING]
        self.pages = list(PagePlanner(self.site).pages())
        self.context.update(site=self.site, county=self.site.county, standard=self.site.standard)

    def generate_output(self, writer):
        progress = self.settings.get(PROGRESS_SETTING)
        total = len(self.pages)
        for done, page in enumerate(self.pages, 1):
            paginated = {"articles": page.paginate} if page.paginate is not None else {}
            writer.write_file(page.save_as, self.get_template(page.template), self.context,
                              paginated=paginated, template_name=page.template,
                              url=page.path, **page.variables)
            if progress:
                progress(done, total, "生成页面")


def _county_generator(pelican):
    return CountySiteGenerator if SITE_SETTING in pelican.settings else None


def register():
    signals.get_generators.connect(_county_generator)
