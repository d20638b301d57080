"""URLs of "What is delivered at which level" (included at /delivery-levels/ by projects.urls)."""

from django.urls import path

from projects.views import levels

urlpatterns = [
    path("", levels.delivery_levels, name="delivery_levels"),
    path("<slug:slug>/", levels.service_function, name="service_function"),
]
