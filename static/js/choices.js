/* A long list of checkboxes (<fieldset data-choices-filter>, includes/form.html)
 * gets a filter field (its label in data-choices-filter): typing narrows the list to the matching choices; ticked
 * ones always stay visible, and a status line says how many are shown. Without
 * JavaScript the whole list is there, each box with its own label.
 */
var MIN_CHOICES = 8;

function fold(text) {
  return text.toLocaleLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

function setup(fieldset, index) {
  var boxes = Array.prototype.slice.call(fieldset.querySelectorAll("input[type=checkbox]"));
  if (boxes.length < MIN_CHOICES) { return; }
  var row = document.createElement("div");
  row.className = "choices-filter";
  var id = "choices-filter-" + index;
  var label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = fieldset.dataset.choicesFilter;
  var input = document.createElement("input");
  input.type = "search";
  input.id = id;
  input.autocomplete = "off";
  var status = document.createElement("p");
  status.className = "help choices-status";
  status.setAttribute("role", "status");
  row.append(label, input, status);
  fieldset.querySelector(".choices-list").before(row);

  function itemOf(box) {
    return box.closest("label") ? box.closest("label").parentElement : box.parentElement;
  }

  function apply() {
    var query = fold(input.value.trim());
    var shown = 0;
    boxes.forEach(function (box) {
      var text = fold((box.closest("label") || box.parentElement).textContent);
      var visible = !query || box.checked || text.indexOf(query) >= 0;
      itemOf(box).hidden = !visible;
      if (visible) { shown += 1; }
    });
    status.textContent = query ? fieldset.dataset.choicesShown.replace("%(count)s", String(shown)) : "";
  }
  input.addEventListener("input", apply);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); }   // filtering, not submitting
  });
}

document.querySelectorAll("fieldset[data-choices-filter]").forEach(setup);
