// The web-chat widget: plain JavaScript over the JSON API (/api/openapi.json).
// Every text is inserted with textContent, never as HTML.
(function () {
  "use strict";
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
  // the widget's words in the page's language (bot/widget_texts.py), {name} filled in
  const TEXTS = JSON.parse(document.body.dataset.texts || "{}");
  const t = (key, values) => (TEXTS[key] || key).replace(/\{(\w+)\}/g, (all, name) => (values && name in values ? String(values[name]) : all));
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
    session = await api("POST", "/api/chat/sessions", language ? { language: language[0] } : {});
    localStorage.setItem(KEY, JSON.stringify(session));
  }

  function render(message) {
    const item = document.createElement("li");
    item.className = "msg " + message.sender;
    item.dataset.seq = message.seq;
    const who = document.createElement("small");
    who.textContent = message.agent_name || names[message.sender] || message.sender;
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
        const data = await api("GET", `/api/chat/sessions/${session.session_id}/messages?after=${seen}&wait=25`, null, signal);
        if (session !== mine) break;
        dot.classList.add("ok");
        statusText.textContent = t("online");
        for (const m of data.messages) {
          if (m.seq > seen) { render(m); seen = m.seq; }
        }
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

  if (session) { poll(); } else { statusText.textContent = t("online"); dot.classList.add("ok"); }
})();
