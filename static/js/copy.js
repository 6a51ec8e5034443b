// "Salin" buttons: <button data-copy="text to copy" hidden>. Shown only with JavaScript; the text
// beside each can always be selected by hand. Outside HTTPS there is no clipboard API, so the old
// way copies a selection of a hidden field.
(function () {
  function copyBySelecting(text) {
    var field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.style.position = "fixed";
    field.style.opacity = "0";
    document.body.appendChild(field);
    field.select();
    var done = document.execCommand("copy");
    document.body.removeChild(field);
    return done ? Promise.resolve() : Promise.reject();
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.dataset.copy;
      var copying = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(text).catch(function () { return copyBySelecting(text); })
        : copyBySelecting(text);
      copying.then(function () {
        button.textContent = button.dataset.copied || label;
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
