// Small progressive enhancements on top of htmx: combobox keys, help toggles, error focus.
(function () {
  "use strict";

  function options() {
    return Array.prototype.slice.call(document.querySelectorAll("#search-options [role=option]"));
  }

  function setActive(input, index) {
    var opts = options();
    opts.forEach(function (o, i) {
      var on = i === index;
      o.classList.toggle("active", on);
      o.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (index >= 0 && opts[index]) {
      input.setAttribute("aria-activedescendant", opts[index].id);
      opts[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function activeIndex() {
    return options().findIndex(function (o) { return o.classList.contains("active"); });
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input || input.id !== "q") return;
    var opts = options();
    var index = activeIndex();
    if (event.key === "ArrowDown" && opts.length) {
      event.preventDefault();
      setActive(input, (index + 1) % opts.length);
    } else if (event.key === "ArrowUp" && opts.length) {
      event.preventDefault();
      setActive(input, index <= 0 ? opts.length - 1 : index - 1);
    } else if (event.key === "Enter" && index >= 0) {
      event.preventDefault();
      window.location.assign(opts[index].href);
    } else if (event.key === "Escape") {
      var region = document.getElementById("search_results");
      if (region) region.innerHTML = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target.id === "search_results") {
      var input = document.getElementById("q");
      if (input) {
        input.setAttribute("aria-expanded", options().length ? "true" : "false");
        input.removeAttribute("aria-activedescendant");
      }
    }
    if (target.id === "request_form") {
      var summary = target.querySelector(".error-summary");
      if (summary) summary.focus();
    }
    if (target.classList.contains("inline-help")) {
      var toggle = document.querySelector("[aria-controls='" + target.id + "']");
      if (toggle) toggle.setAttribute("aria-expanded", "true");
    }
  });

  // A second click on "Где найти?" folds the instructions instead of loading them again.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (!elt.hasAttribute("data-help-toggle")) return;
    var panel = document.getElementById(elt.getAttribute("aria-controls"));
    if (panel && panel.innerHTML.trim() !== "") {
      event.preventDefault();
      panel.innerHTML = "";
      elt.setAttribute("aria-expanded", "false");
    }
  });
})();
