// Bar charts of the staff screens (district reports, login statistics), with the Chart.js from our
// own files. The data come in <script id="report-data" type="application/json">: {labels, values}
// or {labels, series: [{label, values}]}, `counts` for whole-number ticks; the fallback label in
// the canvas' data-label. Numbers as Russian writes them (ru-RU: 4,5; 1 234).
(function () {
  var canvas = document.getElementById("report-chart");
  var source = document.getElementById("report-data");
  if (!canvas || !source || !window.Chart) return;
  var d = JSON.parse(source.textContent);
  var colors = ["#0b5cad", "#b3261e", "#1e7e34", "#a05a00"];
  var series = d.series || [{label: d.title || canvas.getAttribute("data-label"), values: d.values}];
  new Chart(canvas, {type: "bar", data: {labels: d.labels, datasets: series.map(function (s, i) {
      return {label: s.label, data: s.values, backgroundColor: colors[i % colors.length]};
    })},
    options: {locale: "ru-RU", maintainAspectRatio: false, animation: false,
              plugins: {legend: {display: series.length > 1}},
              scales: {y: {beginAtZero: true, ticks: d.counts ? {precision: 0} : {}}}}});
})();
