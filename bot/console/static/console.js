// The console's live page: the queue and a conversation, pushed over server-sent events
// (/console/api/events). Every text from the server goes in with textContent, never as markup.
(function () {
  "use strict";
  var csrfInput = document.querySelector('input[name="csrf_token"]');
  var csrf = csrfInput ? csrfInput.value : "";
  var queueBox = document.querySelector('[data-live="queue"]');
  var transcript = document.querySelector('[data-live="conversation"]');
  var entryId = transcript ? transcript.getAttribute("data-entry") : null;
  var status = document.getElementById("status");
  var WHO = { patient: "Patient", assistant: "Assistant", agent: "You" };
  var SIGNED_OUT = "You are signed out (or your session expired): nothing was sent. Sign in again to go on.";

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function waiting(queuedAt) {
    var minutes = Math.floor((Date.now() / 1000 - queuedAt) / 60);
    return minutes < 1 ? "just now" : minutes + " min";
  }

  function actionCell(entry, me) {
    var cell = el("td");
    if (entry.taken_by === null) {
      var form = el("form");
      form.method = "post";
      form.action = "/console/conversations/" + encodeURIComponent(entry.id) + "/take";
      var token = el("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = csrf;
      form.appendChild(token);
      form.appendChild(el("button", "Take"));
      cell.appendChild(form);
    } else if (entry.taken_by === me) {
      var link = el("a", "Open");
      link.href = "/console/conversations/" + encodeURIComponent(entry.id);
      cell.appendChild(link);
    } else {
      cell.textContent = "taken by " + entry.taken_by;
    }
    return cell;
  }

  function renderQueue(entries, me) {
    queueBox.replaceChildren();
    if (!entries.length) {
      queueBox.appendChild(el("p", "No conversation is waiting.", "empty"));
      return;
    }
    var table = el("table", null, "queue");
    var head = el("tr");
    ["Priority", "Reason", "Channel", "Patient", "Topic", "Waiting", ""].forEach(function (h) {
      head.appendChild(el("th", h));
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    entries.forEach(function (entry) {
      var row = el("tr", null, entry.priority === "urgent" ? "urgent" : "normal");
      row.setAttribute("data-entry", entry.id);
      var who = "not verified";
      if (entry.verified) {
        who = entry.patient && entry.patient.name
          ? entry.patient.name + " (MRN " + (entry.patient.mrn || "none") + ")"
          : "verified (loading the record)";
      }
      [entry.priority, entry.reason_text, entry.channel, who, entry.topic.join(", ") || "-",
        waiting(entry.queued_at)].forEach(function (text) { row.appendChild(el("td", text)); });
      row.appendChild(actionCell(entry, me));
      body.appendChild(row);
    });
    table.appendChild(body);
    queueBox.appendChild(table);
  }

  var me = null;
  function refreshQueue() {
    var session = me === null
      ? fetch("/console/api/session", { credentials: "same-origin" }).then(function (r) { return r.json(); })
      : Promise.resolve({ agent: me });
    session.then(function (s) {
      me = s.agent;
      return fetch("/console/api/queue", { credentials: "same-origin" });
    }).then(function (r) {
      if (r.status === 401) { window.location.assign("/console/sign-in"); return null; }
      return r.json();
    }).then(function (data) { if (data) renderQueue(data.entries, me); });
  }

  function addLine(sender, text) {
    var item = el("li", null, sender);
    item.appendChild(el("span", WHO[sender] || sender, "who"));
    item.appendChild(document.createTextNode(" "));
    item.appendChild(el("span", text, "text"));
    transcript.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function refreshTranscript() {
    fetch("/console/api/queue/" + encodeURIComponent(entryId), { credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { window.location.assign("/console/sign-in"); return null; }
        if (r.status === 404) { closed("gone"); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        transcript.replaceChildren();
        data.transcript.forEach(function (line) { addLine(line.sender, line.text); });
      });
  }

  function closed(why) {
    var text = {
      returned: "This conversation went back to the assistant.",
      ended: "This conversation has ended.",
    }[why] || "This conversation is no longer waiting (it ended or went back to the assistant).";
    say(text);
    document.querySelectorAll(".work button, .work textarea").forEach(function (node) { node.disabled = true; });
  }

  function post(action, payload) {
    return fetch("/console/api/queue/" + encodeURIComponent(entryId) + "/" + action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload || {}),
    }).then(function (r) {
      if (r.status === 401) return { ok: false, body: { error: SIGNED_OUT } };
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    });
  }

  if (transcript) {
    var form = document.getElementById("reply");
    var box = document.getElementById("reply-text");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = box.value;
      say("Sending...");
      post("reply", { text: text }).then(function (answer) {
        if (answer.ok) { box.value = ""; say("Sent."); } else { say(answer.body.error || "Not sent."); }
      }, function () { say("Not sent: the server did not answer."); });
    });
    document.querySelectorAll("button.canned").forEach(function (button) {
      button.addEventListener("click", function () { box.value = button.textContent; box.focus(); });
    });
  }

  if (!queueBox && !transcript) return;
  var events = new EventSource("/console/api/events");
  if (queueBox) events.addEventListener("queue", refreshQueue);
  // On (re)connecting, what may have been said while the stream was not open is fetched again.
  events.addEventListener("open", function () {
    if (queueBox) refreshQueue();
    if (transcript) refreshTranscript();
  });
  events.addEventListener("line", function (event) {
    var data = JSON.parse(event.data);
    if (transcript && data.entry === entryId) addLine(data.sender, data.text);
  });
  // The browser reconnects by itself after a dropped stream; it stops for good (CLOSED) only when
  // the server refused it: the session is gone. Say so, rather than show a list that no longer moves.
  events.addEventListener("error", function () {
    if (events.readyState !== EventSource.CLOSED || document.getElementById("stopped")) return;
    var notice = el("p", "Live updates stopped: you are signed out (or your session expired). ", "problem");
    notice.id = "stopped";
    notice.setAttribute("role", "alert");
    var again = el("a", "Sign in again");
    again.href = "/console/sign-in";
    notice.appendChild(again);
    document.querySelector("main").prepend(notice);
  });
  events.addEventListener("closed", function (event) {
    var data = JSON.parse(event.data);
    if (transcript && data.entry === entryId) closed(data.why);
  });
})();
