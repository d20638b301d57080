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


class VisibleReuseLinksField(serializers.Field):
    """A page's reuse links, only those whose source the public may see.

    Wagtail's own child-relation field would list every link, and so name a restricted or
    unpublished source page (its title and URL) on a public page. The API is the open-data
    view, so the rule is the anonymous visitor's `visible_to`. Same shape as Wagtail's child
    relations: id, meta.type, then the link's fields.
    """

    def __init__(self, **kwargs) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, page) -> list[dict]:
        from learning.models import KnowledgePage  # models import this module

        visible = KnowledgePage.objects.visible_to(None).values("pk")
        links = (
            page.reuses.filter(source_id__in=visible)
            .select_related("source")
            .order_by("sort_order", "pk")
        )
        source_ref = PageRefSerializer(context=self.context)
        return [
            {
                "id": link.pk,
                "meta": {"type": "learning.ReuseLink"},
                "source": source_ref.to_representation(link.source),
                "relation": link.relation,
                "note": link.note,
            }
            for link in links
        ]
