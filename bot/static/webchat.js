// The web-chat widget: plain JavaScript over the JSON API (/api/openapi.json), on the hosted
// page (/) and inside the embeddable widget's iframe (/widget, opened by /widget.js), where it
// tells the host page of new replies (its unread badge) and when to close.
// Every text is inserted with textContent, never as HTML.
(function () {
  "use strict";
  // the widget's words in the page's language (bot/widget_texts.py), {name} filled in
  const TEXTS = JSON.parse(document.body.dataset.texts || "{}");
  const t = (key, values) => (TEXTS[key] || key).replace(/\{(\w+)\}/g, (all, name) => (values && name in values ? String(values[name]) : all));
  const embedded = location.pathname === "/widget";  // inside /widget.js's iframe
  if (embedded) {  // the chat alone, with a close button for the host page's panel
    document.body.classList.add("embedded");
    const close = document.createElement("button");
    close.type = "button";
    close.id = "close";
    close.className = "close";
    close.setAttribute("aria-label", t("close_chat"));
    close.textContent = "×";
    document.querySelector(".chat-head").appendChild(close);
  }
  const typingBox = document.getElementById("typing");
  const greetingBox = document.getElementById("greeting");
  const prechat = document.getElementById("prechat");
  const emailInput = document.getElementById("email");
  let config = { ask_email: false };
  let caughtUp = false;  // the history shown at load is not "new" for the unread badge
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const errorBox = document.getElementById("error");
  const dot = document.getElementById("status-dot");
  const statusText = document.getElementById("status-text");
  const KEY = "frontdesk.chat";
  let session = JSON.parse(localStorage.getItem(KEY) || "null");
  let seen = 0;
  let polling = false;
  let pollAbort = null;  // "New chat" aborts the parked long poll, so the new one starts at once
  const LIMIT = 4000;
  const limitBox = document.getElementById("limit");
  const names = { customer: t("you"), bot: t("assistant"), agent: t("agent"), system: t("support") };
  const labels = new Map(); // payload -> the label of the button that offered it

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  async function api(method, path, body, signal) {
    const headers = { "Content-Type": "application/json" };
    if (session) headers.Authorization = "Bearer " + session.token;
    const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, signal });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const err = new Error(data.error || response.statusText);
      err.status = response.status;
      err.retryAfter = Number(response.headers.get("Retry-After") || 0);
      throw err;
    }
    return data;
  }

  async function ensureSession() {
    if (session) return;
    const language = (navigator.language || "").match(/^[A-Za-z]{2}(-[A-Za-z0-9]{1,8}){0,3}$/);
    const body = language ? { language: language[0] } : {};
    if (config.ask_email && emailInput && emailInput.value.trim()) body.email = emailInput.value.trim();
    session = await api("POST", "/api/chat/sessions", body);
    localStorage.setItem(KEY, JSON.stringify(session));
    showPrechat();
  }

  function showPrechat() {
    if (prechat) prechat.hidden = !(config.ask_email && !session);
  }

  // The admin's look (Console > Widget); in the iframe the embedding page may override it.
  async function loadConfig() {
    try { config = Object.assign(config, await api("GET", "/api/widget/config")); } catch (e) { return; }
    const own = embedded ? new URLSearchParams(location.hash.slice(1)) : new URLSearchParams();
    const colour = own.get("colour") || config.colour;
    if (/^#[0-9a-fA-F]{6}$/.test(colour || "")) document.documentElement.style.setProperty("--accent", colour);
    const title = document.getElementById("chat-title");
    if (title) title.textContent = own.get("title") || config.title || t("support");
    const greeting = own.has("greeting") ? own.get("greeting") : config.greeting;
    if (greetingBox) { greetingBox.textContent = greeting || ""; greetingBox.hidden = !greeting; }
    showPrechat();
  }

  function showTyping(name) {
    typingBox.textContent = name ? t("typing", { name }) : "";
    typingBox.hidden = !name;
  }

  function tell(message) {  // the host page's launcher: its unread badge, its close button
    if (embedded && window.parent !== window) window.parent.postMessage(message, "*");
  }

  function render(message) {
    const item = document.createElement("li");
    item.className = "msg " + message.sender;
    item.dataset.seq = message.seq;
    const who = document.createElement("small");
    who.textContent = message.agent_name || names[message.sender] || message.sender;
    if (message.created_at) {
      const at = document.createElement("time");
      at.dateTime = message.created_at;
      at.textContent = " · " + new Date(message.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      who.appendChild(at);
    }
    item.appendChild(who);
    const text = document.createElement("div");
    text.className = "text";
    const pressed = message.payload ? labels.get(message.payload) || t("button_pressed") : "";
    text.textContent = message.text || pressed;
    item.appendChild(text);
    if (message.attachments && message.attachments.length) item.appendChild(files(message.attachments));
    if (message.buttons && message.buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const button of message.buttons) {
        labels.set(button.payload, button.label);
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = button.label;
        b.addEventListener("click", async () => {
          row.querySelectorAll("button").forEach((x) => (x.disabled = true));
          try { await api("POST", `/api/chat/sessions/${session.session_id}/messages`, { payload: button.payload }); }
          catch (e) { showError(e.message); row.querySelectorAll("button").forEach((x) => (x.disabled = false)); }
        });
        row.appendChild(b);
      }
      item.appendChild(row);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  // Files are fetched with the session's token (an <img src> cannot send it), then shown
  // from a blob: images inline (their thumbnail), anything else as a link that saves it.
  async function blobUrl(url) {
    const response = await fetch(url, { headers: { Authorization: "Bearer " + session.token } });
    if (!response.ok) throw new Error(response.statusText);
    return URL.createObjectURL(await response.blob());
  }

  function files(attachments) {
    const box = document.createElement("div");
    box.className = "files";
    for (const file of attachments) {
      const link = document.createElement("a");
      link.className = "file";
      link.href = "#";
      link.textContent = "📎 " + file.name;
      link.addEventListener("click", async (event) => {
        event.preventDefault();
        try {
          const save = document.createElement("a");
          save.href = await blobUrl(file.url);
          save.download = file.name;
          save.click();
        } catch (e) { showError(t("file_failed", { error: e.message })); }
      });
      if (file.thumbnail_url) {
        const image = document.createElement("img");
        image.alt = file.name;
        blobUrl(file.thumbnail_url).then((u) => { image.src = u; }).catch(() => {});
        link.textContent = "";
        link.appendChild(image);
      }
      box.appendChild(link);
    }
    return box;
  }

  async function sendFile(file) {
    const data = new FormData();
    data.append("text", input.value.trim());
    data.append("file", file);
    const response = await fetch(`/api/chat/sessions/${session.session_id}/attachments`, {
      method: "POST", headers: { Authorization: "Bearer " + session.token }, body: data,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || response.statusText);
  }

  async function poll() {
    if (polling || !session) return;
    polling = true;
    const mine = session;
    pollAbort = new AbortController();
    const signal = pollAbort.signal;
    while (session === mine && !signal.aborted) {
      try {
        const data = await api("GET", `/api/chat/sessions/${session.session_id}/messages?after=${seen}&wait=25&typing=${typingBox.hidden ? 0 : 1}`, null, signal);
        if (session !== mine) break;
        dot.classList.add("ok");
        statusText.textContent = t("online");
        for (const m of data.messages) {
          if (m.seq > seen) {
            render(m);
            seen = m.seq;
            if (caughtUp && m.sender !== "customer") tell({ type: "frontdesk:message", sender: m.sender });
          }
        }
        caughtUp = true;
        showTyping(data.typing);
      } catch (e) {
        if (signal.aborted || session !== mine) break;
        dot.classList.remove("ok");
        statusText.textContent = t("reconnecting");
        if (e.status === 401 || e.status === 404) { reset(); break; }
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    if (session === mine || !session) polling = false;
  }

  function reset() {
    if (pollAbort) pollAbort.abort();
    polling = false;
    localStorage.removeItem(KEY);
    session = null;
    seen = 0;
    log.textContent = "";
    showTyping(null);
    showPrechat();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (text.length > LIMIT) { checkLimit(); input.focus(); return; }
    showError("");
    try {
      await ensureSession();
      poll();
      await api("POST", `/api/chat/sessions/${session.session_id}/messages`, { text });
      input.value = "";
      checkLimit();
    } catch (e) {
      showError(e.status === 429 ? t("slow_down", { seconds: e.retryAfter || 1 }) : e.message);
    }
  });
  const picker = document.getElementById("file");
  picker.addEventListener("change", async () => {
    if (!picker.files.length) return;
    showError("");
    try {
      await ensureSession();
      poll();
      await sendFile(picker.files[0]);
      input.value = "";
    } catch (e) {
      showError(e.message);
    } finally {
      picker.value = "";
    }
  });
  // A paste over the limit is kept whole and said so before sending (no silent cut).
  function checkLimit() {
    const over = input.value.trim().length - LIMIT;
    limitBox.hidden = over <= 0;
    limitBox.textContent = over > 0
      ? t("too_long", { length: input.value.trim().length.toLocaleString(), limit: LIMIT.toLocaleString(), over: over.toLocaleString() })
      : "";
  }
  input.addEventListener("input", checkLimit);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("new-chat").addEventListener("click", () => { reset(); statusText.textContent = t("new_conversation"); });

  const close = document.getElementById("close");
  if (close) close.addEventListener("click", () => tell({ type: "frontdesk:close" }));
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") tell({ type: "frontdesk:close" }); });
  window.addEventListener("message", (event) => {  // the launcher opened the panel
    if (event.source !== window.parent || !event.data || event.data.type !== "frontdesk:open") return;
    log.scrollTop = log.scrollHeight;  // shown now: what came while it was hidden is in view
    input.focus();
  });

  loadConfig();
  if (session) { poll(); } else { caughtUp = true; statusText.textContent = t("online"); dot.classList.add("ok"); }
})();
