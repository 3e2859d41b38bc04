// «Скопировать ссылку»: <button data-copy="ID-of-an-input" data-copied="Скопировано">
// copies the input's value to the clipboard (no inline script: the Content-Security-Policy).
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    var status = document.getElementById(button.getAttribute("aria-describedby") || "");
    function done() {
      if (status) {
        status.textContent = button.getAttribute("data-copied");
      }
    }
    field.select();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
