// Give Material's search dialog a name, so screen readers announce it (and Lighthouse's
// aria-dialog-name audit passes): the name is the one its search field already carries.
(function () {
  const dialog = document.querySelector(".md-search[role=dialog]");
  const input = dialog && dialog.querySelector(".md-search__input");
  if (dialog && input && !dialog.hasAttribute("aria-label")) {
    dialog.setAttribute("aria-label", input.getAttribute("aria-label") || "Search");
  }
})();
