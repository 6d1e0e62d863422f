"""Appointment and bill reminders by text (docs/reminders.md).

    settings.py  windows, sending hours, the outbox's path, from the environment
    outbox.py    the durable outbox (SQLite): which reminder is pending, being sent, sent
    plan.py      which reminders are due now, from the EHR (pure decisions in ``due_window``)
    texts.py     what a reminder says: the clinic, the day and time, how to reply; nothing else
    job.py       one run: plan, settle what a crashed run left, send within the rules, report
    cli.py       ``python -m bot reminders run [--dry-run]``

A reminder is sent exactly once: it is claimed in the outbox (state ``sending``) before the text
goes out and marked ``sent`` after; a run killed between the two leaves ``sending`` rows, which
the next run settles by asking Twilio whether that number was texted since the claim.
"""
