"""Region boundaries for the "Who is doing what, where" map (see build_map.py)."""
