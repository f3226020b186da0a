// CRM overview charts (ECharts, served by the app). Data comes from a json_script block.
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("crm-chart-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var funnel = document.getElementById("chart-funnel");
    var any = data.funnel.some(function (row) { return row.value > 0; });
    if (funnel && any) {
      window.echarts.init(funnel).setOption({
        tooltip: { trigger: "item" },
        series: [{ type: "funnel", sort: "none", data: data.funnel, label: { formatter: "{b}: {c}" } }],
      });
    }
    var months = document.getElementById("chart-months");
    if (months && data.months.length) {
      window.echarts.init(months).setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [months.dataset.won || "won", months.dataset.lost || "lost"] },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: months.dataset.won || "won", type: "bar", data: data.won },
          { name: months.dataset.lost || "lost", type: "bar", data: data.lost },
        ],
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
