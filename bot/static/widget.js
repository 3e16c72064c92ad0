// Frontdesk's embeddable chat: one tag on any page of an allowed site,
//   <script src="https://desk.example.com/widget.js" defer></script>
// adds a launcher button that opens the chat (the front desk's /widget page) in an iframe.
// Optional attributes on the tag override the admin's look: data-colour="#0a7755",
// data-position="left", data-title="Help", data-greeting="Hello!".
// No framework, no build step; nothing here reads the host page, and the conversation itself
// lives in the iframe, on the front desk's origin.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.frontdeskWidget) return;
  var base = new URL(script.src).origin;
  var options = script.dataset;
  var OPEN_KEY = "frontdesk.widget.open";
  window.frontdeskWidget = { base: base };

  // The admin's settings; the front desk answers (CORS) only the sites it allows.
  fetch(base + "/api/widget/config", { credentials: "omit" })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (config) {
      if (document.body) start(config);
      else document.addEventListener("DOMContentLoaded", function () { start(config); });
    })
    .catch(function () {
      console.warn("Frontdesk chat: " + base + " does not allow this site (" + location.origin +
        "); an admin adds it under Console > Widget > Allowed sites.");
    });

  function css(element, rules) {
    for (var name in rules) element.style.setProperty(name, rules[name]);
    return element;
  }

  function start(config) {
    var colour = /^#[0-9a-fA-F]{6}$/.test(options.colour || "") ? options.colour : config.colour;
    var side = options.position === "left" || options.position === "right" ? options.position : config.position;
    var title = options.title || config.title || "Support";
    var unread = 0;
    var open = false;
    var small = window.matchMedia("(max-width: 480px)");

    var launcher = css(document.createElement("button"), {
      position: "fixed", bottom: "20px", width: "58px", height: "58px", "border-radius": "50%",
      border: "0", background: colour, color: "#fff", cursor: "pointer", padding: "0",
      "box-shadow": "0 6px 20px rgba(0,0,0,.25)", "z-index": "2147483000",
      display: "flex", "align-items": "center", "justify-content": "center",
    });
    launcher.style.setProperty(side, "20px");
    launcher.type = "button";
    launcher.id = "frontdesk-launcher";
    launcher.setAttribute("aria-controls", "frontdesk-panel");
    launcher.setAttribute("aria-expanded", "false");
    launcher.appendChild(bubbleIcon());

    var badge = css(document.createElement("span"), {
      position: "absolute", top: "-4px", right: "-4px", "min-width": "22px", height: "22px",
      padding: "0 6px", "border-radius": "11px", background: "#d92d20", color: "#fff",
      font: "bold 12px/22px system-ui, sans-serif", "text-align": "center", display: "none",
      "box-sizing": "border-box",
    });
    badge.className = "frontdesk-badge";
    badge.setAttribute("aria-hidden", "true");
    launcher.appendChild(badge);

    var panel = css(document.createElement("div"), {
      position: "fixed", "z-index": "2147483001", background: "#fff", overflow: "hidden",
      "box-shadow": "0 12px 40px rgba(0,0,0,.28)", display: "none",
    });
    panel.id = "frontdesk-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", title);
    var frame = css(document.createElement("iframe"), { width: "100%", height: "100%", border: "0", display: "block" });
    frame.title = title;
    frame.allow = "clipboard-write";
    var hash = new URLSearchParams();
    if (options.colour) hash.set("colour", colour);
    if (options.title) hash.set("title", options.title);
    if (options.greeting !== undefined) hash.set("greeting", options.greeting);
    frame.src = base + "/widget" + (hash.toString() ? "#" + hash.toString() : "");
    panel.appendChild(frame);

    function place() {  // a floating panel; the whole screen on a phone
      var rules = small.matches
        ? { top: "0", bottom: "0", left: "0", right: "0", width: "100%", height: "100%", "border-radius": "0" }
        : { top: "auto", bottom: "90px", width: "380px", height: "min(620px, calc(100vh - 110px))", "border-radius": "14px",
            left: side === "left" ? "20px" : "auto", right: side === "left" ? "auto" : "20px" };
      css(panel, rules);
      launcher.style.display = open && small.matches ? "none" : "flex";
    }

    function label() {
      launcher.setAttribute("aria-label", (open ? "Close " : "Open ") + title +
        (unread ? " (" + unread + " unread)" : ""));
      badge.textContent = unread > 9 ? "9+" : String(unread);
      badge.style.display = unread ? "block" : "none";
    }

    function show(value, focus) {
      open = value;
      panel.style.display = open ? "block" : "none";
      launcher.setAttribute("aria-expanded", String(open));
      if (open) {
        unread = 0;
        frame.contentWindow.postMessage({ type: "frontdesk:open" }, base);
      } else if (focus) {
        launcher.focus();
      }
      try { sessionStorage.setItem(OPEN_KEY, open ? "1" : ""); } catch (e) { /* storage off */ }
      place();
      label();
    }

    launcher.addEventListener("click", function () { show(!open, true); });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape" && open) show(false, true); });
    window.addEventListener("message", function (event) {
      if (event.origin !== base || event.source !== frame.contentWindow || !event.data) return;
      if (event.data.type === "frontdesk:close") show(false, true);
      if (event.data.type === "frontdesk:message" && !open) { unread += 1; label(); }
    });
    if (small.addEventListener) small.addEventListener("change", place);

    document.body.appendChild(panel);
    document.body.appendChild(launcher);
    var reopen = false;
    try { reopen = sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { /* storage off */ }
    if (reopen) frame.addEventListener("load", function () { show(true, false); }, { once: true });
    place();
    label();
  }

  function bubbleIcon() {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }
})();
