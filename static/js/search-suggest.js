/* Suggestions under the header's search box (issue 16): up to eight products with picture and price
 * after two letters, from /search/?format=json&q=…, as an ARIA 1.2 combobox with a listbox popup.
 * Arrow keys move through the suggestions, Enter opens the one chosen (or searches when none is),
 * Escape closes the list. Without JavaScript the form is a plain GET form to the result page. */
(function () {
  "use strict";

  var MIN_LENGTH = 2;
  var DELAY_MS = 150;

  function setUp(form) {
    var input = form.querySelector('input[name="q"]');
    if (!input) return;
    var listId = input.id + "-saran";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "search-suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.dataset.suggestLabel || "");
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    form.appendChild(list);
    form.appendChild(status);
    form.classList.add("has-suggestions");

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    var active = -1;
    var timer = null;
    var controller = null;
    var lastQuery = "";

    function options() {
      return list.querySelectorAll('[role="option"]');
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function render(data) {
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      data.results.forEach(function (result, i) {
        var item = document.createElement("li");
        item.id = listId + "-" + i;
        item.className = "search-suggest-option";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.url = result.url;
        if (result.image) {
          var img = document.createElement("img");
          img.src = result.image;
          img.alt = "";
          img.width = 48;
          img.height = 48;
          item.appendChild(img);
        } else {
          var placeholder = document.createElement("span");
          placeholder.className = "search-suggest-placeholder";
          placeholder.setAttribute("aria-hidden", "true");
          placeholder.textContent = "🛍";
          item.appendChild(placeholder);
        }
        var name = document.createElement("span");
        name.className = "search-suggest-name";
        name.textContent = result.name;
        var price = document.createElement("span");
        price.className = "search-suggest-price";
        price.textContent = result.price;
        item.appendChild(name);
        item.appendChild(price);
        list.appendChild(item);
      });
      var count = data.results.length;
      status.textContent = count ? count + " " + (form.dataset.suggestFound || "") : form.dataset.suggestNone || "";
      if (count) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query.length < MIN_LENGTH) {
        lastQuery = "";
        close();
        return;
      }
      if (query === lastQuery) return;
      lastQuery = query;
      if (controller) controller.abort();
      controller = new AbortController();
      var url = form.action + "?format=json&q=" + encodeURIComponent(query);
      fetch(url, { headers: { Accept: "application/json" }, signal: controller.signal, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          // An answer to an older query that arrives late must not replace the current one.
          if (input.value.trim() === query) render(data);
        })
        .catch(function () {});
    }

    function go(item) {
      if (item && item.dataset.url) window.location.assign(item.dataset.url);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options().length > 0;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!open) {
          if (options().length) {
            list.hidden = false;
            input.setAttribute("aria-expanded", "true");
          }
          return;
        }
        event.preventDefault();
        highlight(event.key === "ArrowDown" ? active + 1 : active < 0 ? -1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          go(options()[active]);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        }
      }
    });

    // mousedown, not click: the input keeps its focus, so the list is not closed by the blur first.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
      var item = event.target.closest('[role="option"]');
      go(item);
    });

    input.addEventListener("blur", function () {
      close();
    });
  }

  document.querySelectorAll("form[data-suggest]").forEach(setUp);
})();
