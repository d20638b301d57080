"""Settings for bench/pages.py: the site's own settings with one extra, bare view.

The benchmark compares every page with a view that returns a fixed response, as the ceiling of
this stack (gunicorn, Django and the site's whole middleware stack, with no database work in the
view). Everything is the project's settings, unchanged, except the URLconf, which adds that view
(bench/bare_urls.py) without touching cop_site/urls.py. Never used outside the benchmark.
"""

from cop_site.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
