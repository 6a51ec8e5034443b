/* Product page of a product with options (issue 18): the variant <select> becomes one labelled row
 * of toggle buttons per option type (Warna: Hitam Navy Maroon…; Ukuran: S M L). The select stays in
 * the form, hidden, and is what is posted. Price, SKU, stock state, quantity limit and picture
 * follow the choice. A value that no variant in stock has is a disabled button marked "habis"; one
 * that is sold out only with the other option chosen is marked too but can be picked: the other
 * option then moves to a combination that can be bought. Arrow keys move along a row. Without
 * JavaScript the select is the form.
 * Data: the json_script "variant-data" (home/variant_choice.py). */
(function () {
  "use strict";

  var form = document.querySelector("[data-variant-picker]");
  var source = document.getElementById("variant-data");
  if (!form || !source) return;
  var data = JSON.parse(source.textContent);
  var select = form.querySelector('select[name="variant"]');
  var wrapper = form.querySelector("[data-variant-select]");
  var quantity = form.querySelector('input[name="quantity"]');
  var submit = form.querySelector('button[type="submit"]');
  var status = form.querySelector("[data-variant-status]");
  var price = document.querySelector("[data-variant-price]");
  var sku = document.querySelector("[data-variant-sku]");
  var stock = document.querySelector("[data-variant-stock]");
  var compare = document.querySelector("[data-variant-compare]");
  var discount = document.querySelector("[data-variant-discount]");
  var gallery = document.querySelector(".product-gallery");
  if (!select || !wrapper) return;

  var slots = data.slots; // which of a variant's two option values each row offers
  var variants = data.variants;

  function valueOf(variant, row) {
    return variant.options[slots[row]];
  }

  function find(values) {
    for (var i = 0; i < variants.length; i++) {
      var variant = variants[i];
      var same = true;
      for (var row = 0; row < slots.length; row++) {
        if (valueOf(variant, row) !== values[row]) same = false;
      }
      if (same) return variant;
    }
    return null;
  }

  function firstAvailableWith(row, value) {
    for (var i = 0; i < variants.length; i++) {
      if (variants[i].available && valueOf(variants[i], row) === value) return variants[i];
    }
    return null;
  }

  var start = null;
  for (var i = 0; i < variants.length; i++) {
    if (String(variants[i].id) === select.value) start = variants[i];
  }
  var chosen = slots.map(function (_slot, row) {
    return start ? valueOf(start, row) : null;
  });

  var picker = document.createElement("div");
  picker.className = "variant-picker";
  var rows = data.options.map(function (option, row) {
    var group = document.createElement("div");
    group.className = "variant-group";
    group.setAttribute("role", "group");
    var label = document.createElement("p");
    label.className = "variant-group-label";
    label.id = "variant-group-" + row;
    var name = document.createElement("span");
    name.textContent = option.name + ": ";
    var current = document.createElement("strong");
    label.appendChild(name);
    label.appendChild(current);
    group.setAttribute("aria-labelledby", label.id);
    var list = document.createElement("div");
    list.className = "variant-buttons";
    var buttons = option.values.map(function (value) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "variant-button";
      button.dataset.value = value;
      var text = document.createElement("span");
      text.textContent = value;
      var note = document.createElement("span");
      note.className = "variant-button-note";
      button.appendChild(text);
      button.appendChild(note);
      button.addEventListener("click", function () {
        choose(row, value);
      });
      list.appendChild(button);
      return { button: button, note: note, value: value };
    });
    list.addEventListener("keydown", function (event) {
      moveFocus(event, buttons);
    });
    group.appendChild(label);
    group.appendChild(list);
    picker.appendChild(group);
    return { current: current, buttons: buttons };
  });
  wrapper.parentNode.insertBefore(picker, wrapper);
  wrapper.hidden = true;
  form.classList.add("has-variant-buttons");

  // Left and right arrows (Home, End) move between a row's buttons that can be picked, as in a
  // toolbar; Tab still reaches each of them, and Enter or Space picks.
  var STEPS = { ArrowRight: 1, ArrowLeft: -1, Home: "first", End: "last" };

  function moveFocus(event, items) {
    var step = STEPS[event.key];
    if (step === undefined) return;
    var enabled = items
      .map(function (item) {
        return item.button;
      })
      .filter(function (button) {
        return !button.disabled;
      });
    var index = enabled.indexOf(document.activeElement);
    if (index < 0 || !enabled.length) return;
    var next = step === "first" ? 0 : step === "last" ? enabled.length - 1 : index + step;
    enabled[(next + enabled.length) % enabled.length].focus();
    event.preventDefault();
  }

  function choose(row, value) {
    chosen[row] = value;
    var exact = find(chosen);
    if (!exact || !exact.available) {
      // Keep what was just picked; move the other option to a combination that can be bought.
      var other = firstAvailableWith(row, value);
      if (other) {
        chosen = slots.map(function (_slot, r) {
          return valueOf(other, r);
        });
      }
    }
    render(true);
  }

  // When some variants have a picture, one without shows the product's first picture again, rather
  // than keeping the picture of the colour chosen before it.
  var somePictured = variants.some(function (variant) {
    return variant.picture !== null && variant.picture !== undefined;
  });

  function showPicture(position, smooth) {
    if (position === null || position === undefined) position = somePictured ? 0 : null;
    if (!gallery || position === null) return;
    var figure = document.getElementById("gambar-" + (position + 1));
    if (!figure) return;
    // Only the gallery scrolls sideways: scrollIntoView would also move the page to it.
    var left = figure.offsetLeft - gallery.firstElementChild.offsetLeft;
    gallery.scrollTo({ left: left, behavior: smooth ? "smooth" : "auto" });
  }

  function render(announce) {
    rows.forEach(function (row, index) {
      row.current.textContent = chosen[index] || "";
      row.buttons.forEach(function (item) {
        var values = chosen.slice();
        values[index] = item.value;
        var exact = find(values);
        var buyable = Boolean(exact && exact.available);
        item.button.setAttribute("aria-pressed", chosen[index] === item.value ? "true" : "false");
        item.button.disabled = !firstAvailableWith(index, item.value);
        item.button.classList.toggle("is-sold-out", !buyable);
        item.note.textContent = buyable ? "" : " " + data.soldOut;
      });
    });
    var variant = find(chosen);
    var buyable = Boolean(variant && variant.available);
    select.value = variant ? String(variant.id) : "";
    submit.disabled = !buyable;
    if (!variant) return;
    price.textContent = variant.priceText;
    if (sku) sku.textContent = variant.sku;
    stock.textContent = variant.stockText;
    stock.classList.toggle("in-stock", buyable);
    stock.classList.toggle("sold-out", !buyable);
    if (compare) {
      compare.hidden = !variant.discount;
      if (discount) discount.textContent = variant.discount;
    }
    if (quantity && buyable) {
      quantity.max = variant.stock;
      if (Number(quantity.value) > variant.stock) quantity.value = variant.stock;
    }
    showPicture(variant.picture, announce);
    if (announce) {
      status.textContent = chosen.filter(Boolean).join(" / ") + ": " + variant.priceText + ", " + variant.stockText;
      // Reloading or sharing the page keeps the choice (the page reads ?varian=).
      if (window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        url.searchParams.set("varian", variant.id);
        window.history.replaceState(null, "", url);
      }
    }
  }

  render(false);
})();
