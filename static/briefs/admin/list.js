/* The brief list's tag filter: suggest tag names as the editor types.
 *
 * The input with data-tag-suggestions="<url>" is a plain text box that
 * works without this script; with it, its <datalist> is filled from
 * <url>?q=<text> ({"results": ["Name", ...]}), the tag autocomplete the
 * brief form uses. Names are only ever set as option values.
 */
"use strict";
(function () {
  const input = document.querySelector("input[data-tag-suggestions]");
  if (!input || !input.list) {
    return;
  }
  let timer = 0;
  let request = null;

  function show(names) {
    input.list.replaceChildren.apply(input.list, names.map(function (name) {
      const option = document.createElement("option");
      option.value = name;
      return option;
    }));
  }

  function suggest() {
    const term = input.value.trim();
    if (request) {
      request.abort();
    }
    if (!term) {
      show([]);
      return;
    }
    request = new AbortController();
    const url = new URL(input.dataset.tagSuggestions, window.location.href);
    url.searchParams.set("q", term);
    fetch(url, { credentials: "same-origin", signal: request.signal })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        const names = Array.isArray(data.results) ? data.results : [];
        show(names.filter(function (name) { return typeof name === "string"; }));
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 150);
  });
})();
