// The agent console: live refresh over Server-Sent Events, actions over the agent JSON API,
// keyboard shortcuts. Server-rendered HTML is escaped by the templates; anything this script
// writes itself goes through textContent, never innerHTML of customer text.
(function () {
  "use strict";
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const live = document.getElementById("live");
  const liveStatus = document.getElementById("live-status");

  // -- SLA countdowns ---------------------------------------------------------------------
  function countdown(seconds) {
    const over = seconds < 0;
    let s = Math.abs(Math.round(seconds));
    let text;
    if (s < 3600) text = Math.floor(s / 60) + "m";
    else if (s < 86400) text = Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
    else text = Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
    return over ? "overdue " + text : text + " left";
  }
  function tick() {
    for (const el of document.querySelectorAll(".sla[data-due]")) {
      const left = (Date.parse(el.dataset.due) - Date.now()) / 1000;
      el.textContent = countdown(left);
      el.classList.toggle("over", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 900);
    }
  }
  setInterval(tick, 1000);
  tick();

  // -- toasts -------------------------------------------------------------------------------
  const toast = document.createElement("div");
  toast.className = "toast";
  toast.setAttribute("role", "status");
  document.body.appendChild(toast);
  let toastTimer = 0;
  function say(text, bad) {
    toast.textContent = text;
    toast.classList.toggle("bad", !!bad);
    toast.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => toast.classList.remove("show"), bad ? 6000 : 2500);
  }

  // -- live refresh -------------------------------------------------------------------------
  let refreshing = false, again = false;
  async function refresh() {
    if (!live) return;
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const response = await fetch(location.href, { headers: { "X-Fragment": "1" }, credentials: "same-origin" });
      if (response.redirected || response.status === 401) { location.reload(); return; }
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const parts = doc.querySelectorAll("[data-live-part]");
      if (parts.length === 0) {
        live.replaceChildren(...doc.body.childNodes);
      } else {
        for (const part of parts) {
          const target = document.getElementById(part.id);
          if (!target || target.contains(document.activeElement) && document.activeElement !== document.body) continue;
          const stick = target.scrollHeight - target.scrollTop - target.clientHeight < 40;
          target.replaceChildren(...part.childNodes);
          if (stick || target.id === "transcript") target.scrollTop = target.scrollHeight;
        }
      }
      bindRows();
      tick();
      document.dispatchEvent(new CustomEvent("frontdesk:refreshed"));
    } finally {
      refreshing = false;
      if (again) { again = false; refresh(); }
    }
  }

  function connect() {
    if (!live || !window.EventSource) return;
    const source = new EventSource("/console/events");
    // notices.js listens: the tab badge, desktop notices, the sound, who else is here
    const tell = (name, detail) => document.dispatchEvent(new CustomEvent("frontdesk:" + name, { detail }));
    source.addEventListener("open", () => { if (liveStatus) liveStatus.classList.remove("off"); tell("open", {}); });
    source.addEventListener("error", () => liveStatus && liveStatus.classList.add("off"));
    source.addEventListener("viewers", (event) => tell("viewers", JSON.parse(event.data || "{}")));
    source.addEventListener("tickets", (event) => {
      const data = JSON.parse(event.data || "{}");
      tell("tickets", data);
      const ticket = live.dataset.ticket;
      if (live.dataset.live === "queue" || !data.tickets || data.tickets.length === 0 || data.tickets.includes(ticket)) {
        refresh();
      }
    });
  }
  connect();

  // -- actions over the JSON API -----------------------------------------------------------
  async function call(spec, body) {
    const [method, path] = spec.split(" ");
    const response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: method === "GET" ? undefined : JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(data.error || response.statusText);
      error.data = data;
      throw error;
    }
    return data;
  }

  // after an action that made or removed a page (a new article, a deleted one): go there;
  // data-then names the page, "{id}" the id the answer carries
  function goOn(el, data) {
    const next = el.dataset.then;
    if (!next) return false;
    location.assign(next.replace("{id}", data && data.id != null ? encodeURIComponent(data.id) : ""));
    return true;
  }

  // a reply with a file: multipart to the form's data-upload (the file's type is checked there)
  async function upload(form, picked) {
    const data = new FormData();
    data.append("text", form.querySelector("textarea").value);
    const internal = form.querySelector("[name=internal]");
    data.append("internal", internal && internal.checked ? "true" : "false");
    data.append("file", picked.files[0]);
    const response = await fetch(form.dataset.upload, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf }, body: data,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || response.statusText);
    picked.value = "";
  }

  function formBody(form) {
    const body = {};
    for (const el of form.elements) {
      if (!el.name || el.type === "file") continue;
      if (el.type === "checkbox") body[el.name] = el.checked;
      else if (el.type === "number") body[el.name] = el.value === "" ? null : Number(el.value);
      else if (el.name === "assignee") body[el.name] = el.value ? Number(el.value) : null;
      else if (el.name === "tags") body.tags = el.value.split(/[\s,]+/).filter(Boolean);
      else if (el.name === "macro") { if (el.value) body.macro = Number(el.value); }
      else body[el.name] = el.value;
    }
    if (body.macro) delete body.text;  // the server renders and sends the macro
    return body;
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-api]");
    if (!button) return;
    event.preventDefault();
    if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
    button.disabled = true;
    try {
      const data = await call(button.dataset.api, button.dataset.body ? JSON.parse(button.dataset.body) : {});
      const shown = document.getElementById("new-password");
      if (data && data.password && shown) {  // a made-up password: shown once, to hand over
        shown.textContent = "New password for " + (button.dataset.name || "the agent") + " (shown once): " + data.password;
        shown.hidden = false;
      }
      if (goOn(button, data)) return;
      say(button.textContent.trim() + ": done");
      await refresh();
    } catch (err) {
      say(err.message, true);
    } finally {
      button.disabled = false;
    }
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-api]");
    if (!form) return;
    event.preventDefault();
    const submit = form.querySelector("button, [type=submit]");
    if (submit) submit.disabled = true;
    try {
      const body = formBody(form);
      const picked = form.dataset.upload && form.querySelector("input[type=file]");
      let data = null;
      try {
        if (picked && picked.files.length) await upload(form, picked);
        else data = await call(form.dataset.api, body);
      } catch (err) {
        // someone else owns the ticket: ask, then take it over (managers may)
        if (!(err.data && err.data.owner) || !confirm(err.message + "\n\nTake the ticket over and send?")) throw err;
        await call(form.dataset.api, Object.assign(body, { take_over: true }));
      }
      if (form.hasAttribute("data-reset") || form.id === "resolve-form") {
        const text = form.querySelector("textarea");
        if (text) { text.value = ""; text.readOnly = false; }
        const picker = form.querySelector("#macro-picker");
        if (picker) picker.value = "";
        if (form.id === "new-agent") form.reset();
      }
      if (goOn(form, data)) return;
      say("Saved");
      if (document.activeElement && form.contains(document.activeElement)) document.activeElement.blur();
      await refresh();
    } catch (err) {
      say(err.message, true);
    } finally {
      if (submit) submit.disabled = false;
    }
  });

  // -- my presence: away agents get no new tickets from routing ------------------------------
  const presence = document.getElementById("presence-toggle");
  if (presence) {
    const show = (state) => {
      presence.textContent = state === "away" ? "Away" : "Available";
      presence.setAttribute("aria-pressed", String(state !== "away"));
      presence.classList.toggle("away", state === "away");
      presence.hidden = false;
    };
    call("GET /api/agent/me/presence").then((d) => show(d.presence)).catch(() => {});
    presence.addEventListener("click", async () => {
      const wanted = presence.classList.contains("away") ? "available" : "away";
      try { show((await call("PATCH /api/agent/me/presence", { presence: wanted })).presence); say(wanted === "away" ? "Away: no new tickets" : "Available for new tickets"); }
      catch (err) { say(err.message, true); }
    });
  }

  // -- filters submit on change -----------------------------------------------------------
  const filters = document.getElementById("filters");
  if (filters) filters.addEventListener("change", () => filters.submit());

  // -- keyboard -----------------------------------------------------------------------------
  let selected = -1;
  function rows() { return Array.from(document.querySelectorAll("#queue tr.row")); }
  function select(index) {
    const all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("selected", i === selected));
    all[selected].focus();
  }
  function bindRows() {
    for (const row of rows()) {
      row.onclick = (event) => {
        if (!event.target.closest("a, input, label")) location.href = row.dataset.href;
      };
    }
    bindPicks();
  }

  // -- bulk actions: the selection survives live refreshes ---------------------------------
  const picked = new Set();
  const bulk = document.getElementById("bulk");
  function showBulk() {
    if (!bulk) return;
    bulk.hidden = picked.size === 0;
    document.getElementById("bulk-count").textContent = String(picked.size);
  }
  function bindPicks() {
    for (const box of document.querySelectorAll("#queue input.pick")) {
      box.checked = picked.has(box.value);
      box.onchange = () => { if (box.checked) picked.add(box.value); else picked.delete(box.value); showBulk(); };
    }
    const all = document.getElementById("pick-all");
    if (all) all.onchange = () => {
      for (const box of document.querySelectorAll("#queue input.pick")) {
        box.checked = all.checked;
        if (all.checked) picked.add(box.value); else picked.delete(box.value);
      }
      showBulk();
    };
    showBulk();
  }
  if (bulk) bulk.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-bulk]");
    if (!button) return;
    const what = button.dataset.bulk;
    if (what === "clear") { picked.clear(); bindPicks(); return; }
    const status = document.getElementById("bulk-status").value;
    const tag = document.getElementById("bulk-tag").value.trim();
    if ((what === "status" && !status) || (what === "tag" && !tag)) { say("Choose a status or type a tag first", true); return; }
    let done = 0;
    const failed = [];
    for (const id of picked) {
      const row = document.querySelector('#queue tr.row[data-id="' + CSS.escape(id) + '"]');
      const tags = row && row.dataset.tags ? row.dataset.tags.split(",") : [];
      const body = what === "assign" ? { assignee: "me" } : what === "status" ? { status } : { tags: tags.concat([tag]) };
      try { await call("PATCH /api/agent/tickets/" + encodeURIComponent(id), body); done += 1; }
      catch (err) { failed.push(id + ": " + err.message); }
    }
    say(done + " updated" + (failed.length ? "; " + failed.join("; ") : ""), failed.length > 0);
    await refresh();
  });
  bindRows();

  const reply = document.getElementById("reply-text");
  const internal = document.getElementById("internal-toggle");
  const composer = document.getElementById("composer");
  function syncComposer() {
    if (!composer || !internal) return;
    composer.classList.toggle("note-mode", internal.checked);
    reply.placeholder = internal.checked ? "Internal note — agents only, never sent to the customer" : "Reply to the customer… (r)  ·  Ctrl+Enter sends";
  }
  if (internal) internal.addEventListener("change", syncComposer);
  // -- macros: the picker shows what will be sent; the server renders and sends it ---------
  const picker = document.getElementById("macro-picker");
  if (picker && reply) picker.addEventListener("change", () => {
    const option = picker.selectedOptions[0];
    reply.readOnly = !!picker.value;
    reply.value = picker.value ? option.dataset.preview : "";
    if (!picker.value) reply.focus();
  });
  // while an agent writes a reply, the customer's chat shows "Ann is typing…" (not for notes)
  let typedAt = 0;
  if (reply && composer) reply.addEventListener("input", () => {
    if ((internal && internal.checked) || !reply.value.trim() || Date.now() - typedAt < 3000) return;
    typedAt = Date.now();
    const messages = composer.dataset.api.split(" ")[1];
    call("POST " + messages.replace(/\/messages$/, "/typing"), {}).catch(() => {});
  });
  if (reply) reply.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  const help = document.getElementById("help");
  const helpToggle = document.getElementById("help-toggle");
  if (helpToggle) helpToggle.addEventListener("click", () => help.showModal());

  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (key === "?") { help.showModal(); return; }
    if (key === "/") {
      const search = document.getElementById("search");
      event.preventDefault();
      if (search) search.focus(); else location.href = "/console/queue?focus=search";
      return;
    }
    if (key === "j") { select(selected + 1); return; }
    if (key === "k") { select(selected - 1); return; }
    if (key === "Enter" && selected >= 0) { location.href = rows()[selected].dataset.href; return; }
    if (key === "g") { location.href = "/console/queue"; return; }
    if (key === "t") { const b = document.getElementById("claim"); if (b) { event.preventDefault(); b.click(); } return; }
    if (key === "r" && reply) { event.preventDefault(); internal.checked = false; syncComposer(); reply.focus(); return; }
    if (key === "n" && reply) { event.preventDefault(); internal.checked = true; syncComposer(); reply.focus(); return; }
  });

  const searchBox = document.getElementById("search");
  if (searchBox && new URLSearchParams(location.search).get("focus") === "search") searchBox.focus();

  const transcript = document.getElementById("transcript");
  if (transcript) transcript.scrollTop = transcript.scrollHeight;
})();
