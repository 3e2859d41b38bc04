// The staff screens load their scripts deferred (appbuilder/init.html): jQuery, Bootstrap's
// plugins, this file, then Flask-AppBuilder's. Select2 and the date picker (~100 KiB with their CSS)
// are fetched the first time FAB sets one up on a real element (ab.js on a form with such a field,
// ab_filters.js when a search filter is added): until then $.fn.select2 / $.fn.datepicker are
// stand-ins that queue the call, load the plugin (data-*-js, data-*-css of this script) and replay it.
(function ($) {
  var me = document.currentScript;
  // Bootstrap's tooltips on every link (ab.js) cost a phone ~0.5 s of script; the title attribute
  // shows the same text natively
  $.fn.tooltip = function () { return this; };
  ["select2", "datepicker"].forEach(function (name) {
    if ($.fn[name] || !me) return;
    var queue = [];

    function load() {
      // the plugin installs itself only where there is no $.fn[name] (select2 checks)
      delete $.fn[name];
      (me.getAttribute("data-" + name + "-css") || "").split(" ").filter(Boolean).forEach(function (href) {
        var link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = href;
        document.head.appendChild(link);
      });
      var script = document.createElement("script");
      script.src = me.getAttribute("data-" + name + "-js");
      script.nonce = me.nonce;
      script.onload = function () {
        queue.splice(0).forEach(function (replay) { replay(); });
      };
      document.head.appendChild(script);
    }

    $.fn[name] = function () {
      var elements = this, args = arguments;
      if (!elements.length) return this;  // nothing to set up, nothing to fetch
      queue.push(function () { $.fn[name].apply(elements, args); });
      if (queue.length === 1) Promise.resolve().then(load);  // after the calls of this same pass
      return this;
    };
  });
})(jQuery);
