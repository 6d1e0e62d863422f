"""Prescriptions: the active list with refills left, and refill requests.

A refill goes through ``refill_form``: which medication (named, misspelled or picked by number
from the patient's active list), which pharmacy (their usual one offered first, or one from the
EHR's list), then a yes to a summary. ``action_request_refill`` runs when the form ends, however
it ends, and decides what happens: it files the request (a Task focused on the MedicationRequest,
``EHRGateway.request_refill``) and quotes its reference, or says why it didn't, offering a
person where one can help: a controlled substance or a prescription with no refills left goes to
the care team, and so does every refill where the EHR does not accept refill requests by API.

The form's actions end the form early (``requested_slot`` None) rather than ask a question that
cannot lead to a refill, and leave the explaining to ``action_request_refill``, so that each
outcome is said in one place. Slots hold ids only: MedicationRequest and Organization ids, and
the ids in the last numbered list the patient was shown (``refill_choices``: the medication list
or a question of the form), so that "the second one" means the second one they saw.

    listing.py     action_show_medications: the active list with refills left
    form.py        refill_form's validation (validate_refill_form) and what its actions share
    questions.py   the form's three questions (action_ask_refill_*)
    requesting.py  action_request_refill: files the request or explains, when the form ends
    matching.py    which medication or pharmacy the patient meant, from what they wrote
    wording.py     how medications, refills and pharmacies are named to the patient
"""
