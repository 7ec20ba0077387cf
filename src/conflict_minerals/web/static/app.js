// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  suggestNames();
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  var chosen = document.getElementById("chosen");
  if (!drop || !input) { return; }
  function show() {
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    if (names.length) { chosen.textContent = names.length + " file(s): " + names.join(", "); }
  }
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; show(); }
  });
});

// Fields with data-suggest fill their datalist with the names the server finds while someone types.
function suggestNames() {
  Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), function (field) {
    var list = document.getElementById(field.getAttribute("list"));
    var timer = null;
    if (!list) { return; }
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (field.value.trim().length < 2) { return; }
        fetch(field.dataset.suggest + "?q=" + encodeURIComponent(field.value), {credentials: "same-origin"})
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (names) {
            list.replaceChildren.apply(list, names.map(function (name) {
              var option = document.createElement("option");
              option.value = name;  // a property, never markup: supplier names stay text
              return option;
            }));
          })
          .catch(function () { /* suggestions are a convenience; the field still works without them */ });
      }, 150);
    });
  });
}
