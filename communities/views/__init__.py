"""Views for communities: the forum routes live on `CommunityPage`; these are the others."""
