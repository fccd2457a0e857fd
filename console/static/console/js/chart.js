// A stacked bar chart drawn by hand in SVG: one bar per day, one segment per model.
// Labels and tooltips are text nodes (`<title>`), never markup built from data.

import { h, svg } from "./dom.js";

export const PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#a855f7", "#14b8a6", "#64748b"];

function niceMax(value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value) * magnitude;
  return step;
}

export function stackedBars({ days, series, value, format, label }) {
  // days: [{date, by_model: {model: {...}}}]; series: model names; value(entry) -> number
  const width = 720;
  const height = 260;
  const pad = { top: 16, right: 12, bottom: 34, left: 64 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const totals = days.map((d) => series.reduce((sum, m) => sum + (d.by_model[m] ? value(d.by_model[m]) : 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const slot = plotW / Math.max(days.length, 1);
  const barW = Math.max(4, Math.min(36, slot * 0.62));
  const y = (v) => pad.top + plotH - (v / max) * plotH;

  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "chart",
    role: "img",
    "aria-label": label,
  });
  chart.append(svg("title", {}, label));
  for (let i = 0; i <= 4; i += 1) {
    const v = (max / 4) * i;
    chart.append(
      svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: i ? "grid" : "axis" }),
      svg("text", { x: pad.left - 8, y: y(v) + 4, class: "tick", "text-anchor": "end" }, format(v)),
    );
  }
  const every = Math.ceil(days.length / 10);
  days.forEach((day, index) => {
    const x = pad.left + slot * index + (slot - barW) / 2;
    let base = 0;
    const group = svg("g", { class: "bar", "data-date": day.date });
    series.forEach((model, s) => {
      const entry = day.by_model[model];
      const v = entry ? value(entry) : 0;
      if (v <= 0) return;
      const top = y(base + v);
      group.append(
        svg(
          "rect",
          { x, y: top, width: barW, height: Math.max(1, y(base) - top), rx: 2, fill: PALETTE[s % PALETTE.length] },
          svg("title", {}, `${day.date} · ${model}: ${format(v)}`),
        ),
      );
      base += v;
    });
    chart.append(group);
    if (index % every === 0) {
      chart.append(
        svg("text", { x: x + barW / 2, y: height - pad.bottom + 18, class: "tick", "text-anchor": "middle" }, day.date.slice(5)),
      );
    }
  });
  return chart;
}

export function legend(series) {
  return h(
    "ul",
    { class: "legend" },
    series.map((model, s) =>
      h("li", {}, h("span", { class: `swatch swatch-${s % PALETTE.length}`, "aria-hidden": "true" }), model),
    ),
  );
}
