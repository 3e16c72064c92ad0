// The console's password page (/console/password): posts the form to POST /api/agent/me/password
// and says in words what went wrong. Not one of console.js's data-api forms, whose errors are a
// passing toast: here the reason must stay next to the field it concerns.
(function () {
  "use strict";
  const form = document.getElementById("password-form");
  if (!form) return;
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const error = document.getElementById("password-error");
  const done = document.getElementById("password-done");
  const field = (name) => form.elements.namedItem(name);

  function show(el, text) {
    el.textContent = text;
    el.hidden = false;
  }

  function wait(seconds) {
    const minutes = Math.ceil(seconds / 60);
    return seconds < 60 ? seconds + " seconds" : minutes === 1 ? "a minute" : minutes + " minutes";
  }

  // the server's answer, in the words an agent needs (status first: its texts are for APIs)
  function refusal(response, data) {
    if (response.status === 403) {
      return { text: "Your current password is wrong. Nothing was changed.", focus: "current_password" };
    }
    if (response.status === 429) {
      const after = Number(response.headers.get("Retry-After")) || 60;
      return { text: "Too many wrong tries of your current password. Try again in " + wait(after) + "." };
    }
    if (response.status === 400 && /differ/.test(data.error || "")) {
      return { text: "The new password is the one you have now: choose another.", focus: "password" };
    }
    if (response.status === 400 && /"password" must be/.test(data.error || "")) {
      const min = form.dataset.min || "10";
      return { text: "The new password is too short: use at least " + min + " characters (at most 200).", focus: "password" };
    }
    if (response.status === 503) {
      return { text: "The desk cannot save anything just now. Nothing was changed; try again in a moment." };
    }
    return { text: data.error || response.statusText || "Something went wrong; nothing was changed." };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const el of [error, done]) { el.hidden = true; el.textContent = ""; }
    const current = field("current_password").value, fresh = field("password").value;
    if (!current) { show(error, "Type your current password."); field("current_password").focus(); return; }
    if (fresh !== field("confirm").value) {
      show(error, "The two new passwords differ: type the same one twice.");
      field("confirm").focus();
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const response = await fetch(form.dataset.endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ current_password: current, password: fresh }),
      });
      if (response.status === 401) { location.reload(); return; }  // signed out meanwhile: log in
      const data = await response.json().catch(() => ({}));
      if (response.ok) {
        form.reset();
        show(done, "Password changed. Your other console sessions were signed out; this one stays.");
        return;
      }
      const why = refusal(response, data);
      show(error, why.text);
      if (why.focus === "password") field("confirm").value = "";
      if (why.focus) { field(why.focus).value = ""; field(why.focus).focus(); }
    } catch {
      show(error, "The desk did not answer. Nothing was changed; try again in a moment.");
    } finally {
      submit.disabled = false;
    }
  });
})();
