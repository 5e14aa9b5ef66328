// Small page helpers that every screen uses. The pages work without them; they add comfort.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="#field-id">Copy</button> copies the field's value.
  async function copyFrom(button) {
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    var text = field.value || field.textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      // Without the clipboard API (plain http, old browsers) fall back to a selection copy.
      field.select();
      document.execCommand("copy");
    }
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = "Copied";
    var status = document.getElementById("copy-status");
    if (status) status.textContent = "Link copied to the clipboard.";
    setTimeout(function () { button.textContent = label; }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
    // Close open menus when clicking elsewhere.
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });

  // Destructive actions ask once: <form data-confirm="Remove Ana from the workspace?">.
  // A submitted form disables its button so that a double click sends it only once.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var button = event.submitter;
    // A submit htmx took over (boosted pages) is not a page load: htmx drops repeats itself,
    // and a disabled button would stay disabled if its hx-confirm question is answered "no".
    if (button && !event.defaultPrevented && !form.hasAttribute("hx-post")) {
      setTimeout(function () {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      }, 0);
    }
  });

  // --- Jobs: elapsed time, and a notice when a job finishes ------------------------------------
  // "3 min 12 s" since the moment in data-elapsed-since, refreshed every second.
  function elapsedText(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    if (hours) return hours + " h " + minutes + " min";
    if (minutes) return minutes + " min " + rest + " s";
    return rest + " s";
  }

  function tickElapsed() {
    var now = Date.now();
    document.querySelectorAll("[data-elapsed-since]").forEach(function (element) {
      var since = Date.parse(element.getAttribute("data-elapsed-since"));
      if (!isNaN(since)) element.textContent = elapsedText((now - since) / 1000);
    });
  }
  setInterval(tickElapsed, 1000);
  document.addEventListener("DOMContentLoaded", tickElapsed);
  // A polled card is cached while its job does not change: its server-written elapsed time
  // can be old, so correct it as it is swapped in rather than up to a second later.
  document.addEventListener("htmx:load", tickElapsed);

  // Remember each card's state; when a card comes back from a poll as ready or failed, say so
  // in the page title and in a small notice, so people working in another tab notice it.
  var FINISHED = { ready: "Ready", failed: "Failed", canceled: "Canceled" };
  var cardStates = {};
  var originalTitle = document.title;
  var unseen = 0;

  function remember(root, swapped) {
    if (!root) return;
    var cards = root.matches && root.matches(".job-card") ? [root] : [];
    if (root.querySelectorAll) cards = cards.concat(Array.prototype.slice.call(root.querySelectorAll(".job-card")));
    cards.forEach(function (card) {
      var code = card.getAttribute("data-job");
      var state = card.getAttribute("data-state");
      var before = cardStates[code];
      cardStates[code] = state;
      if (before && !FINISHED[before] && FINISHED[state]) {
        if (state !== "canceled") announce(card, state);
        refreshTray();
      } else if (swapped && !before && !FINISHED[state]) {
        refreshTray(); // a job just started here (Generate answers with its card)
      }
    });
  }

  // The top bar's count of running jobs follows a card that starts or finishes on this page at
  // once, not at its next five-second check.
  function refreshTray() {
    var tray = document.getElementById("job-tray");
    if (tray && window.htmx) window.htmx.trigger(tray, "refresh");
  }

  function toastArea() {
    var area = document.getElementById("toast-area");
    if (!area) {
      area = document.createElement("div");
      area.id = "toast-area";
      area.className = "toast-area";
      area.setAttribute("role", "status");
      area.setAttribute("aria-live", "polite");
      document.body.appendChild(area);
    }
    return area;
  }

  function announce(card, state) {
    var titleElement = card.querySelector(".job-title");
    var title = titleElement ? titleElement.textContent.trim() : "A job";
    unseen += 1;
    document.title = (state === "ready" ? "✓ " : "✗ ") + FINISHED[state] + ": " + title + " · " + originalTitle;
    var toast = document.createElement("div");
    toast.className = "toast" + (state === "failed" ? " toast-bad" : "");
    toast.textContent = (state === "ready" ? "Ready: " : "Failed: ") + title + " ";
    var link = document.createElement("a");
    link.href = "#" + card.id;
    link.textContent = state === "ready" ? "Show" : "See why";
    toast.appendChild(link);
    toastArea().appendChild(toast);
    setTimeout(function () { toast.remove(); }, 8000);
    resetTitle();
  }

  // The title goes back once someone has had the page in front of them for a while.
  function resetTitle() {
    if (unseen && document.visibilityState === "visible") {
      setTimeout(function () {
        if (document.visibilityState !== "visible") return;
        document.title = originalTitle;
        unseen = 0;
      }, 10000);
    }
  }
  document.addEventListener("visibilitychange", resetTitle);
  document.addEventListener("DOMContentLoaded", function () { remember(document); });
  document.addEventListener("htmx:load", function (event) { remember(event.detail.elt, true); });

  // When a task form comes back with errors, bring the first one into view and focus it.
  function showFirstError(form) {
    if (!form || form.id !== "task-form") return;
    var problem = form.querySelector(".has-error");
    if (!problem) return;
    var details = problem.closest("details");
    if (details) details.open = true;
    problem.scrollIntoView({ block: "center" });
    var control = problem.querySelector("input:not([type=hidden]), textarea, select");
    if (control) control.focus({ preventScroll: true });
  }
  document.addEventListener("htmx:load", function (event) { showFirstError(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () {
    showFirstError(document.getElementById("task-form"));
  });

  // Character counts on limited text fields: "120 / 1024 characters".
  function updateCount(field) {
    var badge = document.querySelector("[data-count-for='" + field.id + "']");
    if (!badge) return;
    var max = parseInt(badge.getAttribute("data-max"), 10);
    if (!badge.hasAttribute("data-limit-text")) badge.setAttribute("data-limit-text", badge.textContent);
    var length = field.value.length;
    badge.textContent = length ? length + " / " + max + " characters" : badge.getAttribute("data-limit-text");
    badge.classList.toggle("is-over", length > max);
  }
  document.addEventListener("input", function (event) {
    if (event.target.id) updateCount(event.target);
  });

  // Coming back with the browser's Back button shows the page as it was left: re-enable it.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[aria-busy='true']").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  });
})();
