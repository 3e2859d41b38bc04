// Narrow the school list to the chosen district (the form works without it too).
(function () {
  var district = document.getElementById("district");
  var school = document.getElementById("school_id");
  if (!district || !school) return;
  function apply() {
    var groups = school.querySelectorAll("optgroup");
    for (var i = 0; i < groups.length; i++) {
      var show = !district.value || groups[i].getAttribute("data-district") === district.value;
      groups[i].hidden = !show;
      groups[i].disabled = !show;
    }
    var selected = school.options[school.selectedIndex];
    if (selected && selected.parentNode.disabled) school.value = "";
  }
  district.addEventListener("change", apply);
  apply();
})();
