"""URLs for events (included from communities/urls.py, in the "communities" namespace)."""

from django.urls import path

from communities.views import events

urlpatterns = [
    path("events/", events.event_list, name="events"),
    path("events/past/", events.past_events, name="events_past"),
    path("events/new/", events.new_event, name="event_new"),
    path("events/feed/<int:community_id>.ics", events.community_feed, name="events_feed"),
    path("events/<int:pk>/", events.event_detail, name="event"),
    path("events/<int:pk>/rsvp/", events.event_rsvp, name="event_rsvp"),
    path("events/<int:pk>/event.ics", events.event_ics, name="event_ics"),
    path("events/<int:pk>/message/", events.event_message, name="event_message"),
    path("events/<int:pk>/edit/", events.edit_event, name="event_edit"),
]
