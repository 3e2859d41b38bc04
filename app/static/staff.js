// The staff screens load their scripts deferred (appbuilder/init.html): jQuery, Bootstrap's
// plugins, select2 and the date picker only on a page with a FAB form or search, this file, then
// Flask-AppBuilder's. Here: the plugins' CSS arrives with them (data-*-css of this script), never
// render-blocking; on a page without them their set-up calls (ab.js) do nothing.
(function ($) {
  var me = document.currentScript;
  ["select2", "datepicker"].forEach(function (name) {
    var css = me && me.getAttribute("data-" + name + "-css");
    if (!$.fn[name]) {
      $.fn[name] = function () { return this; };
      return;
    }
    (css || "").split(" ").filter(Boolean).forEach(function (href) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      document.head.appendChild(link);
    });
  });
})(jQuery);
