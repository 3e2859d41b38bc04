// Narrow the school list to the chosen district (the form works without it too).
// The other districts' groups are taken out of the list, not just hidden: Safari on
// iPhone shows hidden options anyway.
(function () {
  var district = document.getElementById("district");
  var school = document.getElementById("school_id");
  if (!district || !school) return;
  var groups = Array.prototype.slice.call(school.querySelectorAll("optgroup"));
  function apply() {
    var chosen = school.value;
    groups.forEach(function (group) {
      var show = !district.value || group.getAttribute("data-district") === district.value;
      if (show && !group.parentNode) school.appendChild(group);
      if (!show && group.parentNode) group.parentNode.removeChild(group);
    });
    // keep the page's order of districts
    groups.forEach(function (group) { if (group.parentNode) school.appendChild(group); });
    school.value = chosen;
    if (school.value !== chosen) school.value = "";
  }
  district.addEventListener("change", apply);
  apply();
})();
