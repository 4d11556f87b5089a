// The explorer's pages: sortable tables, charts (uPlot), and live redraws as blocks arrive.
(function () {
  "use strict";
  var sortState = {}; // table id → {col, dir}, kept across live redraws

  function cellValue(row, col, numeric) {
    var v = row.cells[col].getAttribute("data-v");
    if (v === null) v = row.cells[col].textContent;
    if (!numeric) return v;
    var f = parseFloat(v);
    return isNaN(f) ? -Infinity : f;
  }

  function sortTable(table, col, dir) {
    var th = table.tHead.rows[0].cells[col];
    var numeric = th.getAttribute("data-sort") === "num";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, col, numeric), y = cellValue(b, col, numeric);
      var c = x < y ? -1 : x > y ? 1 : 0;
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.classList.remove("asc", "desc"); });
    th.classList.add(dir);
  }

  function initTables() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
        th.addEventListener("click", function () {
          var s = sortState[table.id];
          var dir = s && s.col === col && s.dir === "desc" ? "asc" : "desc";
          sortState[table.id] = { col: col, dir: dir };
          sortTable(table, col, dir);
        });
      });
      var s = sortState[table.id];
      if (s) sortTable(table, s.col, s.dir);
    });
  }

  var palette = ["#2857b8", "#1a9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"];

  function initCharts() {
    document.querySelectorAll("div.chart[data-series]").forEach(function (el) {
      var s = JSON.parse(el.getAttribute("data-series"));
      var names = Object.keys(s.y).sort();
      if (!s.x || s.x.length === 0) { el.textContent = "no history yet"; return; }
      var series = [{ label: "block" }];
      var data = [s.x];
      names.forEach(function (n, i) {
        series.push({ label: n, stroke: palette[i % palette.length], width: 1.5, scale: n.indexOf("_tao") >= 0 && n !== "price_tao" ? "tao" : "y" });
        data.push(s.y[n]);
      });
      var opts = {
        title: el.getAttribute("data-title") || "", width: Math.min(el.clientWidth || 900, 960), height: 240,
        scales: { x: { time: false } }, series: series,
        axes: [{}, { scale: "y", size: 70 }, { scale: "tao", side: 1, size: 90, grid: { show: false } }]
      };
      el.textContent = "";
      new uPlot(opts, data, el);
    });
  }

  function init() { initTables(); initCharts(); }

  // Live: each stored block redraws the page's main part from the same URL, keeping sort order.
  var refreshing = false;
  function redraw(height) {
    document.getElementById("height").textContent = height;
    if (refreshing) return;
    refreshing = true;
    fetch(location.href, { headers: { "Accept": "text/html" } }).then(function (r) {
      if (!r.ok) return null;
      return r.text();
    }).then(function (text) {
      if (text === null) return;
      var doc = new DOMParser().parseFromString(text, "text/html");
      document.querySelector("main").innerHTML = doc.querySelector("main").innerHTML;
      document.body.setAttribute("data-live-height", height);
      init();
    }).finally(function () { refreshing = false; });
  }

  init();
  if (window.EventSource) {
    var es = new EventSource("/api/live");
    es.addEventListener("block", function (e) { redraw(JSON.parse(e.data).height); });
  }
  fetch("/api/network").then(function (r) { return r.json(); }).then(function (n) {
    if (n.height) document.getElementById("height").textContent = n.height;
  });
})();
