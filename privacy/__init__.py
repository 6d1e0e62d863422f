"""Privacy helpers both servers use: card numbers (``cards``) and the PHI log filter (``logs``).

A neutral top-level package: the action server may not import ``bot/`` (DESIGN.md), and this code
belongs to neither server. Standard library only.
"""
