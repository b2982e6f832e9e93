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

  // --- Nothing typed is lost: drafts in this browser, and a message when a post fails -----------

  var DRAFT_PREFIX = "portal-draft:";
  var TEXT_TYPES = ["text", "email", "search", "tel", "url", "number"];

  function draftKey(form) {
    return DRAFT_PREFIX + form.getAttribute("data-draft");
  }

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled) return false;
      if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
      return el.tagName === "INPUT" && TEXT_TYPES.indexOf(el.type) >= 0;
    });
  }

  function saveDraft(form) {
    var values = {};
    draftFields(form).forEach(function (el) {
      if (el.value.trim() !== "") values[el.name] = el.value;
    });
    try {
      localStorage.setItem(draftKey(form), JSON.stringify(values));
    } catch (e) { /* storage full or disabled: the page itself still holds the text */ }
  }

  // Only empty fields are filled: what the server prefilled (the search words, the ЛК number) wins.
  function restoreDraft(form) {
    var values;
    try { values = JSON.parse(localStorage.getItem(draftKey(form)) || "null"); } catch (e) { values = null; }
    if (!values) return;
    var restored = false;
    draftFields(form).forEach(function (el) {
      if (el.value === "" && Object.prototype.hasOwnProperty.call(values, el.name)) {
        el.value = values[el.name];
        restored = restored || el.value !== "";
      }
    });
    if (restored) {
      var note = document.createElement("p");
      note.className = "notice draft-note";
      note.setAttribute("role", "status");
      note.textContent = "Мы вернули в форму текст, который вы не успели отправить.";
      form.insertBefore(note, form.firstChild);
    }
  }

  var saveTimer = null;
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (!form || !form.hasAttribute("data-draft")) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () { saveDraft(form); }, 300);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-draft")) saveDraft(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), restoreDraft);
  });

  // --- Files: the server's limits (data-max-* of the file input) checked before anything is sent ---

  var MB = 1048576;

  function fileInputOf(form) {
    return form && form.querySelector("input[type=file][data-max-size]");
  }

  function limitsText(input) {
    return "не больше " + input.getAttribute("data-max-files") + " файлов по " +
      Math.floor(Number(input.getAttribute("data-max-size")) / MB) + " МБ";
  }

  function fileProblems(input) {
    var maxSize = Number(input.getAttribute("data-max-size"));
    var maxFiles = Number(input.getAttribute("data-max-files"));
    var kept = input.form ? input.form.querySelectorAll("input[name=keep]:checked").length : 0;
    var files = Array.prototype.slice.call(input.files || []);
    var problems = [];
    files.forEach(function (file) {
      if (file.size === 0) {
        problems.push("Файл «" + file.name + "» пустой");
      } else if (file.size > maxSize) {
        problems.push("Файл «" + file.name + "» весит " + (file.size / MB).toFixed(1) + " МБ — больше допустимых " +
          Math.floor(maxSize / MB) + " МБ");
      }
    });
    if (files.length + kept > maxFiles) {
      problems.push("Можно приложить не больше " + maxFiles + " файлов" +
        (kept ? " вместе с уже прикрепленными (их " + kept + ")" : "") + ", а выбрано " + files.length +
        ". Уберите лишние");
    }
    return problems;
  }

  // The reasons go beside the file field, like the server's, in a list of their own.
  function showFileProblems(input, problems) {
    var id = input.id + "-check";
    var list = document.getElementById(id);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (x) {
      return x && x !== id;
    });
    if (list) list.parentNode.removeChild(list);
    if (problems.length) {
      list = document.createElement("ul");
      list.className = "errors";
      list.id = id;
      list.setAttribute("role", "alert");
      problems.forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      input.parentNode.insertBefore(list, input.nextSibling);
      described.push(id);
    }
    input.setAttribute("aria-describedby", described.join(" "));
    input.setAttribute("aria-invalid", problems.length || document.getElementById(input.id + "-error") ? "true" : "false");
    return problems.length === 0;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var input = target.type === "file" ? target : target.name === "keep" ? fileInputOf(target.form) : null;
    if (input && input.hasAttribute("data-max-size")) showFileProblems(input, fileProblems(input));
  });

  // Capture phase: a form with a file over the limits is stopped before htmx or the browser sends it.
  document.addEventListener("submit", function (event) {
    var input = fileInputOf(event.target);
    if (input && !showFileProblems(input, fileProblems(input))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      input.focus();
    }
  }, true);

  function failureMessage(status, form, xhr) {
    var files = fileInputOf(form);
    if (status === 429) {
      var minutes = Math.max(1, Math.ceil((parseInt(xhr && xhr.getResponseHeader("Retry-After"), 10) || 60) / 60));
      return "Слишком много попыток. Попробуйте снова через " + minutes + " мин. Текст на месте.";
    }
    if (status === 0) return "Нет связи с сервером. Текст на месте — проверьте подключение и отправьте еще раз.";
    if (status === 413) {
      return "Файлы вместе весят слишком много" + (files ? ": " + limitsText(files) : "") +
        ". Текст на месте — уберите лишние или большие файлы и отправьте еще раз.";
    }
    if (status === 400) return "Форма устарела. Текст сохранен в этом браузере: обновите страницу — он вернется в форму.";
    if (status === 401 || status === 403) return "Сеанс закончился. Текст сохранен в этом браузере: войдите снова и откройте эту страницу.";
    return "Не получилось отправить: ошибка на сервере. Текст на месте — попробуйте еще раз через минуту.";
  }

  function showFailure(form, status, xhr) {
    var box = form.querySelector(".send-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "error-summary send-error";
      box.setAttribute("role", "alert");
      box.setAttribute("tabindex", "-1");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = failureMessage(status, form, xhr);
    box.focus();
  }

  function postedForm(event) {
    var elt = event.detail.elt;
    var form = elt && (elt.tagName === "FORM" ? elt : elt.form || elt.closest("form"));
    return form && (form.getAttribute("method") || "").toLowerCase() === "post" ? form : null;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var form = postedForm(event);
    if (form) { saveDraft(form); showFailure(form, event.detail.xhr.status, event.detail.xhr); }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var form = postedForm(event);
    if (form) { saveDraft(form); showFailure(form, 0); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = postedForm(event);
    var xhr = event.detail.xhr;
    if (form && form.hasAttribute("data-draft") && xhr.status < 300 && xhr.getResponseHeader("HX-Redirect")) {
      clearTimeout(saveTimer);
      try { localStorage.removeItem(draftKey(form)); } catch (e) { /* nothing stored */ }
    }
  });
})();

// --- Form deflection (request form): suggestions while typing, moving the text to a better topic ---
// The suggestions themselves are htmx (hx-trigger on #suggestions); this only tidies up after a switch.
(function () {
  "use strict";

  var DRAFT_PREFIX = "portal-draft:";

  // The text moved to the other topic's form: the old form's browser draft would bring it back there.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.hasAttribute("data-switch-from") || event.detail.xhr.status !== 200) return;
    try {
      localStorage.removeItem(DRAFT_PREFIX + elt.getAttribute("data-switch-from"));
    } catch (e) { /* storage disabled: nothing was kept */ }
  });

  // After the switch the page is the new topic's form: start reading from its heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target !== document.body) return;
    var heading = document.querySelector("main h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });
})();
