// «Динамика»: the average grade by subject over the weeks (Chart.js served from our own files).
// Numbers as Russian writes them (ru-RU: 4,5); the grade axis in whole grades.
(function () {
  var data = JSON.parse(document.getElementById("dynamics-data").textContent);
  var colors = ["#0b5cad", "#b3261e", "#1e7e34", "#a05a00", "#6f42c1", "#00838f", "#5f6b7a", "#c2185b"];
  new Chart(document.getElementById("dynamics"), {
    type: "line",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (s, i) {
        return {label: s.label, data: s.data, spanGaps: true, borderColor: colors[i % colors.length],
                backgroundColor: colors[i % colors.length], tension: 0.2};
      })
    },
    options: {locale: "ru-RU", responsive: true, maintainAspectRatio: false, animation: false,
              scales: {y: {min: 1, max: 5, ticks: {stepSize: 1, precision: 0}}}, plugins: {legend: {position: "bottom"}}}
  });
})();
