/* Suggest existing tag names in the admin's comma-separated tag inputs.
 *
 * Inputs with data-tag-autocomplete="<url>" get a <datalist>. As the editor
 * types, the last comma-separated term is sent to <url>?q=<term>, which
 * answers {"results": ["Name", ...]}. Each option's value is the input's text
 * up to the last comma plus the suggestion and ", ", so choosing one completes
 * the term and leaves the field ready for the next tag. Names are only ever
 * set as option values (never parsed as HTML).
 *
 * Listens on the document, so inline rows added later work too.
 */
"use strict";
(function () {
  const DELAY_MS = 150;
  const timers = new WeakMap();
  const requests = new WeakMap();

  function split(value) {
    const comma = value.lastIndexOf(",");
    const head = comma === -1 ? "" : value.slice(0, comma + 1).trimEnd() + " ";
    return { head: head, term: value.slice(comma + 1).trim() };
  }

  function quoted(name) {
    // taggit reads a name with a comma only inside double quotes.
    return name.includes(",") ? '"' + name.replace(/"/g, "") + '"' : name;
  }

  function datalistFor(input) {
    let list = input.list;
    if (!list) {
      list = document.createElement("datalist");
      list.id = (input.id || input.name) + "-tag-suggestions";
      input.insertAdjacentElement("afterend", list);
      input.setAttribute("list", list.id);
    }
    return list;
  }

  function show(input, head, names) {
    const list = datalistFor(input);
    const options = names.map(function (name) {
      const option = document.createElement("option");
      option.value = head + quoted(name) + ", ";
      option.label = name;
      return option;
    });
    list.replaceChildren.apply(list, options);
  }

  function suggest(input) {
    const parts = split(input.value);
    const previous = requests.get(input);
    if (previous) {
      previous.abort();
    }
    if (!parts.term) {
      show(input, parts.head, []);
      return;
    }
    const controller = new AbortController();
    requests.set(input, controller);
    const url = new URL(input.dataset.tagAutocomplete, window.location.href);
    url.searchParams.set("q", parts.term);
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller.signal,
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        const names = Array.isArray(data.results) ? data.results : [];
        show(input, parts.head, names.filter(function (name) {
          return typeof name === "string";
        }));
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          show(input, parts.head, []);
        }
      });
  }

  document.addEventListener("input", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.tagAutocomplete) {
      return;
    }
    window.clearTimeout(timers.get(input));
    timers.set(input, window.setTimeout(function () {
      suggest(input);
    }, DELAY_MS));
  });
})();
