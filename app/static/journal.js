// The teachers' journal: save a cell or a lesson field when it is left; Enter moves down.
(function () {
  var table = document.getElementById("journal");
  if (!table) return;
  var status = document.getElementById("journal-status");
  // today's column in view on opening: the names stay fixed on the left (position: sticky)
  var scroller = document.getElementById("journal-scroll");
  var today = table.querySelector('th[data-column="' + table.dataset.today + '"]');
  if (scroller && today) {
    var name = table.querySelector("thead th");
    scroller.scrollLeft = Math.max(0, today.offsetLeft - name.offsetWidth - 2 * today.offsetWidth);
  }
  function errorOf(input) {
    return document.getElementById(input.getAttribute("aria-describedby") || "");
  }
  function post(url, body, input) {
    input.classList.remove("has-error");
    var error = errorOf(input);
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": table.dataset.csrf},
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.message || r.status);
        input.dataset.saved = input.value;
        input.style.borderColor = "";
        input.removeAttribute("aria-invalid");
        if (error) error.textContent = "";
        status.textContent = "";
        return data;
      });
    }).catch(function (e) {
      input.style.borderColor = "#a94442";
      input.setAttribute("aria-invalid", "true");
      if (error) error.textContent = e.message; else status.textContent = e.message;
    });
  }
  document.querySelectorAll("input.cell").forEach(function (input) {
    input.dataset.saved = input.value;
    input.addEventListener("change", function () {
      post(table.dataset.cellUrl, {student_id: input.dataset.student, lesson_id: input.dataset.lesson,
                                   value: input.value}, input).then(function (data) {
        if (data) input.value = data.cell;
      });
    });
    input.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();
      var cells = Array.prototype.filter.call(document.querySelectorAll("input.cell"), function (c) {
        return c.dataset.lesson === input.dataset.lesson;
      });
      var next = cells[cells.indexOf(input) + 1];
      if (next) next.focus(); else input.blur();
    });
  });
  document.querySelectorAll("tr[data-lesson]").forEach(function (row) {
    row.querySelectorAll("input").forEach(function (input) {
      input.addEventListener("change", function () {
        post(table.dataset.lessonUrl, {lesson_id: row.dataset.lesson,
          topic: row.querySelector(".lesson-topic").value,
          homework: row.querySelector(".lesson-homework").value}, input);
      });
    });
  });
})();
