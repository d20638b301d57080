"""Views of the programme picture: savings, who is doing what where, delivery levels,
barriers and enablers, reuse, and open data. Each area has its own module."""
