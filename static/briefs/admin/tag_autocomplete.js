/* Tag inputs as chips, with suggestions of existing tags and their kinds.
 *
 * An input with data-tag-autocomplete="<url>" holds tag names in taggit's
 * syntax ("China, \"Food security\""). Here it becomes a row of chips and an
 * entry field; the input itself stays in the form, hidden, and always holds
 * the chips' names in that syntax, so the server reads what it reads
 * without JavaScript.
 *
 * As the person types, <url>?q=<term>&kinds=1 answers the existing tags
 * that match ({"results": [{"name", "kind"}]}), listed under the entry (an
 * ARIA combobox). Enter, a comma or a click adds the tag; a chip's button
 * removes it, as does Backspace in the empty entry. Only an input marked
 * data-tag-create (for editors, who keep the vocabulary) takes a name that
 * is not a tag yet; the server checks that again.
 *
 * Other scripts add a tag with a "tags:add" event ({detail: {name, kind}})
 * on the input, and hear "tags:changed" from it. Names are set as text,
 * never parsed as HTML. Rows added to the form later are set up when
 * Django's "formset:added" event says so.
 */
"use strict";
(function () {
  const DELAY_MS = 150;

  /* taggit's parse_tags: quoted names first, then the rest split on commas,
   * or on spaces when there is no comma at all. */
  function parseTags(text) {
    const value = (text || "").trim();
    if (!value) {
      return [];
    }
    if (!value.includes(",") && !value.includes('"')) {
      return unique(value.split(" "));
    }
    const words = [];
    const loose = [];
    let rest = value;
    let match;
    const quoted = /"([^"]*)"/;
    while ((match = quoted.exec(rest))) {
      loose.push(rest.slice(0, match.index));
      words.push(match[1]);
      rest = rest.slice(match.index + match[0].length);
    }
    loose.push(rest.replace(/"/g, ""));
    const comma = loose.some(function (chunk) {
      return chunk.includes(",");
    });
    loose.forEach(function (chunk) {
      words.push.apply(words, chunk.split(comma ? "," : " "));
    });
    return unique(words);
  }

  function unique(words) {
    const seen = new Set();
    return words
      .map(function (word) {
        return word.trim();
      })
      .filter(function (word) {
        const key = word.toLowerCase();
        if (!word || seen.has(key)) {
          return false;
        }
        seen.add(key);
        return true;
      });
  }

  /* taggit's edit string: a name with a comma or a space goes in quotes. */
  function formatTags(names) {
    return names
      .map(function (name) {
        const plain = name.replace(/"/g, "");
        return /[,\s]/.test(plain) ? '"' + plain + '"' : plain;
      })
      .join(", ");
  }

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

  function Chips(input) {
    const self = this;
    const id = input.id || input.name;
    this.input = input;
    this.canCreate = input.hasAttribute("data-tag-create");
    this.kinds = {};
    try {
      this.kinds = JSON.parse(input.dataset.tagKinds || "{}");
    } catch (error) {
      this.kinds = {};
    }
    this.names = parseTags(input.value);
    this.results = [];
    this.active = -1;

    this.box = element("div", "tag-chips");
    this.list = element("ul", "tag-chips__list");
    this.list.setAttribute("aria-label", "Chosen tags");
    this.entry = element("input", "tag-chips__entry vTextField");
    this.entry.type = "text";
    this.entry.id = id + "-entry";
    this.entry.autocomplete = "off";
    this.entry.setAttribute("role", "combobox");
    this.entry.setAttribute("aria-autocomplete", "list");
    this.entry.setAttribute("aria-expanded", "false");
    this.entry.setAttribute("aria-controls", id + "-options");
    this.options = element("ul", "tag-chips__options");
    this.options.id = id + "-options";
    this.options.setAttribute("role", "listbox");
    this.options.setAttribute("aria-label", "Matching tags");
    this.options.hidden = true;
    this.status = element("p", "tag-chips__status");
    this.status.setAttribute("aria-live", "polite");

    const label = document.querySelector('label[for="' + input.id + '"]');
    if (label) {
      label.htmlFor = this.entry.id;
    }
    const help = document.getElementById(input.id + "_helptext");
    if (help) {
      help.firstElementChild.textContent = this.canCreate
        ? "Type to find a tag; Enter adds it, or creates a new one."
        : "Type to find a tag; Enter adds it.";
      this.entry.setAttribute("aria-describedby", help.id);
    }
    this.box.append(this.list, this.entry, this.options, this.status);
    input.insertAdjacentElement("afterend", this.box);
    input.hidden = true;
    input.dataset.chips = "on";

    this.entry.addEventListener("input", function () {
      window.clearTimeout(self.timer);
      self.timer = window.setTimeout(function () {
        self.lookUp();
      }, DELAY_MS);
    });
    this.entry.addEventListener("keydown", function (event) {
      self.onKey(event);
    });
    this.entry.addEventListener("blur", function () {
      window.setTimeout(function () {
        self.close();
      }, 150);
    });
    this.options.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the entry
    });
    this.options.addEventListener("click", function (event) {
      const option = event.target.closest("[role=option]");
      if (option) {
        self.choose(Number(option.dataset.index));
      }
    });
    this.list.addEventListener("click", function (event) {
      const button = event.target.closest("button");
      if (button) {
        self.remove(button.dataset.name);
        self.entry.focus();
      }
    });
    input.addEventListener("tags:add", function (event) {
      self.add(event.detail.name, event.detail.kind);
    });
    if (input.form) {
      input.form.addEventListener("submit", function () {
        // Typed but not added: the server decides whether it is a tag.
        if (self.entry.value.trim()) {
          self.add(self.entry.value.trim(), "");
        }
      });
    }
    this.render();
  }

  Chips.prototype.render = function () {
    const self = this;
    this.list.replaceChildren.apply(
      this.list,
      this.names.map(function (name) {
        const chip = element("li", "tag-chip");
        chip.append(element("span", "tag-chip__name", name));
        if (self.kinds[name]) {
          chip.append(element("span", "tag-kind", self.kinds[name]));
        }
        const remove = element("button", "tag-chip__remove", "×");
        remove.type = "button";
        remove.dataset.name = name;
        remove.setAttribute("aria-label", "Remove tag " + name);
        chip.append(remove);
        return chip;
      })
    );
    this.list.hidden = this.names.length === 0;
  };

  Chips.prototype.has = function (name) {
    const key = name.toLowerCase();
    return this.names.some(function (chosen) {
      return chosen.toLowerCase() === key;
    });
  };

  Chips.prototype.changed = function () {
    this.input.value = formatTags(this.names);
    this.render();
    this.input.dispatchEvent(new CustomEvent("tags:changed", { bubbles: true }));
  };

  Chips.prototype.add = function (name, kind) {
    const clean = (name || "").replace(/"/g, "").trim();
    if (clean && !this.has(clean)) {
      this.names.push(clean);
      if (kind) {
        this.kinds[clean] = kind;
      }
      this.changed();
      this.status.textContent = "Added " + clean + ".";
    }
    this.entry.value = "";
    this.close();
  };

  Chips.prototype.remove = function (name) {
    this.names = this.names.filter(function (chosen) {
      return chosen !== name;
    });
    this.changed();
    this.status.textContent = "Removed " + name + ".";
  };

  Chips.prototype.lookUp = function () {
    const self = this;
    const term = this.entry.value.replace(/[,"]/g, "").trim();
    if (this.request) {
      this.request.abort();
    }
    if (!term) {
      this.show([]);
      return;
    }
    this.request = new AbortController();
    const url = new URL(this.input.dataset.tagAutocomplete, window.location.href);
    url.searchParams.set("q", term);
    url.searchParams.set("kinds", "1");
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: this.request.signal,
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        const found = Array.isArray(data.results) ? data.results : [];
        self.show(
          found
            .map(function (item) {
              return typeof item === "string" ? { name: item, kind: "" } : item;
            })
            .filter(function (item) {
              return item && typeof item.name === "string" && !self.has(item.name);
            })
        );
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          self.show([]);
        }
      });
  };

  Chips.prototype.show = function (results) {
    const self = this;
    const term = this.entry.value.replace(/[,"]/g, "").trim();
    const exact = results.some(function (item) {
      return item.name.toLowerCase() === term.toLowerCase();
    });
    this.results = results.slice();
    if (term && !exact && this.canCreate && !this.has(term)) {
      this.results.push({ name: term, kind: "", create: true });
    }
    this.active = -1;
    this.options.replaceChildren.apply(
      this.options,
      this.results.map(function (item, index) {
        const option = element("li", "tag-option");
        option.id = self.options.id + "-" + index;
        option.dataset.index = String(index);
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        if (item.create) {
          option.append(element("span", "", "Create the tag “" + item.name + "”"));
        } else {
          option.append(element("span", "", item.name));
          option.append(element("span", "tag-kind", item.kind || ""));
        }
        return option;
      })
    );
    const open = this.results.length > 0;
    this.options.hidden = !open;
    this.entry.setAttribute("aria-expanded", String(open));
    this.entry.removeAttribute("aria-activedescendant");
    this.status.textContent =
      term && !open && !this.canCreate
        ? "“" + term + "” is not a tag. Ask an editor to create it."
        : "";
  };

  Chips.prototype.close = function () {
    this.options.hidden = true;
    this.entry.setAttribute("aria-expanded", "false");
    this.entry.removeAttribute("aria-activedescendant");
  };

  Chips.prototype.highlight = function (index) {
    const options = this.options.children;
    if (!options.length) {
      return;
    }
    this.active = (index + options.length) % options.length;
    Array.prototype.forEach.call(options, function (option, number) {
      option.setAttribute("aria-selected", String(number === this.active));
    }, this);
    this.entry.setAttribute("aria-activedescendant", options[this.active].id);
  };

  Chips.prototype.choose = function (index) {
    const item = this.results[index];
    if (item) {
      this.add(item.name, item.kind);
    }
  };

  /* Enter or a comma adds the highlighted tag, else the tag typed if it
   * matches one listed (or may be created). */
  Chips.prototype.commit = function () {
    const term = this.entry.value.replace(/[,"]/g, "").trim();
    if (this.active >= 0) {
      this.choose(this.active);
      return;
    }
    const key = term.toLowerCase();
    const match = this.results.find(function (item) {
      return item.name.toLowerCase() === key;
    });
    if (match) {
      this.add(match.name, match.kind);
    } else if (term && this.canCreate) {
      this.add(term, "");
    } else if (term) {
      this.status.textContent =
        "“" + term + "” is not a tag. Choose one from the list, or ask an editor to create it.";
    }
  };

  Chips.prototype.onKey = function (event) {
    const open = !this.options.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (open) {
        event.preventDefault();
        this.highlight(this.active + (event.key === "ArrowDown" ? 1 : -1));
      }
    } else if (event.key === "Enter" || event.key === ",") {
      if (this.entry.value.trim() || event.key === ",") {
        event.preventDefault();
        this.commit();
      }
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      this.close();
    } else if (event.key === "Backspace" && !this.entry.value && this.names.length) {
      this.remove(this.names[this.names.length - 1]);
    }
  };

  function setUp(root) {
    root.querySelectorAll("input[data-tag-autocomplete]").forEach(function (input) {
      if (!input.dataset.chips && !input.closest(".empty-form")) {
        new Chips(input);
      }
    });
  }

  window.NewsroomTags = { parse: parseTags, format: formatTags };
  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
  });
  document.addEventListener("formset:added", function (event) {
    setUp(event.target);
  });
})();
