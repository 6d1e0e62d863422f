"""Prescriptions against a fake EHR: the medication list, and each step of a refill request.

The refill form is driven step by step, as Rasa drives it: the validation action gets the
text of the answer as the candidate for the requested slot (a trailing slot event), the ask
actions ask, and action_request_refill runs when the form ends. Messages are rendered through
domain/prescriptions.yml, so the tests read what the patient would read.
"""
