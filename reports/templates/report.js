(function () {
  "use strict";
  var severityBoxes = Array.prototype.slice.call(document.querySelectorAll("input[data-filter-severity]"));
  var checkSelect = document.getElementById("filter-check");
  var shownLabel = document.getElementById("groups-shown");
  var groups = Array.prototype.slice.call(document.querySelectorAll(".group"));
  var examples = Array.prototype.slice.call(document.querySelectorAll(".example"));
  var checkRows = Array.prototype.slice.call(document.querySelectorAll("tr[data-check]"));
  var empties = Array.prototype.slice.call(document.querySelectorAll("[data-filter-empty]"));

  function selectedSeverities() {
    var selected = {};
    severityBoxes.forEach(function (box) { selected[box.value] = box.checked; });
    return selected;
  }

  function apply() {
    var severities = selectedSeverities();
    var check = checkSelect ? checkSelect.value : "";
    var shown = 0;
    groups.forEach(function (group) {
      var present = group.getAttribute("data-severities").split(" ");
      var visible = (check === "" || group.getAttribute("data-check") === check) &&
        present.some(function (s) { return severities[s]; });
      group.hidden = !visible;
      if (visible) { shown += 1; }
    });
    examples.forEach(function (example) {
      example.hidden = !severities[example.getAttribute("data-severity")];
    });
    checkRows.forEach(function (row) {
      row.classList.toggle("dim", check !== "" && row.getAttribute("data-check") !== check);
    });
    empties.forEach(function (note) {
      var section = document.getElementById(note.getAttribute("data-filter-empty"));
      var any = section && section.querySelector(".group:not([hidden])");
      note.hidden = !section || !section.querySelector(".group") || Boolean(any);
    });
    if (shownLabel) {
      shownLabel.textContent = shown + " of " + groups.length + " groups shown";
    }
  }

  severityBoxes.forEach(function (box) { box.addEventListener("change", apply); });
  if (checkSelect) { checkSelect.addEventListener("change", apply); }

  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      var text = source.textContent;
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
      } else {
        selectText(source);
      }
    });
  });

  // a row of the distinct-problems table opens (and shows) the group it links to
  function openGroup(id) {
    var target = id && document.getElementById(id);
    if (!target || !target.classList.contains("group")) { return; }
    target.hidden = false;
    target.open = true;
    // the sticky filter bar must not cover the group's header: stop that far below the top
    var bar = document.getElementById("filters");
    target.style.scrollMarginTop = ((bar ? bar.offsetHeight : 0) + 8) + "px";
    target.scrollIntoView();
  }
  document.querySelectorAll("a[data-open-group]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var id = link.getAttribute("data-open-group");
      openGroup(id);
      if (history.replaceState) { history.replaceState(null, "", "#" + id); }
    });
  });
  window.addEventListener("hashchange", function () { openGroup(location.hash.slice(1)); });

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  apply();
  if (location.hash) { openGroup(location.hash.slice(1)); }
})();
