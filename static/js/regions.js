/* Address entry: one search box and province -> kabupaten/kota -> kecamatan -> kelurahan/desa
 * pickers over the shop's region endpoints (/wilayah/cari/?q= and /wilayah/?induk=), and at
 * checkout the shipping options following the address.
 *
 * Progressive enhancement, no framework. Without this script the search box posts the form and the
 * server lists the matching villages as radio buttons (templates/shop/includes/region_picker.html),
 * and "Hitung ongkir" re-prices shipping. With it, the box becomes an ARIA combobox (arrow keys,
 * Enter, Escape; results announced), the radio buttons give way to four native selects (keyboard
 * and phone friendly), and the village's code travels in a hidden input of the same name.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var MIN_QUERY_LENGTH = 3;

  function getJSON(url, signal) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: signal })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) { return data.results || []; });
  }

  function withQuery(url, params) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + new URLSearchParams(params).toString();
  }

  function isAbort(error) { return error && error.name === "AbortError"; }

  function RegionPicker(root) {
    var text = root.dataset;
    var form = root.closest("form");
    var selects = Array.prototype.slice.call(root.querySelectorAll("select[data-level]"));
    var input = root.querySelector("input[type=search]");
    var listbox = root.querySelector("[role=listbox]");
    var status = root.querySelector("[data-region-status]");
    var chosenLine = root.querySelector("[data-region-chosen]");
    var postal = document.getElementById(text.postalCode);
    var suggested = document.getElementById(text.suggestedPostalCode);
    var cache = {};
    var results = [];
    var active = -1;
    var timer = null;
    var searching = null;

    // Take over from the no-JavaScript controls: the code goes in a hidden input, the box only searches.
    var code = document.createElement("input");
    code.type = "hidden";
    code.name = text.name;
    code.value = text.code || "";
    var choices = root.querySelector("[data-region-choices]");
    if (choices) choices.remove();
    var button = root.querySelector("[data-region-search-button]");
    if (button) button.remove();
    input.removeAttribute("name");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    root.appendChild(code);
    root.querySelector("[data-region-levels]").hidden = false;

    function say(message) {
      // Emptied first so that the same words said twice are announced twice.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }

    function children(parent) {
      var key = parent || "";
      if (!cache[key]) {
        cache[key] = getJSON(parent ? withQuery(text.childrenUrl, { induk: parent }) : text.childrenUrl)
          .catch(function (error) { delete cache[key]; throw error; });
      }
      return cache[key];
    }

    function reset(select) {
      select.length = 1;
      select.disabled = true;
    }

    function fill(select, items, value) {
      select.length = 1;
      items.forEach(function (item) {
        var option = new Option(item.name, item.code);
        if (item.postal_code) option.dataset.postalCode = item.postal_code;
        select.add(option);
      });
      select.disabled = false;
      select.value = value || "";
    }

    function showChosen() {
      var names = selects.map(function (select) {
        return select.value ? select.options[select.selectedIndex].text : "";
      });
      chosenLine.hidden = !code.value;
      if (!code.value) return "";
      var strong = document.createElement("strong");
      strong.textContent = names[3];
      chosenLine.replaceChildren(text.textChosen + ": ", strong, ", " + names.slice(0, 3).reverse().join(", "));
      return names.slice().reverse().join(", ");
    }

    function setCode(value, postalCode, quiet) {
      code.value = value;
      if (value && postalCode) {
        // A postal code the buyer typed themselves stays; one the form filled in follows the village.
        var current = postal.value.trim();
        if (!current || current === suggested.value) postal.value = postalCode;
        suggested.value = postalCode;
      }
      var path = showChosen();
      if (!quiet) {
        if (path) say(text.textChosen + ": " + path);
        root.dispatchEvent(new CustomEvent("region-change", { bubbles: true, detail: { code: value } }));
      }
    }

    function showPath(village, quiet) {
      var levels = [village.slice(0, 2), village.slice(0, 5), village.slice(0, 8), village];
      var parents = [null].concat(levels.slice(0, 3));
      return Promise.all(parents.map(children)).then(function (lists) {
        lists.forEach(function (items, level) { fill(selects[level], items, levels[level]); });
        var option = selects[3].options[selects[3].selectedIndex];
        setCode(village, option && option.dataset.postalCode, quiet);
      });
    }

    function failed(error) {
      if (!isAbort(error)) say(text.textFailed);
    }

    selects.forEach(function (select, level) {
      select.addEventListener("change", function () {
        selects.slice(level + 1).forEach(reset);
        if (level === 3) {
          var option = select.options[select.selectedIndex];
          setCode(select.value, option && option.dataset.postalCode);
          return;
        }
        if (code.value) setCode("");
        if (select.value) {
          children(select.value).then(function (items) { fill(selects[level + 1], items, ""); }, failed);
        }
      });
    });

    // --- The search box: a combobox whose options are villages (ARIA Authoring Practices' pattern) ---

    function isOpen() { return input.getAttribute("aria-expanded") === "true"; }

    function open() {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = listbox.children;
      if (!items.length) return;
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, i) { item.setAttribute("aria-selected", String(i === active)); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function render() {
      var items = results.map(function (result, index) {
        var item = document.createElement("li");
        item.id = listbox.id + "-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var name = document.createElement("strong");
        name.textContent = result.village;
        var postalCode = document.createElement("span");
        postalCode.className = "region-postal";
        postalCode.textContent = result.postal_code || "";
        item.append(name, ", " + [result.district, result.city, result.province].join(", ") + " ", postalCode);
        // Chosen on mousedown's click without the box losing focus first (which would close the list).
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { choose(index); });
        return item;
      });
      listbox.replaceChildren.apply(listbox, items);
      active = -1;
      if (items.length) open(); else close();
      say(items.length ? text.textFound.replace("{count}", items.length) : text.textNone);
    }

    function search() {
      window.clearTimeout(timer);
      var query = input.value.trim();
      if (searching) searching.abort();
      if (query.length < MIN_QUERY_LENGTH) { close(); return; }
      searching = new AbortController();
      say(text.textSearching);
      getJSON(withQuery(text.searchUrl, { q: query }), searching.signal).then(function (found) {
        results = found;
        render();
      }, failed);
    }

    function choose(index) {
      var result = results[index];
      if (!result) return;
      close();
      input.value = "";
      showPath(result.code).catch(failed);
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!isOpen() && results.length) open();
        highlight(active < 0 && event.key === "ArrowUp" ? -1 : active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        // Never submits the form from the box: Enter picks the highlighted village, or searches now.
        event.preventDefault();
        if (isOpen() && active >= 0) choose(active);
        else if (isOpen() && results.length === 1) choose(0);
        else search();
      } else if (event.key === "Escape") {
        if (isOpen()) { event.preventDefault(); close(); }
        else if (input.value) { event.preventDefault(); input.value = ""; }
      }
    });
    input.addEventListener("blur", close);

    if (code.value) {
      showPath(code.value, true).catch(failed);
    } else {
      children(null).then(function (items) { fill(selects[0], items, ""); }, failed);
    }

    return { code: function () { return code.value; }, form: form };
  }

  // --- Checkout: the shipping options are those to the address chosen, fetched again when it changes ---

  function ShippingOptions(form, picker) {
    var box = form.querySelector("[data-shipping-options]");
    var status = form.querySelector("[data-shipping-status]");
    var recalculate = form.querySelector("[data-recalculate]");
    var loading = null;
    // Out of the form, not just hidden: the first submit button is the one Enter presses.
    var recalculateAt = recalculate.parentNode;
    recalculate.remove();

    function destination() {
      var saved = form.querySelector("input[name=saved_address]:checked");
      if (saved && saved.value) return { alamat: saved.value };
      return { wilayah: picker ? picker.code() : "" };
    }

    function refresh() {
      var params = destination();
      var chosen = form.querySelector("input[name=shipping_option]:checked");
      if (chosen) params.pilihan = chosen.value;
      if (loading) loading.abort();
      loading = new AbortController();
      box.setAttribute("aria-busy", "true");
      fetch(withQuery(form.dataset.shippingUrl, params), { credentials: "same-origin", signal: loading.signal })
        .then(function (response) {
          // A signed-out buyer is sent to the login page: then the button does it the old way.
          if (!response.ok || response.redirected) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          box.innerHTML = html;
          status.textContent = status.dataset.textUpdated;
        }, function (error) {
          if (!isAbort(error) && !recalculate.isConnected) recalculateAt.appendChild(recalculate);
        })
        .then(function () { box.removeAttribute("aria-busy"); });
    }

    form.addEventListener("change", function (event) {
      if (event.target.name === "saved_address") refresh();
    });
    form.addEventListener("region-change", function () {
      var saved = form.querySelector("input[name=saved_address]:checked");
      if (!saved || !saved.value) refresh();
    });
  }

  function start() {
    var pickers = Array.prototype.map.call(document.querySelectorAll("[data-region-picker]"), RegionPicker);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-checkout-form]"), function (form) {
      var picker = pickers.filter(function (p) { return p.form === form; })[0];
      ShippingOptions(form, picker);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
