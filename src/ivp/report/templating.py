"""The one Jinja environment of the report sections and the index page.

Markup and Dutch prose live in ``templates/`` (``pagina.html.j2`` is the page both the report and the index
use, ``secties/`` holds one template per report section and the shared parts in ``_onderdelen.html.j2``);
Python supplies plain data (dicts, lists, numbers). Autoescaping is on for every template, so text from the
data is escaped unless it is ``Markup`` made by a template (a badge, a link) or by our own code (figures);
a missing variable is an error (``StrictUndefined``), not an empty string. The Dutch number formats of
``ivp.report.formats`` are filters: ``{{ aandeel | pct }}``, ``{{ ci | interval }}``,
``{{ n | count('plan', 'plannen') }}``; ``SMALL_N`` is a global.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from ivp.analysis.measures import SMALL_N
from ivp.report import formats

TEMPLATES = Path(__file__).resolve().parent / "templates"
PARTS = "secties/_onderdelen.html.j2"


@cache
def environment() -> jinja2.Environment:
    """The Jinja environment: templates from ``TEMPLATES``, autoescape on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(("html", "j2"), default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(formats.FILTERS)
    env.globals["SMALL_N"] = SMALL_N  # below this many plans a figure is "indicatief"
    env.globals["COHORTEN"] = formats.COHORT_NAMES
    return env


def render(name: str, **context) -> Markup:
    """Template ``name`` (relative to ``TEMPLATES``) rendered with ``context``, as safe markup."""
    return Markup(environment().get_template(name).render(**context))


def macro(name: str, template: str = PARTS):
    """Macro ``name`` of ``template`` as a Python callable that returns ``Markup``."""
    return getattr(environment().get_template(template).module, name)


def stylesheet() -> Markup:
    """The stylesheet of every page (inline CSS of our own, no external references)."""
    return Markup((TEMPLATES / "ivp.css").read_text(encoding="utf-8"))
