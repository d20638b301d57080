"""Small read-only serializers so the API shows taxonomy by name and slug, not bare ids."""

from rest_framework import serializers


class TaxonomyRefSerializer(serializers.Serializer):
    """A reference to a theme, region, organisation, level or model."""

    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)


class PageRefSerializer(serializers.Serializer):
    """A reference to another page: its id, title and public URL."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, page) -> str | None:
        return page.get_url()
