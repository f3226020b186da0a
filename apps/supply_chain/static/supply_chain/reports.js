// Supply chain charts (ECharts, served by the app). Data comes from a json_script block.
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("sc-chart-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var value = document.getElementById("chart-stock-value");
    if (value && data.values.length) {
      window.echarts.init(value).setOption({
        animation: false,
        grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: data.warehouses.slice().reverse() },
        series: [{ type: "bar", data: data.values.slice().reverse(), itemStyle: { color: "#1f7a56" },
          label: { show: true, position: "right" } }],
      });
    }
    var trade = document.getElementById("chart-trade");
    if (trade && data.months.length) {
      var bought = trade.dataset.purchases || "purchases";
      var sold = trade.dataset.sales || "sales";
      window.echarts.init(trade).setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { data: [bought, sold] },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value" },
        series: [
          { name: bought, type: "bar", data: data.purchases, itemStyle: { color: "#3b6fb6" } },
          { name: sold, type: "bar", data: data.sales, itemStyle: { color: "#1f7a56" } },
        ],
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
