// District reports: the bar chart of the figures (Chart.js from our own files). The data come in
// <script id="report-data" type="application/json">, the fallback label in the canvas' data-label.
// Numbers as Russian writes them (ru-RU: 4,5; 1 234); whole-number ticks where the chart counts.
(function () {
  var canvas = document.getElementById("report-chart");
  var source = document.getElementById("report-data");
  if (!canvas || !source || !window.Chart) return;
  var d = JSON.parse(source.textContent);
  new Chart(canvas, {type: "bar", data: {labels: d.labels,
    datasets: [{label: d.title || canvas.getAttribute("data-label"), data: d.values, backgroundColor: "#0b5cad"}]},
    options: {locale: "ru-RU", maintainAspectRatio: false, animation: false, plugins: {legend: {display: false}},
              scales: {y: {beginAtZero: true, ticks: d.counts ? {precision: 0} : {}}}}});
})();
