// The product screen in the admin: the variants inline appears once an option type (Warna,
// Ukuran) is named, its option fields take those names as labels, and the product's own opening
// stock steps aside (each variant has its own). The server applies the same rule, so what is
// hidden here is also what is ignored there.
(function () {
  "use strict";

  function setLabel(input, text) {
    var label = document.querySelector('label[for="' + input.id + '"]');
    if (!label) return;
    var node = label.firstChild;
    if (node && node.nodeType === Node.TEXT_NODE) {
      node.textContent = text;
    } else {
      label.insertBefore(document.createTextNode(text), label.firstChild);
    }
  }

  function wrapperOf(input) {
    // The panel wrapper holds the field's label and help as well as the input.
    return input.closest(".w-panel__wrapper") || input.closest(".w-field__wrapper") || input.parentElement;
  }

  function init() {
    var first = document.getElementById("id_option1_name");
    var second = document.getElementById("id_option2_name");
    var panel = document.querySelector("[data-product-variants]");
    if (!first || !second || !panel) return;
    var section = panel.closest("section") || panel;
    var opening = document.getElementById("id_opening_stock");
    var defaults = {};

    function update() {
      var names = [first.value.trim(), second.value.trim()];
      var named = Boolean(names[0] || names[1]);
      section.hidden = !named;
      if (opening) wrapperOf(opening).hidden = named;
      ["option1", "option2"].forEach(function (field, index) {
        panel.querySelectorAll('input[name$="-' + field + '"]').forEach(function (input) {
          if (!(field in defaults)) {
            var label = document.querySelector('label[for="' + input.id + '"]');
            defaults[field] = label && label.firstChild ? label.firstChild.textContent : field;
          }
          setLabel(input, names[index] || defaults[field]);
          // An option of a type the product does not have stays out of sight unless it holds a value to clear.
          wrapperOf(input).hidden = !names[index] && !input.value;
        });
      });
    }

    first.addEventListener("input", update);
    second.addEventListener("input", update);
    document.addEventListener("w-formset:added", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
