// The customer card: tabs, "add row" of the inline tables, the mnemonic filled in as one types.
(function () {
  "use strict";
  var card = document.getElementById("customer-card");
  if (!card) return;

  // Tabs: the server opens the tab holding the first error; a click switches.
  var tabs = card.querySelectorAll("[role=tab]");
  var current = card.querySelector("[name=_tab]");
  function show(key) {
    current.value = key;
    tabs.forEach(function (tab) {
      var selected = tab.dataset.tab === key;
      tab.setAttribute("aria-selected", selected ? "true" : "false");
      document.getElementById(tab.dataset.tab).hidden = !selected;
    });
  }
  tabs.forEach(function (tab) {
    tab.addEventListener("click", function () { show(tab.dataset.tab); });
  });

  // Add row: clone the table's <template>, numbering its inputs after the last row.
  card.querySelectorAll(".add-row").forEach(function (button) {
    button.addEventListener("click", function () {
      var kind = button.dataset.kind;
      var table = document.getElementById("table-" + kind);
      var index = parseInt(table.dataset.next, 10);
      table.dataset.next = String(index + 1);
      var row = document.getElementById("template-" + kind).content.firstElementChild.cloneNode(true);
      row.querySelectorAll("[name]").forEach(function (input) {
        input.name = input.name.replace("__prefix__", String(index));
      });
      table.tBodies[0].appendChild(row);
      var first = row.querySelector("input, select");
      if (first) first.focus();
    });
  });

  // Mnemonic: follows the short name (or the name) until the user types in it himself.
  var mnemonic = card.querySelector("[name=mnemonic]");
  var name = card.querySelector("[name=name]");
  var shortName = card.querySelector("[name=short_name]");
  if (!mnemonic || !name || !shortName) return;
  var auto = mnemonic.dataset.auto === "1" || mnemonic.value === "";
  var timer = null;
  var asked = 0;
  mnemonic.addEventListener("input", function () { auto = mnemonic.value === ""; });
  function refresh() {
    if (!auto) return;
    var text = shortName.value.trim() || name.value.trim();
    var ticket = ++asked;
    fetch(card.dataset.mnemonicUrl + "?text=" + encodeURIComponent(text), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && auto && ticket === asked) mnemonic.value = data.mnemonic;
      })
      .catch(function () { /* the service derives it on save anyway */ });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }
  name.addEventListener("input", later);
  shortName.addEventListener("input", later);
})();
