// District reports: the bar chart of the figures (Chart.js from our own files). The data come in
// <script id="report-data" type="application/json">, the fallback label in the canvas' data-label.
(function () {
  var canvas = document.getElementById("report-chart");
  var source = document.getElementById("report-data");
  if (!canvas || !source || !window.Chart) return;
  var d = JSON.parse(source.textContent);
  new Chart(canvas, {type: "bar", data: {labels: d.labels,
    datasets: [{label: d.title || canvas.getAttribute("data-label"), data: d.values, backgroundColor: "#0b5cad"}]},
    options: {maintainAspectRatio: false, animation: false, plugins: {legend: {display: false}}}});
})();
