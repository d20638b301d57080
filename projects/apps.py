from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from projects import leads  # noqa: F401  (connects the lead-group clean-up signal)
