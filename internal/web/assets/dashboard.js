// The dashboard's charts and exports. The page works without this script: its tables
// hold every figure and its export links download. With it, each section's figures are
// drawn by ECharts (echarts.min.js, loaded before this on the dashboard only) from the
// <script type="application/json"> block next to the chart, every word in it from the
// server in the page's language; the table stays one click away (its <details>), and an
// export link fetches its file showing the bytes received, then saves it.
"use strict";
(() => {
  const root = document.querySelector(".dashboard");
  if (!root) return;
  const word = (k) => root.dataset["i18n" + k] || "";

  // Charts. The tooltip is drawn on the canvas (richText): no inline styles, which the
  // pages' Content-Security-Policy refuses.
  const ink = getComputedStyle(document.body).color;
  // The accent first, then colours apart in hue; the period before is grey and dashed.
  const palette = ["#c2410c", "#2563eb", "#15803d", "#7c3aed", "#0891b2", "#be185d", "#a16207", "#4d7c0f", "#6b7280"];
  const percent = (v) => (v == null ? "—" : `${(v * 100).toFixed(1)}%`);
  const optionsOf = (spec) => {
    const fmt = spec.percent ? percent : (v) => (v == null ? "—" : String(v));
    const base = {
      animation: false,
      color: palette,
      textStyle: { color: ink },
      tooltip: { trigger: spec.kind === "pie" ? "item" : "axis", renderMode: "richText", valueFormatter: fmt },
      legend: { show: spec.series.length > 1 || spec.kind === "pie", top: 0, type: "scroll", textStyle: { color: ink } },
    };
    if (spec.kind === "pie") {
      return {
        ...base,
        series: [{
          type: "pie", name: spec.series[0].name, radius: ["35%", "65%"], top: 30,
          label: { color: ink, formatter: "{b}: {d}%" },
          data: spec.labels.map((name, i) => ({ name, value: spec.series[0].data[i] })),
        }],
      };
    }
    const horizontal = spec.kind === "hbar";
    // The rows' key needs no axis name (the table names it): it would not fit a phone.
    const category = { type: "category", data: spec.labels, axisLabel: { color: ink, hideOverlap: true } };
    const value = {
      type: "value", name: spec.yName, axisLabel: { color: ink, formatter: spec.percent ? (v) => `${Math.round(v * 100)}%` : undefined },
    };
    if (spec.percent) value.max = 1;
    return {
      ...base,
      grid: { left: 8, right: 24, top: 48, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? { ...category, inverse: true, nameLocation: "start" } : value,
      series: spec.series.map((s, i) => ({
        type: horizontal ? "bar" : spec.kind, name: s.name, data: s.data, connectNulls: false,
        showSymbol: spec.labels.length < 40, z: i > 0 ? 1 : 2,
        ...(i > 0 ? { color: "#8a8a8a", lineStyle: { type: "dashed" } } : {}),
      })),
    };
  };
  const charts = [];
  if (window.echarts) {
    for (const el of root.querySelectorAll("[data-chart]")) {
      const data = document.getElementById(el.dataset.chart);
      if (!data) continue;
      el.hidden = false;
      const chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(optionsOf(JSON.parse(data.textContent)));
      charts.push(chart);
      // The figures stay a click away as a table (and to screen readers by its summary).
      const table = el.parentElement.querySelector("details.table-view");
      if (table) table.open = false;
    }
  }
  if (charts.length) {
    const resize = () => charts.forEach((c) => c.resize());
    if (window.ResizeObserver) new ResizeObserver(resize).observe(root);
    else window.addEventListener("resize", resize);
  }

  // Exports: fetched with the session's cookie, the bytes received shown as they come,
  // then saved under the server's file name.
  const size = (n) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);
  const fileName = (res, href) => {
    const m = /filename="?([^";]+)"?/.exec(res.headers.get("Content-Disposition") || "");
    return m ? m[1] : href.split("?")[0].split("/").pop();
  };
  for (const link of root.querySelectorAll("a[data-export]")) {
    link.addEventListener("click", async (e) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      const box = link.parentElement;
      const bar = box.querySelector("progress");
      const status = box.querySelector(".export-status");
      bar.hidden = false;
      bar.removeAttribute("value"); // indeterminate until the length is known
      status.textContent = "";
      link.setAttribute("aria-disabled", "true");
      try {
        const res = await fetch(link.href, { credentials: "same-origin" });
        if (!res.ok || !res.body) throw new Error(String(res.status));
        const total = Number(res.headers.get("Content-Length")) || 0;
        if (total) bar.max = total;
        const reader = res.body.getReader();
        const chunks = [];
        let received = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          received += value.length;
          let said = size(received);
          if (total) {
            bar.value = received;
            said += ` (${Math.round((received / total) * 100)}%)`;
          }
          status.textContent = word("Received").replace("%s", said);
        }
        if (total) bar.value = total;
        else {
          bar.max = 1;
          bar.value = 1;
        }
        const url = URL.createObjectURL(new Blob(chunks, { type: res.headers.get("Content-Type") || "application/octet-stream" }));
        const save = document.createElement("a");
        save.href = url;
        save.download = fileName(res, link.href);
        save.hidden = true;
        document.body.append(save);
        save.click();
        save.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
        status.textContent = `${word("Received").replace("%s", size(received))} ${word("Saved")}`;
      } catch {
        bar.hidden = true;
        status.textContent = word("Failed");
      } finally {
        link.removeAttribute("aria-disabled");
      }
    });
  }
})();
