"""Input channels: Rasa's own, adapted so that a card number never reaches the tracker.

Named in credentials.yml by class path, e.g. ``bot.channels.rest.RestInput``.
"""
