"""The ephemeral tracker store and the check that the server really uses it.

endpoints.yml names ``bot.store.EphemeralTrackerStore``. Rasa falls back to its stock in-memory
store, with only a warning, when that class cannot be imported; ``guard.require_ephemeral_store``
(installed by the REST and internal channels) stops the server instead.
"""

from .ephemeral import EphemeralTrackerStore

__all__ = ["EphemeralTrackerStore"]
