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
      // Stages top to bottom as bars: counts read plainly even when they are small.
      var names = data.funnel.map(function (row) { return row.name; }).reverse();
      var values = data.funnel.map(function (row) { return row.value; }).reverse();
      window.echarts.init(funnel).setOption({
        animation: false,
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: names },
        series: [{ type: "bar", data: values, itemStyle: { color: "#1f7a56" }, label: { show: true, position: "right" } }],
      });
    }
    var months = document.getElementById("chart-months");
    if (months && data.months.length) {
      window.echarts.init(months).setOption({
        animation: false,
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
