// The phone page refreshes itself: every few seconds it fetches the ticket's
// status and copies the server's words into the page. The server decides
// every word; this script only moves text, so it holds no wording.
(function () {
  "use strict";
  var main = document.getElementById("ticket");
  var src = main.getAttribute("data-src");
  var version = main.getAttribute("data-version");
  var every = Number(main.getAttribute("data-every"));

  function el(id) { return document.getElementById(id); }

  function set(id, text) {
    if (el(id).textContent !== text) {
      el(id).textContent = text;
    }
  }

  function show(s) {
    el("offline").hidden = true;
    set("updated", s.text.updated);
    if (s.version === version) {
      return;
    }
    version = s.version;
    set("hall", s.hall);
    set("number", s.number);
    set("matter", s.matter);
    set("where", s.where);
    set("headline", s.text.headline);
    set("detail", s.text.detail);
    el("green").hidden = !s.green;
    main.className = "tone-" + s.text.tone;
    document.title = s.text.title;
  }

  function poll() {
    fetch(src, { cache: "no-store", credentials: "omit" }).then(function (r) {
      if (r.status === 404) {
        location.reload(); // the ticket is gone: show the server's page for that
        return null;
      }
      if (!r.ok) {
        throw new Error("status " + r.status);
      }
      return r.json();
    }).then(function (s) {
      if (s === null) {
        return;
      }
      show(s);
      if (s.state !== "served") {
        setTimeout(poll, every);
      }
    }).catch(function () {
      el("offline").hidden = false;
      setTimeout(poll, every);
    });
  }

  setTimeout(poll, every);
})();
