/*
 * Frontdesk web-chat widget. A clinic adds it to its site with one tag:
 *
 *   <script src="https://frontdesk.example.org/webchat/widget.js" defer></script>
 *
 * It loads its stylesheet and the socket.io client from the same server, and draws a launcher
 * button and a chat panel inside a shadow root (the clinic's own CSS cannot reach it).
 *
 * What it keeps in the browser: the conversation id, in sessionStorage, and nothing else. No
 * localStorage, no cookies, no messages: after a reload the server sends the transcript back.
 * Every piece of text, the patient's or the assistant's, is put in the page as text
 * (textContent), never as markup.
 *
 * Options, as data- attributes on the script tag: data-label (the launcher's text, default
 * "Chat with us"), data-server (the Frontdesk server, default: where widget.js came from).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__frontdeskWidget) return;
  window.__frontdeskWidget = true;

  var scriptUrl = new URL(script.src, window.location.href);
  var server = (script.dataset.server || scriptUrl.origin).replace(/\/$/, "");
  var assets = server + scriptUrl.pathname.replace(/\/[^/]*$/, "");
  var label = script.dataset.label || "Chat with us";
  var STORAGE_KEY = "frontdesk.conversation";
  var CLOSING_URL = server + "/webhooks/webchat/closing";
  var SOCKET_PATH = "/webchat/socket.io";
  var MAX_CHARS = 2000;

  // -- sessionStorage, or nothing at all ----------------------------------------------------------

  function store() {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null; // storage blocked: the chat still works, it just won't survive a reload
    }
  }
  function heldId() {
    var s = store();
    return s ? s.getItem(STORAGE_KEY) : null;
  }
  function holdId(id) {
    var s = store();
    if (!s) return;
    if (id) s.setItem(STORAGE_KEY, id);
    else s.removeItem(STORAGE_KEY);
  }

  // -- building the panel -------------------------------------------------------------------------

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  var host = el("div", { id: "frontdesk-chat" });
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("link", { rel: "stylesheet", href: assets + "/widget.css" }));

  var region = el("aside", { class: "fd", "aria-label": "Chat" });
  var launcher = el(
    "button",
    { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "fd-panel" },
    label
  );
  var panel = el("section", {
    id: "fd-panel",
    class: "panel",
    role: "dialog",
    "aria-modal": "false",
    "aria-labelledby": "fd-title",
    "aria-describedby": "fd-disclosure",
  });
  panel.hidden = true;

  var header = el("header", { class: "header" });
  var title = el("h2", { id: "fd-title", class: "title" }, "Chat with the clinic");
  var minimize = el("button", { type: "button", class: "minimize", "aria-label": "Close chat window" }, "\u2715");
  header.append(title, minimize);

  var disclosure = el(
    "p",
    { id: "fd-disclosure", class: "disclosure" },
    "You are chatting with an automated assistant, not a person. It can help with appointments, " +
      "bills and prescriptions once it has confirmed who you are, and it can connect you with a " +
      "staff member. It cannot give medical advice. In an emergency, call 911."
  );

  // Shown while a member of staff has the conversation (the server says so: "staff").
  var staffNote = el("p", { class: "staff", role: "status" }, "");
  staffNote.hidden = true;

  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
  var typing = el("p", { class: "typing", "aria-hidden": "true" }, "The assistant is typing\u2026");
  typing.hidden = true;

  var idle = el("div", { class: "notice idle", role: "alert" });
  var idleText = el("p", {}, "");
  var stay = el("button", { type: "button", class: "primary stay" }, "Stay in chat");
  idle.append(idleText, stay);
  idle.hidden = true;

  var ended = el("div", { class: "notice ended" });
  var endedText = el("p", {}, "This chat has ended.");
  var restart = el("button", { type: "button", class: "primary restart" }, "Start a new chat");
  ended.append(endedText, restart);
  ended.hidden = true;

  var form = el("form", { class: "composer" });
  var inputLabel = el("label", { for: "fd-input" }, "Your message");
  var input = el("textarea", { id: "fd-input", rows: "2", maxlength: String(MAX_CHARS), autocomplete: "off" });
  var send = el("button", { type: "submit", class: "primary send" }, "Send");
  form.append(inputLabel, input, send);

  var footer = el("div", { class: "footer" });
  var endChat = el("button", { type: "button", class: "end" }, "End chat");
  var connection = el("p", { class: "connection", role: "status" }, "");
  footer.append(connection, endChat);

  panel.append(header, disclosure, staffNote, log, typing, idle, ended, form, footer);
  region.append(launcher, panel);
  root.appendChild(region);

  // -- showing messages (always as text) ------------------------------------------------------------

  function addLine(sender, text) {
    var line = el("div", { class: "msg " + sender });
    var bot = staffName ? staffName.charAt(0).toUpperCase() + staffName.slice(1) + ": " : "Assistant: ";
    var who = el("span", { class: "visually-hidden" }, sender === "user" ? "You said: " : sender === "bot" ? bot : "");
    var body = el("p", { class: "text" });
    body.textContent = text;
    line.append(who, body);
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
    panel.scrollTop = panel.scrollHeight; // on a small screen the whole panel scrolls
    return line;
  }

  function showTranscript(lines) {
    log.setAttribute("aria-busy", "true"); // don't read the whole history out again
    while (log.firstChild) log.removeChild(log.firstChild);
    lines.forEach(function (line) {
      addLine(line.sender === "user" ? "user" : "bot", String(line.text));
    });
    log.removeAttribute("aria-busy");
  }

  // -- opening and closing the panel --------------------------------------------------------------

  function open(moveFocus) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    region.classList.add("open");
    connect();
    if (moveFocus) (ended.hidden ? input : restart).focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    region.classList.remove("open");
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) open(true);
    else close();
  });
  minimize.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  // -- the connection -----------------------------------------------------------------------------

  var socket = null;
  var session = null; // what the server said at start: id, timeouts
  var staffName = null; // who from the clinic has the chat, while someone has it
  var idleTimers = [];

  function loadClient(then) {
    if (window.io) return then();
    var tag = document.createElement("script");
    tag.src = assets + "/socket.io.min.js";
    tag.onload = then;
    tag.onerror = function () {
      connection.textContent = "The chat could not be loaded. Please call the clinic.";
    };
    document.head.appendChild(tag);
  }

  function connect() {
    if (socket) return;
    socket = "loading";
    loadClient(function () {
      socket = window.io(server, {
        path: SOCKET_PATH,
        transports: ["websocket", "polling"],
        withCredentials: false,
        // Called on every (re)connect: present the id we hold; the server decides.
        auth: function (cb) {
          cb({ conversation_id: heldId() });
        },
      });
      socket.on("connect", onConnect);
      socket.on("connect_error", function () {
        connection.textContent = "Cannot reach the chat service. Trying again\u2026";
      });
      socket.on("disconnect", function () {
        ready = false;
        if (socket) connection.textContent = "Reconnecting\u2026";
      });
      socket.on("bot_uttered", function (message) {
        if (message && typeof message.text === "string") addLine("bot", message.text);
      });
      socket.on("staff", function (data) {
        showStaff(data && data.name);
      });
      socket.on("conversation_ended", function (data) {
        showEnded(data && data.reason);
      });
    });
  }

  function onConnect() {
    connection.textContent = "";
    var before = heldId();
    socket.emit("start", {}, function (reply) {
      if (!reply || !reply.conversation_id) return;
      session = reply;
      holdId(reply.conversation_id);
      if (reply.clinic) title.textContent = "Chat with " + reply.clinic;
      ended.hidden = true;
      form.hidden = false;
      endChat.hidden = false;
      showTranscript(reply.transcript || []);
      showStaff(reply.staff);
      if (before && !reply.resumed && before !== reply.conversation_id) {
        addLine("system", "Your earlier chat has ended. This is a new chat.");
      }
      restartIdleTimers();
      ready = true;
      var waiting = pending;
      pending = [];
      waiting.forEach(function (message) {
        log.appendChild(message.line);
        emitMessage(message.text, message.line);
      });
    });
  }

  function disconnect() {
    ready = false;
    pending = [];
    if (socket && socket !== "loading") {
      var s = socket;
      socket = null;
      s.disconnect();
    }
  }

  // -- sending ------------------------------------------------------------------------------------

  var ready = false; // the server has answered "start" on this connection
  var pending = []; // messages typed before it had: sent once it has

  function sendMessage() {
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    var line = addLine("user", text);
    if (ready) emitMessage(text, line);
    else pending.push({ text: text, line: line });
  }

  function emitMessage(text, line) {
    typing.hidden = false;
    restartIdleTimers();
    socket.emit("user_uttered", { message: text }, function (reply) {
      typing.hidden = true;
      restartIdleTimers();
      if (reply && reply.error) {
        if (reply.error === "no_conversation") return showEnded();
        line.remove();
        input.value = text; // lose nothing: the text is back in the box
        addLine("system", reply.text || "Sorry, that message could not be sent.");
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendMessage();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendMessage();
    }
  });

  // -- idle warning -------------------------------------------------------------------------------

  function clearIdleTimers() {
    idleTimers.forEach(clearTimeout);
    idleTimers = [];
    idle.hidden = true;
  }

  function restartIdleTimers() {
    clearIdleTimers();
    // While a member of staff has the chat the server keeps it going: no warning.
    if (!session || !session.idle_timeout || staffName) return;
    var warnAt = Math.max(0, session.idle_timeout - session.warn_before) * 1000;
    idleTimers.push(
      setTimeout(function () {
        var seconds = Math.round(session.warn_before);
        var span = seconds >= 90 ? Math.round(seconds / 60) + " minutes" : seconds + " seconds";
        idleText.textContent =
          "Are you still there? For your privacy this chat will end in about " + span + " unless you stay.";
        idle.hidden = false;
      }, warnAt)
    );
  }

  // -- a member of staff ---------------------------------------------------------------------------

  function showStaff(name) {
    staffName = typeof name === "string" && name ? name : null;
    staffNote.textContent = staffName ? "You're chatting with " + staffName + " from the clinic." : "";
    staffNote.hidden = !staffName;
    restartIdleTimers();
  }

  stay.addEventListener("click", function () {
    if (!socket || socket === "loading") return;
    socket.emit("stay", {}, function (reply) {
      if (reply && reply.error) return showEnded();
      restartIdleTimers();
      input.focus();
    });
  });

  // -- ending -------------------------------------------------------------------------------------

  var REASONS = {
    idle: "This chat ended because there was no activity for a while. Your information was not kept.",
    patient_ended: "You ended the chat. Your information was not kept.",
    goodbye: "The chat has ended. Your information was not kept.",
    agent_closed: "The staff member closed the chat. Your information was not kept.",
  };

  function showEnded(reason) {
    var focusWasHere = root.activeElement && panel.contains(root.activeElement);
    holdId(null);
    session = null;
    showStaff(null);
    clearIdleTimers();
    typing.hidden = true;
    endedText.textContent = REASONS[reason] || "This chat has ended. Your information was not kept.";
    ended.hidden = false;
    form.hidden = true;
    endChat.hidden = true;
    disconnect();
    if (focusWasHere) restart.focus(); // the focused control may have just been hidden
  }

  endChat.addEventListener("click", function () {
    if (!socket || socket === "loading") return showEnded("patient_ended");
    socket.emit("end", {}, function () {
      showEnded("patient_ended");
    });
  });

  restart.addEventListener("click", function () {
    holdId(null);
    showTranscript([]);
    ended.hidden = true;
    form.hidden = false;
    endChat.hidden = false;
    connect();
    input.focus();
  });

  // The page is going away. A reload fires this too, so the server waits a moment for the page to
  // come back with the same id before it ends the conversation.
  window.addEventListener("pagehide", function () {
    var id = heldId();
    if (id && navigator.sendBeacon) navigator.sendBeacon(CLOSING_URL, id);
  });

  function mount() {
    document.body.appendChild(host);
    // Back after a reload or a visit to another page of the site: pick the conversation up again.
    if (heldId()) open(false);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
