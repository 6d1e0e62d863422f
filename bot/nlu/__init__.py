"""NLU components of our own, running inside the Rasa server's pipeline."""
