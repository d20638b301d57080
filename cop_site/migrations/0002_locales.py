"""The site's two content languages as Wagtail locales: English (the source) and Welsh.

Databases made before the site was bilingual have one locale, "en-gb" (the old LANGUAGE_CODE):
it becomes "en", so every existing page stays in the English tree.
"""

from django.db import migrations

LANGUAGES = ["en", "cy"]


def add_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    if not Locale.objects.filter(language_code="en").exists():
        Locale.objects.filter(language_code__in=["en-gb", "en-GB"]).update(language_code="en")
    for code in LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("cop_site", "0001_initial"),
        ("wagtailcore", "0054_initial_locale"),
    ]

    operations = [migrations.RunPython(add_locales, migrations.RunPython.noop)]
