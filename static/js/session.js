// Warns a minute before the session ends and offers to stay signed in (casework/sessions.py).
// The page says how many seconds the session has left (<body data-session-remaining>); every
// htmx response says it again (X-Upstream-Session-Remaining). Before warning and before
// leaving, the script asks the server, since another tab may have kept the session alive; that
// question is a background request and does not count as activity. "Stay signed in" does.
(function () {
  "use strict";
  var BACKGROUND = { "X-Upstream-Background": "1", "Accept": "application/json" };

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    var dialog = document.querySelector("[data-session-dialog]");
    if (!dialog || !body.hasAttribute("data-session-remaining")) { return; }
    var extendForm = dialog.querySelector("[data-session-extend]");
    var countdown = dialog.querySelector("[data-session-countdown]");
    var warning = parseInt(body.getAttribute("data-session-warning"), 10) || 60;
    var limit = body.getAttribute("data-session-limit") || "idle";
    var deadline = 0;
    var busy = false;
    var dismissed = false;

    function setRemaining(seconds, newLimit) {
      if (isNaN(seconds)) { return; }
      deadline = Date.now() + seconds * 1000;
      if (newLimit) { limit = newLimit; }
      if (seconds > warning) {
        dismissed = false;
        if (dialog.open) { dialog.close(); }
      }
    }

    function secondsLeft() {
      return Math.ceil((deadline - Date.now()) / 1000);
    }

    function goToLogin() {
      var url = dialog.getAttribute("data-login-url");
      window.location.assign(url + "?next=" + encodeURIComponent(window.location.pathname));
    }

    // Ask the server how long the session has left; `then` gets the answer, or null.
    function ask(request, then) {
      busy = true;
      fetch(request.url, request.options)
        .then(function (response) {
          // Signed out already: the server answers with its redirect to the login page.
          if (response.type === "opaqueredirect" || response.status === 401 ||
              response.status === 403) {
            return { signed_in: false };
          }
          return response.json();
        })
        .then(function (state) {
          busy = false;
          if (state.signed_in) { setRemaining(state.remaining, state.limit); }
          then(state);
        })
        .catch(function () { busy = false; then(null); });
    }

    function status(then) {
      ask({
        url: dialog.getAttribute("data-status-url"),
        options: {
          headers: BACKGROUND, credentials: "same-origin", cache: "no-store", redirect: "manual"
        }
      }, then);
    }

    function extend() {
      ask({
        url: extendForm.getAttribute("action"),
        options: {
          method: "POST",
          body: new FormData(extendForm),
          headers: { "Accept": "application/json" },
          credentials: "same-origin",
          cache: "no-store",
          redirect: "manual"
        }
      }, function (state) {
        if (state && !state.signed_in) { goToLogin(); }
      });
    }

    function showWarning() {
      dialog.querySelectorAll("[data-session-why]").forEach(function (paragraph) {
        paragraph.hidden = paragraph.getAttribute("data-session-why") !== limit;
      });
      extendForm.hidden = limit === "absolute";
      countdown.textContent = String(Math.max(0, secondsLeft()));
      if (!dialog.open) { dialog.showModal(); }
    }

    function tick() {
      if (busy) { return; }
      var left = secondsLeft();
      if (dialog.open) { countdown.textContent = String(Math.max(0, left)); }
      if (left <= -1) {
        // A second's grace, so that the server has certainly ended the session too.
        status(function (state) {
          if (!state || !state.signed_in || state.remaining <= 0) { goToLogin(); }
        });
      } else if (left <= warning && !dialog.open && !dismissed) {
        status(function (state) {
          if (!state || (state.signed_in && state.remaining <= warning)) { showWarning(); }
        });
      }
    }

    extendForm.addEventListener("submit", function (event) {
      event.preventDefault();
      extend();
    });
    dialog.addEventListener("cancel", function (event) {
      // Escape: whoever pressed it is here, so it counts as "stay signed in" when it can.
      if (limit === "absolute") {
        dismissed = true;
      } else {
        event.preventDefault();
        extend();
      }
    });
    body.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail && event.detail.xhr;
      var header = xhr ? xhr.getResponseHeader("X-Upstream-Session-Remaining") : null;
      if (header !== null && header !== "") { setRemaining(parseInt(header, 10)); }
    });

    setRemaining(parseInt(body.getAttribute("data-session-remaining"), 10));
    window.setInterval(tick, 1000);
  });
})();
