// Usage: totals, tokens and cost by model (/api/stats), and a chart of tokens or cost per day
// and model (/api/stats/usage).

import { api, query } from "../api.js";
import { clear, h } from "../dom.js";
import { legend, stackedBars } from "../chart.js";

const integer = new Intl.NumberFormat();

export function money(value) {
  if (!value) return "$0";
  if (value < 0.01) return `$${value.toPrecision(2)}`;
  return new Intl.NumberFormat(undefined, { style: "currency", currency: "USD" }).format(value);
}

function compact(value) {
  return new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 }).format(value);
}

function card(label, value, id) {
  return h("div", { class: "card stat", id }, h("span", { class: "label" }, label), h("strong", {}, value));
}

export function renderUsage(root, { app }) {
  let days = 14;
  let metric = "tokens";
  let daily = null;

  const cards = h("div", { class: "cards", id: "usage-totals" });
  const table = h("tbody");
  const chartBox = h("div", { class: "chart-box", id: "usage-chart" });
  const rangeSelect = h(
    "select",
    { "aria-label": "Range", id: "usage-range" },
    [7, 14, 30, 90].map((n) => h("option", { value: n, selected: n === days }, `Last ${n} days`)),
  );
  const metricButtons = ["tokens", "cost"].map((m) =>
    h("button", { type: "button", class: "segment", dataset: { metric: m }, "aria-pressed": String(m === metric) }, m === "tokens" ? "Tokens" : "Cost"),
  );

  root.append(
    h(
      "section",
      { class: "usage" },
      h("header", { class: "usage-head" }, h("h1", {}, "Usage"), h("p", { class: "muted" }, `Signed in as ${app.user.username}`)),
      cards,
      h(
        "div",
        { class: "card" },
        h(
          "div",
          { class: "card-head" },
          h("h2", {}, "By day"),
          h("div", { class: "controls" }, h("div", { class: "segmented", role: "group" }, metricButtons), rangeSelect),
        ),
        chartBox,
      ),
      h(
        "div",
        { class: "card" },
        h("h2", {}, "By model"),
        h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            { class: "data", id: "usage-by-model" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Model", "Messages", "Completions", "Input tokens", "Output tokens", "Tokens", "Cost"].map((t) =>
                  h("th", { scope: "col" }, t),
                ),
              ),
            ),
            table,
          ),
        ),
      ),
    ),
  );

  function drawChart() {
    clear(chartBox);
    if (!daily) {
      chartBox.append(h("p", { class: "muted" }, "Usage by day is not available on this server."));
      return;
    }
    const tokens = daily.days.reduce((sum, d) => sum + d.tokens, 0);
    const cost = daily.days.reduce((sum, d) => sum + d.cost, 0);
    if (!tokens || (metric === "cost" && !cost)) {
      const why = tokens
        ? `Nothing to pay: every completion in the last ${days} days was free (the local model costs nothing).`
        : `No usage in the last ${days} days yet. Chat a little and come back.`;
      chartBox.append(h("p", { class: "empty-chart muted" }, why));
      return;
    }
    const format = metric === "cost" ? money : compact;
    chartBox.append(
      stackedBars({
        days: daily.days,
        series: daily.models,
        value: (entry) => (metric === "cost" ? entry.cost : entry.tokens),
        format,
        label: `${metric === "cost" ? "Cost" : "Tokens"} per day and model, last ${days} days`,
      }),
      legend(daily.models),
    );
  }

  async function loadDaily() {
    try {
      daily = await api(`/api/stats/usage?${query({ days })}`);
    } catch {
      daily = null;
    }
    drawChart();
  }

  async function loadTotals() {
    const stats = await api("/api/stats");
    clear(cards).append(
      card("Conversations", integer.format(stats.total_conversations), "total-conversations"),
      card("Messages", integer.format(stats.total_messages), "total-messages"),
      card("Tokens", integer.format(stats.total_tokens), "total-tokens"),
      card("Cost", money(stats.total_cost ?? 0), "total-cost"),
    );
    const rows = Object.entries(stats.by_model || {});
    clear(table).append(
      ...(rows.length
        ? rows.map(([model, m]) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, model),
              [m.messages, m.completions, m.input_tokens, m.output_tokens, m.tokens].map((v) =>
                h("td", { class: "num" }, v === undefined ? "–" : integer.format(v)),
              ),
              h("td", { class: "num" }, m.cost === undefined ? "–" : money(m.cost)),
            ),
          )
        : [h("tr", {}, h("td", { colspan: 7, class: "muted" }, "Nothing yet."))]),
    );
  }

  rangeSelect.addEventListener("change", () => {
    days = Number(rangeSelect.value);
    loadDaily();
  });
  for (const button of metricButtons) {
    button.addEventListener("click", () => {
      metric = button.dataset.metric;
      for (const b of metricButtons) b.setAttribute("aria-pressed", String(b === button));
      drawChart();
    });
  }
  loadTotals().catch(() => {});
  loadDaily();
  return {};
}
