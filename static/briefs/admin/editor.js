/* The brief form's writing aids; the form works the same without them.
 *
 * - Section bodies (textarea[data-markdown-preview="<url>"]) get a Write /
 *   Preview switch. The preview is the body POSTed to <url>, which answers
 *   {"html": ...} rendered by the server as readers get it.
 * - As the title, key points and sections change (and once on opening a
 *   brief that has tags), their text is POSTed to the tag inputs'
 *   data-tag-suggestions URL, which answers the tagger's tags with the
 *   reason for each ({name, kind, reason}). Those not chosen yet are offered
 *   under each tag input, to add or dismiss, each with its reason ("Why:
 *   …", also the add button's description); the reasons for the chosen
 *   ones sit in a "Why these tags?" disclosure.
 * - "Schedule…" with no publication date shows where to set one.
 * - The move arrows of key points and sections work from the keyboard, and
 *   key points are numbered as they are ordered.
 *
 * Rows added later are set up on Django's "formset:added" event. Server
 * HTML goes through DOMParser; names are set as text.
 */
"use strict";
(function () {
  const SUGGEST_DELAY_MS = 900;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, pairs) {
    const body = new URLSearchParams();
    pairs.forEach(function (pair) {
      body.append(pair[0], pair[1]);
    });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: body,
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || "The server answered " + response.status + ".");
        }
        return data;
      });
    });
  }

  function live(root) {
    return Array.prototype.filter.call(root, function (node) {
      return !node.closest(".empty-form");
    });
  }

  /* Write / Preview ------------------------------------------------------ */

  function markdownEditor(textarea) {
    if (textarea.dataset.editor || textarea.closest(".empty-form")) {
      return;
    }
    textarea.dataset.editor = "on";
    const bar = element("div", "md-switch");
    const write = element("button", "md-switch__button", "Write");
    const show = element("button", "md-switch__button", "Preview");
    const preview = element("div", "md-preview");
    preview.id = textarea.id + "-preview";
    preview.hidden = true;
    preview.setAttribute("role", "region");
    preview.setAttribute("aria-label", "Preview of the section body");
    [write, show].forEach(function (button) {
      button.type = "button";
      button.setAttribute("aria-controls", textarea.id + " " + preview.id);
      bar.append(button);
    });

    function mode(previewing) {
      write.setAttribute("aria-pressed", String(!previewing));
      show.setAttribute("aria-pressed", String(previewing));
      textarea.hidden = previewing;
      preview.hidden = !previewing;
    }

    write.addEventListener("click", function () {
      mode(false);
      textarea.focus();
    });
    show.addEventListener("click", function () {
      preview.replaceChildren(element("p", "md-preview__note", "Loading the preview…"));
      mode(true);
      if (!textarea.value.trim()) {
        preview.replaceChildren(element("p", "md-preview__note", "Nothing to preview yet."));
        return;
      }
      post(textarea.dataset.markdownPreview, [["body", textarea.value]])
        .then(function (data) {
          const page = new DOMParser().parseFromString(data.html, "text/html");
          preview.replaceChildren.apply(preview, Array.from(page.body.childNodes));
        })
        .catch(function (error) {
          preview.replaceChildren(
            element("p", "md-preview__note", "No preview: " + error.message)
          );
        });
    });
    textarea.insertAdjacentElement("beforebegin", bar);
    textarea.insertAdjacentElement("afterend", preview);
    mode(false);
  }

  /* Tag suggestions ------------------------------------------------------ */

  const dismissed = new WeakMap();
  let timer = null;

  function sectionRows() {
    return live(document.querySelectorAll("#sections-group .inline-related"));
  }

  function valueOf(root, selector) {
    const field = root.querySelector(selector);
    return field ? field.value : "";
  }

  function writtenText() {
    const pairs = [
      ["title", valueOf(document, "#id_title")],
      ["dateline", valueOf(document, "#id_dateline")],
    ];
    live(document.querySelectorAll("#key_points-group input[name$='-text']")).forEach(
      function (field) {
        pairs.push(["key_point", field.value]);
      }
    );
    sectionRows().forEach(function (row) {
      pairs.push(["heading", valueOf(row, "input[name$='-heading']")]);
      pairs.push(["body", valueOf(row, "textarea[name$='-body']")]);
    });
    return pairs;
  }

  function chosen(input) {
    const names = window.NewsroomTags ? window.NewsroomTags.parse(input.value) : [];
    return new Set(
      names.map(function (name) {
        return name.toLowerCase();
      })
    );
  }

  function addTag(input, tag) {
    if (input.dataset.chips) {
      input.dispatchEvent(new CustomEvent("tags:add", { detail: tag }));
    } else {
      const name = /[,\s]/.test(tag.name) ? '"' + tag.name + '"' : tag.name;
      input.value = input.value.trim() ? input.value + ", " + name : name;
    }
  }

  /* The box for one input's suggestions, or for the reasons behind its
   * chosen tags, made on first use: after the field's help (which belongs
   * with the entry), else after the chips or the input, and after the
   * boxes made before it. */
  function boxFor(input, className, make) {
    const field = input.closest(".form-row") || input.parentElement;
    let box = field.querySelector("." + className);
    if (!box) {
      box = make();
      const help = document.getElementById(input.id + "_helptext");
      let after = help && field.contains(help)
        ? help
        : input.nextElementSibling && input.nextElementSibling.matches(".tag-chips")
          ? input.nextElementSibling
          : input;
      while (after.nextElementSibling && after.nextElementSibling.matches(".tag-reasons, .tag-suggestions")) {
        after = after.nextElementSibling;
      }
      after.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  /* "Why: title: “Iran”; section 2: “Iranian” ×2", or "" without a reason. */
  function why(tag) {
    return typeof tag.reason === "string" && tag.reason ? "Why: " + tag.reason : "";
  }

  /* The reasons the tagger gives for the tags ``input`` has already. */
  function explainChosen(input, tags, have) {
    const reasons = tags.filter(function (tag) {
      return have.has(tag.name.toLowerCase()) && why(tag);
    });
    const details = boxFor(input, "tag-reasons", function () {
      const made = element("details", "tag-reasons");
      made.append(element("summary", "tag-reasons__summary", "Why these tags?"));
      made.append(element("ul", "tag-reasons__list"));
      return made;
    });
    const list = details.querySelector(".tag-reasons__list");
    list.replaceChildren.apply(
      list,
      reasons.map(function (tag) {
        const item = element("li", "tag-reasons__item");
        item.append(element("span", "tag-reasons__name", tag.name), " — ", element("span", "tag-reason", tag.reason));
        return item;
      })
    );
    details.hidden = reasons.length === 0;
  }

  function offer(input, tags) {
    if (!input) {
      return;
    }
    input.suggested = tags;
    const have = chosen(input);
    explainChosen(input, tags, have);
    const box = boxFor(input, "tag-suggestions", function () {
      const made = element("div", "tag-suggestions");
      made.setAttribute("role", "group");
      made.setAttribute("aria-label", "Suggested tags");
      return made;
    });
    const gone = dismissed.get(input) || new Set();
    const fresh = tags.filter(function (tag) {
      const key = tag.name.toLowerCase();
      return !have.has(key) && !gone.has(key);
    });
    box.replaceChildren();
    box.hidden = fresh.length === 0;
    if (!fresh.length) {
      return;
    }
    const list = element("ul", "tag-suggestions__list");
    box.append(element("span", "tag-suggestions__label", "Suggested:"), list);
    fresh.forEach(function (tag, index) {
      const item = element("li", "tag-suggestion");
      const chip = element("span", "tag-chip tag-chip--suggested");
      const accept = element("button", "tag-suggestion__add", "+ " + tag.name);
      accept.type = "button";
      accept.setAttribute("aria-label", "Add suggested tag " + tag.name);
      accept.addEventListener("click", function () {
        addTag(input, tag);
        offer(input, input.suggested);
      });
      const dismiss = element("button", "tag-chip__remove", "×");
      dismiss.type = "button";
      dismiss.setAttribute("aria-label", "Dismiss suggested tag " + tag.name);
      dismiss.addEventListener("click", function () {
        gone.add(tag.name.toLowerCase());
        dismissed.set(input, gone);
        offer(input, input.suggested);
      });
      chip.append(accept, element("span", "tag-kind", tag.kind), dismiss);
      item.append(chip);
      if (why(tag)) {
        const reason = element("span", "tag-reason", why(tag));
        reason.id = input.id + "-suggestion-" + index + "-why";
        accept.setAttribute("aria-describedby", reason.id);
        item.append(reason);
      }
      list.append(item);
    });
  }

  function suggest() {
    const input = document.querySelector("#brief_form input[data-tag-suggestions]");
    if (!input) {
      return;
    }
    post(input.dataset.tagSuggestions, writtenText())
      .then(function (data) {
        offer(document.getElementById("id_tags"), data.brief || []);
        sectionRows().forEach(function (row, index) {
          offer(row.querySelector("input[data-tag-suggestions]"), (data.sections || [])[index] || []);
        });
      })
      .catch(function () {
        // Suggestions are a help; without them the form is the same.
      });
  }

  function isText(field) {
    return (
      field.matches("#id_title, #id_dateline") ||
      field.matches("#key_points-group input[name$='-text']") ||
      field.matches("#sections-group input[name$='-heading'], #sections-group textarea")
    );
  }

  document.addEventListener("input", function (event) {
    if (event.target instanceof Element && isText(event.target)) {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, SUGGEST_DELAY_MS);
    }
  });
  document.addEventListener("tags:changed", function (event) {
    if (event.target.suggested) {
      offer(event.target, event.target.suggested);
    }
  });

  /* Scheduling, reordering ------------------------------------------------ */

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[name=move][value=schedule]");
    const date = document.getElementById("id_published_at_0");
    if (!button || !date || date.value) {
      return;
    }
    event.preventDefault();
    let hint = document.getElementById("schedule-hint");
    if (!hint) {
      hint = element("p", "schedule-hint", "Choose the date and time to publish, then press “Schedule…” again.");
      hint.id = "schedule-hint";
      hint.setAttribute("role", "alert");
      date.closest(".publication-time").insertAdjacentElement("afterend", hint);
    }
    date.scrollIntoView({ block: "center" });
    date.focus();
  });

  document.addEventListener("keydown", function (event) {
    const arrow = event.target.closest && event.target.closest(".sort i[role=button]");
    if (arrow && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      arrow.click();
      arrow.focus();
    }
  });

  // One-field rows (key points, authors) keep their numbers as they move.
  function numberRows(body) {
    const name = body.dataset.rowName;
    let number = 0;
    body.querySelectorAll("tr.form-row:not(.empty-form)").forEach(function (row) {
      number += 1;
      const label = row.querySelector(".inline-row-label");
      if (label) {
        label.textContent = name + " " + number;
      }
      row.querySelectorAll(".sort i").forEach(function (arrow) {
        const where = arrow.classList.contains("move-begin") ? "top" : "bottom";
        arrow.setAttribute("aria-label", "Move " + name.toLowerCase() + " " + number + " to the " + where);
      });
    });
  }

  function setUp(root) {
    root.querySelectorAll("textarea[data-markdown-preview]").forEach(markdownEditor);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
    // A brief with tags: say at once why the tagger finds them.
    const tagged = live(document.querySelectorAll("#brief_form input[data-tag-suggestions]")).some(function (input) {
      return input.value.trim();
    });
    if (tagged) {
      suggest();
    }
    document.querySelectorAll(".inline-rows tbody[data-row-name]").forEach(function (body) {
      new MutationObserver(function () {
        numberRows(body);
      }).observe(body, { childList: true });
    });
  });
  document.addEventListener("formset:added", function (event) {
    setUp(event.target);
  });
})();
