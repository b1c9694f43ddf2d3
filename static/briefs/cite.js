// "Cite this brief": a Copy button beside each citation format. Without
// script (or without the clipboard API) there are no buttons, and the text
// stays selectable as it is.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll(".cite__format").forEach(function (figure) {
    var text = figure.querySelector(".cite__text");
    var caption = figure.querySelector("figcaption");
    if (!text || !caption) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "cite__copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy " + caption.textContent.trim());
    var status = document.createElement("span");
    status.className = "cite__status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(text.textContent).then(
        function () { status.textContent = "Copied"; },
        function () { status.textContent = "Select the text to copy it"; }
      );
    });
    caption.append(" ", button, status);
  });
})();
