// The Models page (admins): retrain, roll back, promote. A file, not an inline script, so the
// Content-Security-Policy can forbid inline script everywhere (docs/security.md).
(() => {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const status = document.getElementById("training-status");
  const bar = document.getElementById("progress");
  const post = (url, body) => fetch(url, {method: "POST", credentials: "same-origin",
    headers: {"X-CSRF-Token": csrf, "Content-Type": "application/json"}, body: JSON.stringify(body || {})})
    .then(async r => ({ok: r.ok, status: r.status, body: await r.json()}));
  const done = r => { if (r.ok) location.reload(); else status.textContent = r.body.error; };
  async function poll() {
    const r = await fetch("/console/models/training", {credentials: "same-origin"});
    const run = await r.json();
    bar.hidden = !run.running; bar.value = run.fraction;
    if (run.running) { status.textContent = run.stage; setTimeout(poll, 500); return; }
    if (run.error) { status.textContent = run.error; return; }
    location.reload();
  }
  document.getElementById("retrain").addEventListener("click", async e => {
    e.target.disabled = true;
    const r = await post("/console/models/training");
    if (r.ok) poll(); else { status.textContent = r.body.error; e.target.disabled = false; }
  });
  document.getElementById("rollback").addEventListener("click", async () => {
    if (confirm("Serve the previously active version again?")) done(await post("/console/models/rollback"));
  });
  document.querySelectorAll("button.promote").forEach(b => b.addEventListener("click", async () => {
    let r = await post(`/console/models/${b.dataset.version}/promote`);
    if (r.status === 409 && confirm(r.body.error + "\n\nPromote anyway?")) {
      r = await post(`/console/models/${b.dataset.version}/promote`, {force: true});
    }
    done(r);
  }));
  if (document.querySelector(".models").dataset.running === "true") poll();
})();
