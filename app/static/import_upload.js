// «Загрузка данных»: shows the upload's progress, then "checking…" while the server validates and
// imports; the answer replaces the page's content (#import-page) in place. The Russian texts come
// from the form's data-uploaded / data-failed attributes.
(function () {
  function bind() {
    var form = document.getElementById("import-form");
    if (!form || !window.XMLHttpRequest || !window.FormData || !window.DOMParser) return;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var box = document.getElementById("import-progress"), bar = box.firstElementChild;
      var status = document.getElementById("import-status");
      box.hidden = false;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.onprogress = function (p) {
        if (!p.lengthComputable) return;
        var pct = Math.round(100 * p.loaded / p.total);
        bar.style.width = pct + "%";
        bar.textContent = pct + "%";
        if (pct === 100) status.textContent = form.getAttribute("data-uploaded");
      };
      xhr.onload = function () {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var fresh = doc.getElementById("import-page");
        var page = document.getElementById("import-page");
        if (fresh && page) {
          page.parentNode.replaceChild(document.importNode(fresh, true), page);
          bind();
          return;
        }
        if (xhr.responseURL && xhr.responseURL.split("#")[0] !== window.location.href.split("#")[0]) {
          window.location.assign(xhr.responseURL);  // e.g. the session ended: the login page
          return;
        }
        var heading = doc.querySelector("h1");  // an error page (413, 403, 500…): its message
        box.hidden = true;
        status.textContent = heading ? heading.textContent : form.getAttribute("data-failed");
      };
      xhr.onerror = function () {
        box.hidden = true;
        status.textContent = form.getAttribute("data-failed");
      };
      xhr.send(new FormData(form));
    });
  }
  bind();
})();
