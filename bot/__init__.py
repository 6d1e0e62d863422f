"""What runs inside the Rasa server: channels, and keeping card numbers out of the record and logs.

It may use ``settings`` and ``actions.ehr``, and nothing else of ``actions`` (DESIGN.md).
"""
