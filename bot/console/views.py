"""The console's pages, escaped by construction (``bot/console/html.py``)."""

from __future__ import annotations

import time

from bot.console.context import PatientContext
from bot.console.html import Safe, join, page, render
from bot.console.queue import Entry
from bot.console.replies import MAX_REPLY_CHARS, Line

REASONS = {
    "requested": "asked for a person",
    "frustration": "frustrated",
    "misunderstood": "not understood",
    "emergency": "EMERGENCY",
    "self_harm": "SELF-HARM RISK",
    "ehr_unavailable": "the EHR did not answer",
    "not_supported": "the EHR does not allow it",
    "no_self_service": "needs staff",
    "locked_out": "locked out of verification",
    "staff_change": "change too close to the visit",
    "payment_plan": "payment plan",
    "billing_dispute": "billing dispute",
}


def sign_in_page(csrf_token: str, problem: str | None = None) -> Safe:
    message = (
        render('<p class="problem" role="alert">{problem}</p>', problem=problem) if problem else Safe("")
    )
    body = render(
        '{message}<form method="post" action="/console/sign-in" class="sign-in">'
        '<input type="hidden" name="csrf_token" value="{csrf}">'
        '<label>Name <input name="name" autocomplete="username" required></label>'
        '<label>Password <input name="password" type="password" autocomplete="current-password" '
        "required></label>"
        '<button type="submit">Sign in</button></form>',
        message=message,
        csrf=csrf_token,
    )
    return page("Sign in", body)


def waiting(entry: Entry, now: float | None = None) -> str:
    minutes = int(((now or time.time()) - entry.queued_at) // 60)
    return "just now" if minutes < 1 else f"{minutes} min"


def queue_page(entries: list[tuple[Entry, PatientContext | None]], agent: str, csrf_token: str) -> Safe:
    rows = []
    for entry, context in entries:
        who = Safe("not verified")
        if entry.verified:
            who = (
                render("{name} (MRN {mrn})", name=context.name, mrn=context.mrn or "none")
                if context is not None and context.name
                else Safe("verified (loading the record)")
            )
        if entry.taken_by is None:
            action = render(
                '<form method="post" action="/console/conversations/{id}/take">'
                '<input type="hidden" name="csrf_token" value="{csrf}">'
                '<button type="submit">Take</button></form>',
                id=entry.id,
                csrf=csrf_token,
            )
        elif entry.taken_by == agent:
            action = render('<a href="/console/conversations/{id}">Open</a>', id=entry.id)
        else:
            action = render("taken by {who}", who=entry.taken_by)
        rows.append(
            render(
                '<tr class="{cls}"><td>{priority}</td><td>{reason}</td><td>{channel}</td><td>{who}</td>'
                "<td>{topic}</td><td>{waiting}</td><td>{action}</td></tr>",
                cls="urgent" if entry.urgent else "normal",
                priority=entry.priority,
                reason=REASONS.get(entry.reason, entry.reason),
                channel=entry.channel,
                who=who,
                topic=", ".join(entry.topic) or "-",
                waiting=waiting(entry),
                action=action,
            )
        )
    table = (
        render(
            '<table class="queue"><thead><tr><th>Priority</th><th>Reason</th><th>Channel</th>'
            "<th>Patient</th><th>Topic</th><th>Waiting</th><th></th></tr></thead><tbody>{rows}</tbody></table>",
            rows=join(rows),
        )
        if rows
        else Safe('<p class="empty">No conversation is waiting.</p>')
    )
    live = Safe('<div id="queue" data-live="queue">') + table + Safe("</div>")
    links = Safe(
        '<p><a href="/console/callbacks">Callback requests</a> · '
        '<a href="/console/metrics">Metrics: containment, verification, handoffs</a></p>'
    )
    return page("Queue", Safe(links + live), agent, csrf_token)


def _items(title: str, items: tuple[str, ...]) -> Safe:
    listed = join(render("<li>{item}</li>", item=item) for item in items) if items else Safe("<li>none</li>")
    return render("<h3>{title}</h3><ul>{items}</ul>", title=title, items=listed)


def context_section(context: PatientContext | None) -> Safe:
    if context is None:
        return Safe(
            '<section class="context"><h2>Patient</h2><p>Not verified: nothing from the record is '
            "shown. Verify the patient before discussing their care or account.</p></section>"
        )
    links = join(
        render('<a href="{url}" rel="noopener noreferrer" target="_blank">{label}</a> ', url=url, label=label)
        for url, label in ((context.chart_url, "Chart in the EHR"), (context.crm_url, "CRM"))
        if url
    )
    problem = render('<p class="problem">{p}</p>', p=context.problem) if context.problem else Safe("")
    return render(
        '<section class="context"><h2>{name}</h2><p>MRN {mrn}</p><p>{links}</p>{problem}'
        "{appointments}{medications}{conditions}{allergies}</section>",
        name=context.name or "Verified patient",
        mrn=context.mrn or "not on file",
        links=links,
        problem=problem,
        appointments=_items("Upcoming appointments", context.appointments),
        medications=_items("Active medications", context.medications),
        conditions=_items("Active conditions", context.conditions),
        allergies=_items("Allergies", context.allergies),
    )


WHO = {"patient": "Patient", "assistant": "Assistant", "agent": "You"}


def _line(sender: str, text: str) -> Safe:
    return render(
        '<li class="{sender}"><span class="who">{who}</span> <span class="text">{text}</span></li>',
        sender=sender,
        who=WHO.get(sender, sender),
        text=text,
    )


def _work(entry: Entry, csrf_token: str, canned: tuple[str, ...]) -> Safe:
    buttons = join(
        render('<button type="button" class="canned">{text}</button>', text=text) for text in canned
    )
    return render(
        '<section class="work"><h2>Reply</h2>'
        '<form method="post" action="/console/conversations/{id}/reply" id="reply">'
        '<input type="hidden" name="csrf_token" value="{csrf}">'
        '<label for="reply-text">Message to the patient</label>'
        '<textarea id="reply-text" name="text" rows="3" maxlength="{max}" required></textarea>'
        '<button type="submit">Send</button></form>'
        '<div class="canned-replies" aria-label="Canned replies">{buttons}</div>'
        '<p id="status" role="status"></p>'
        '<form method="post" action="/console/conversations/{id}/return" class="inline">'
        '<input type="hidden" name="csrf_token" value="{csrf}">'
        '<button type="submit" id="return">Return to assistant</button></form> '
        '<form method="post" action="/console/conversations/{id}/end" class="inline">'
        '<input type="hidden" name="csrf_token" value="{csrf}">'
        '<button type="submit" id="end">End conversation</button></form></section>',
        id=entry.id,
        csrf=csrf_token,
        max=MAX_REPLY_CHARS,
        buttons=buttons,
    )


def conversation_page(
    entry: Entry,
    context: PatientContext | None,
    lines: list[Line],
    agent: str,
    csrf_token: str,
    canned: tuple[str, ...] = (),
) -> Safe:
    transcript = join(_line(line["sender"], line["text"]) for line in lines)
    body = render(
        '<p><a href="/console">Back to the queue</a></p>'
        '<p class="{cls}">{priority}: {reason} - {channel} - topic: {topic}</p>{context}'
        '<section><h2>Transcript</h2><ol class="transcript" id="transcript" data-live="conversation" '
        'data-entry="{id}" aria-live="polite">{transcript}</ol></section>{work}',
        cls="urgent" if entry.urgent else "normal",
        priority=entry.priority,
        reason=REASONS.get(entry.reason, entry.reason),
        channel=entry.channel,
        topic=", ".join(entry.topic) or "-",
        context=context_section(context),
        id=entry.id,
        transcript=transcript,
        work=_work(entry, csrf_token, canned),
    )
    return page("Conversation", body, agent, csrf_token)


def message_page(title: str, text: str, agent: str | None = None, csrf_token: str | None = None) -> Safe:
    body = render('<p>{text}</p><p><a href="/console">Back to the queue</a></p>', text=text)
    return page(title, body, agent, csrf_token)
