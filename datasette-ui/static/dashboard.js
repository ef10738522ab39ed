// The dashboard's charts: each <canvas data-query=...> is filled from that canned query's JSON
// (/news/<query>.json?_shape=array) with Chart.js, served from this folder (no CDN).
"use strict";

const PALETTE = ["#1b6ca8", "#e07a1f", "#2e9e5b", "#c0392b", "#8e5cc2", "#7f8c8d", "#d4a017",
  "#17a2b8", "#b5651d", "#e83e8c"];

async function queryRows(database, canvas, period) {
  const params = new URLSearchParams({ _shape: "array" });
  if (canvas.dataset.period !== "none") {
    params.set("since", period.since);
    params.set("until", period.until);
  }
  const response = await fetch(`${database}/${canvas.dataset.query}.json?${params}`);
  if (!response.ok) throw new Error(`${canvas.dataset.query}: HTTP ${response.status}`);
  return response.json();
}

// Rows of (x, series, y) as one dataset per series over the sorted distinct x values; an x
// a series has no row for is `missing` (0 for counts, null for a gap in a line).
function seriesDatasets(rows, x, y, series, missing) {
  const labels = [...new Set(rows.map((row) => row[x]))].sort();
  const names = [...new Set(rows.map((row) => row[series]))].sort();
  const datasets = names.map((name, index) => {
    const values = new Map(rows.filter((row) => row[series] === name)
      .map((row) => [row[x], row[y]]));
    const color = PALETTE[index % PALETTE.length];
    return { label: name, data: labels.map((label) => values.get(label) ?? missing),
      backgroundColor: color, borderColor: color };
  });
  return { labels: labels.map(shortTime), datasets };
}

// '2020-11-26T14:30:05+00:00' as '2020-11-26 14:30:05'; a day stays as it is.
function shortTime(value) {
  return typeof value === "string" ? value.slice(0, 19).replace("T", " ") : value;
}

const COMMON = { maintainAspectRatio: false, animation: false };
const COUNTS = { beginAtZero: true, ticks: { precision: 0 } };

function chartConfig(canvas, rows) {
  const { kind, x, y, series } = canvas.dataset;
  if (kind === "ranking") {
    return { type: "bar",
      options: { ...COMMON, indexAxis: "y", plugins: { legend: { display: false } },
        scales: { x: COUNTS } },
      data: { labels: rows.map((row) => row[x]), datasets: [{ label: y,
        data: rows.map((row) => row[y]), backgroundColor: PALETTE[0], maxBarThickness: 22 }] } };
  }
  const stacked = kind === "stacked";
  return { type: stacked ? "bar" : "line",
    data: seriesDatasets(rows, x, y, series, stacked ? 0 : null),
    options: { ...COMMON, spanGaps: true,
      scales: { x: { stacked }, y: { ...COUNTS, stacked } } } };
}

async function drawChart(database, canvas, period) {
  const rows = await queryRows(database, canvas, period);
  const figure = canvas.closest("figure");
  if (rows.length === 0) {
    figure.classList.add("empty");
    figure.insertAdjacentHTML("beforeend", '<p class="chart-empty">Nothing in this period.</p>');
    return;
  }
  new Chart(canvas, chartConfig(canvas, rows));
  figure.dataset.rows = rows.length;
}

document.addEventListener("DOMContentLoaded", () => {
  const charts = document.querySelector(".charts");
  const period = { since: charts.dataset.since, until: charts.dataset.until };
  for (const canvas of charts.querySelectorAll("canvas[data-query]")) {
    drawChart(charts.dataset.database, canvas, period).catch((error) => {
      const message = document.createElement("p");
      message.className = "message-error";
      message.textContent = error.message;
      canvas.closest("figure").append(message);
      console.error(error);
    });
  }
});
