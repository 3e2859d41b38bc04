// Behaviour shared by every page, declared in the markup (the Content-Security-Policy allows no
// inline script or on…= attributes):
//   <form data-confirm="Вопрос?">  asks before the form is sent; «Отмена» sends nothing;
//   <button data-print>            prints the page;
//   <button data-menu-toggle>      opens and folds the menu of its header (phones).
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("click", function (event) {
    var toggle = event.target && event.target.closest && event.target.closest("[data-menu-toggle]");
    if (toggle) {  // the family pages' menu on a phone: folded until asked for
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.parentNode.classList.toggle("open", open);
      return;
    }
    var target = event.target && event.target.closest && event.target.closest("[data-print]");
    if (target) {
      event.preventDefault();
      window.print();
    }
  });
})();
