"""Forms for accounts, profiles, forums and membership."""
