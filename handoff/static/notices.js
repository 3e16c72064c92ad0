// What the console tells an agent without being looked at, from the live event stream that
// console.js relays as "frontdesk:tickets" and "frontdesk:viewers" events:
// - while the tab is hidden, for a ticket handed to one of my teams or a customer's message on my
//   ticket (the server marks these, handoff/agent_alerts.py): a count in the tab title, an
//   opt-in desktop notification and an opt-in sound (a WebAudio beep, no file to fetch); both
//   choices are remembered by this browser (localStorage), since an agent's laptop and the
//   shared screen want different ones;
// - on a ticket page: which colleagues have it open too, and who of them is typing;
// - in the queue: beside each ticket, the colleagues who have it open ("kim viewing").
// Anything written here goes through textContent (agents' names are text, never HTML).
(function () {
  "use strict";
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const me = Number((document.querySelector('meta[name="agent-id"]') || {}).content || 0);

  // -- the sound: created on the toggle's click (browsers start audio only after a gesture) --
  const Context = window.AudioContext || window.webkitAudioContext;
  const soundOn = () => localStorage.getItem("fd-sound") === "1";
  let audio = null;
  function beep() {
    if (!Context) return;
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const now = audio.currentTime;
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.type = "sine";
    tone.frequency.setValueAtTime(880, now);
    tone.frequency.setValueAtTime(660, now + 0.12);
    volume.gain.setValueAtTime(0.0001, now);
    volume.gain.exponentialRampToValueAtTime(0.2, now + 0.02);
    volume.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
    tone.connect(volume).connect(audio.destination);
    tone.start(now);
    tone.stop(now + 0.32);
  }
  const soundToggle = document.getElementById("sound-toggle");
  if (soundToggle && Context) {
    const sync = () => {
      soundToggle.setAttribute("aria-pressed", String(soundOn()));
      soundToggle.textContent = soundOn() ? "🔊" : "🔈";
    };
    soundToggle.hidden = false;
    soundToggle.addEventListener("click", () => {
      if (soundOn()) localStorage.removeItem("fd-sound");
      else { localStorage.setItem("fd-sound", "1"); beep(); }  // the beep says what it will sound like
      sync();
    });
    sync();
  }

  // -- the tab badge and desktop notifications, while the tab is hidden ---------------------
  // Only for what the server marks as worth an alert ("notify": a ticket handed to one of my
  // teams, a customer's message on my ticket; handoff/agent_alerts.py), never for every change.
  const baseTitle = document.title;
  let unseen = 0;
  document.addEventListener("frontdesk:tickets", (event) => {
    const alerts = (event.detail && event.detail.notify) || [];
    if (!document.hidden || alerts.length === 0) return;
    unseen += alerts.length;
    document.title = "(" + unseen + ") " + baseTitle;
    if (window.Notification && Notification.permission === "granted" && localStorage.getItem("fd-notify") === "1") {
      const lines = alerts.slice(0, 3).map((a) => (a.kind === "new" ? "New " : "Reply on ") + a.ticket + ": " + a.text);
      if (alerts.length > 3) lines.push("… and " + (alerts.length - 3) + " more");
      new Notification(alerts.length === 1 ? (alerts[0].kind === "new" ? "New ticket" : "Customer replied") : "Frontdesk", { body: lines.join("\n"), tag: "frontdesk" });
    }
    if (soundOn()) beep();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) { unseen = 0; document.title = baseTitle; }
  });
  const notifyToggle = document.getElementById("notify-toggle");
  if (notifyToggle && window.Notification) {
    const sync = () => { notifyToggle.setAttribute("aria-pressed", String(localStorage.getItem("fd-notify") === "1" && Notification.permission === "granted")); };
    notifyToggle.hidden = false;
    notifyToggle.addEventListener("click", async () => {
      if (localStorage.getItem("fd-notify") === "1") localStorage.removeItem("fd-notify");
      else if ((await Notification.requestPermission()) === "granted") localStorage.setItem("fd-notify", "1");
      sync();
    });
    sync();
  }

  const FORGET_VIEWING = 40000, FORGET_TYPING = 6000, HEARTBEAT = 15000;
  const live = document.getElementById("live");

  // -- the queue: "kim viewing" beside each ticket a colleague has open ----------------------
  // what the server's board knows when the stream opens (GET /api/agent/viewers), then every
  // signal; rows replaced by a live refresh are filled again ("frontdesk:refreshed")
  if (live && live.dataset.live === "queue") {
    const board = new Map();  // ticket -> Map(agent id -> {name, seen, typedAt})
    const hear = (ticketId, s, at) => {
      if (!ticketId || !s.agent_id || s.agent_id === me) return;
      const viewers = board.get(ticketId) || new Map();
      const known = viewers.get(s.agent_id);
      if (s.state === "left") viewers.delete(s.agent_id);
      else viewers.set(s.agent_id, { name: String(s.agent || "An agent"), seen: at, typedAt: s.state === "typing" ? at : known ? known.typedAt : 0 });
      if (viewers.size) board.set(ticketId, viewers); else board.delete(ticketId);
    };
    const paint = () => {
      const now = Date.now();
      for (const cell of document.querySelectorAll("[data-viewers-of]")) {
        const viewers = board.get(cell.dataset.viewersOf) || new Map();
        const typing = [], viewing = [];
        for (const [id, who] of viewers) {
          if (now - who.seen > FORGET_VIEWING) { viewers.delete(id); continue; }
          (now - who.typedAt < FORGET_TYPING ? typing : viewing).push(who.name);
        }
        const parts = [];
        if (typing.length) parts.push(typing.join(", ") + " typing…");
        if (viewing.length) parts.push(viewing.join(", ") + " viewing");
        cell.textContent = parts.join(" · ");
        cell.classList.toggle("typing", typing.length > 0);
        cell.hidden = parts.length === 0;
      }
    };
    document.addEventListener("frontdesk:open", async () => {
      try {
        const response = await fetch("/api/agent/viewers", { credentials: "same-origin" });
        const data = response.ok ? await response.json() : { viewers: {} };
        for (const [ticketId, viewers] of Object.entries(data.viewers || {})) {
          for (const s of viewers) hear(ticketId, s, Date.now() - 1000 * (s.seconds_ago || 0));
        }
      } catch (_) { /* the signals to come still fill the board */ }
      paint();
    });
    document.addEventListener("frontdesk:viewers", (event) => {
      const s = event.detail || {};
      hear(s.ticket, s, Date.now());
      paint();
    });
    document.addEventListener("frontdesk:refreshed", paint);
    setInterval(paint, 2000);
  }

  // -- "Ann is viewing / typing" on a ticket page -------------------------------------------
  const line = document.getElementById("viewers");
  const ticket = live && live.dataset.live === "ticket" ? live.dataset.ticket : null;
  if (!ticket || !line) return;
  const others = new Map();  // agent id -> {name, seen, typedAt}
  function signal(state) {
    return fetch("/api/agent/tickets/" + encodeURIComponent(ticket) + "/viewers", {
      method: "POST",
      credentials: "same-origin",
      keepalive: state === "left",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ state }),
    }).catch(() => {});
  }
  function show() {
    const now = Date.now();
    const typing = [], viewing = [];
    for (const [id, who] of others) {
      if (now - who.seen > FORGET_VIEWING) { others.delete(id); continue; }
      (now - who.typedAt < FORGET_TYPING ? typing : viewing).push(who.name);
    }
    const parts = [];
    if (typing.length) parts.push(typing.join(", ") + (typing.length > 1 ? " are typing…" : " is typing…"));
    if (viewing.length) parts.push(viewing.join(", ") + (viewing.length > 1 ? " are viewing" : " is viewing"));
    line.textContent = parts.join(" · ");
    line.classList.toggle("typing", typing.length > 0);
    line.hidden = parts.length === 0;
  }
  let answeredAt = 0;
  document.addEventListener("frontdesk:viewers", (event) => {
    const s = event.detail || {};
    if (s.ticket !== ticket || !s.agent_id || s.agent_id === me) return;
    const known = others.get(s.agent_id);
    if (s.state === "left") others.delete(s.agent_id);
    else {
      const now = Date.now();
      others.set(s.agent_id, { name: String(s.agent || "An agent"), seen: now, typedAt: s.state === "typing" ? now : known ? known.typedAt : 0 });
      // a newcomer does not know we are here: say so at once (not more than once a second)
      if (!known && now - answeredAt > 1000) { answeredAt = now; signal("viewing"); }
    }
    show();
  });
  setInterval(show, 2000);
  // said once the stream is open (and again after a reconnect), so the answers reach us
  document.addEventListener("frontdesk:open", () => signal("viewing"));
  setInterval(() => { if (!document.hidden) signal("viewing"); }, HEARTBEAT);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) signal("viewing"); });
  window.addEventListener("pagehide", () => signal("left"));
  const reply = document.getElementById("reply-text");
  let typedAt = 0;
  if (reply) reply.addEventListener("input", () => {
    if (!reply.value.trim() || Date.now() - typedAt < 3000) return;
    typedAt = Date.now();
    signal("typing");
  });
})();
