"""Scheduling: upcoming appointments, open times, booking, cancelling and moving visits.

Every change is made only after the patient says yes to a description of it, and the EHR is
asked again at that moment (the time may have been taken, the visit may now be too close).

    listing.py       action_show_appointments; numbering and picking an appointment
    offering.py      open times near the day and time asked for; picking one
    booking.py       booking_form (validate_booking_form) -> action_book_appointment
    cancelling.py    cancel_form (validate_cancel_form) -> action_cancel_appointment
    rescheduling.py  reschedule_form (validate_reschedule_form) -> action_reschedule_appointment
    forms.py         what the three forms' validation actions share (abstract)
    formatting.py    "Tuesday, December 1 at 9:30 AM with ... at ...", in the clinic's zone
    context.py       slot names, the patient's request, the clock

The conversation around them (domain/scheduling.yml, data/rules/scheduling.yml) follows
docs/conversation.md; the forms' validation actions drive each form and end it early (read-only
EHR, nothing to change, inside the change window, an EHR error) with ``requested_slot: null``.
"""
