from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from communities import notifications, search_sources

        post_save.connect(
            _give_profile, sender=get_user_model(), dispatch_uid="communities-profile"
        )
        search_sources.register_all()
        notifications.connect()


def _give_profile(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Every account has a profile, whichever way it was created (sign-up, admin, shell)."""
    if created and not raw:
        from communities.models import Profile

        Profile.objects.get_or_create(user=instance)
