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
    if (button && !form.hasAttribute("hx-post")) {
      setTimeout(function () {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      }, 0);
    }
  });

  // Coming back with the browser's Back button shows the page as it was left: re-enable it.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[aria-busy='true']").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  });
})();
