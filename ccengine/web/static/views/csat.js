// Satisfaction (admins, QA leads, privileged agents): the scores customers gave by
// e-mail and on the phone in a period, their average and count, the distribution 1-5
// as a bar chart (inline SVG), and the same by agent and by queue.
import { api, clear, fmtNumber, h, showError, svg, t } from "../app.js";

const PERIODS = [[7, "Last 7 days"], [30, "Last 30 days"], [90, "Last 90 days"]];
const BAR_WIDTH = 48;
const CHART_HEIGHT = 140;

export async function render(root) {
  const result = h("div", { class: "csat-report" });
  const days = h("select", { name: "period" },
    PERIODS.map(([value, label]) => h("option", { value: String(value),
                                                 selected: value === 30 }, t(label))));
  const queue = h("input", { name: "queue", placeholder: t("every queue") });
  const reload = () => load(result, Number(days.value), queue.value.trim());
  days.addEventListener("change", reload);
  queue.addEventListener("change", reload);
  root.append(h("link", { rel: "stylesheet", href: "/static/css/csat.css" }),
    h("h1", {}, t("Customer satisfaction")),
    h("div", { class: "row" }, h("label", {}, t("Period"), " ", days),
      h("label", {}, t("Queue"), " ", queue)), result);
  await reload();
}

async function load(result, days, queue) {
  const to = new Date();
  const from = new Date(to.getTime() - days * 86400 * 1000);
  const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  if (queue) query.set("queue", queue);
  try {
    const report = await api("GET", `/reports/csat?${query}`);
    clear(result, summary(report), chart(report.distribution),
      h("h2", {}, t("By agent")), groups(report.by_agent, "agent", t("Agent")),
      h("h2", {}, t("By queue")), groups(report.by_queue, "queue", t("Queue")));
  } catch (error) {
    showError(error);
  }
}

function average(value) {
  return value === null ? "—" : fmtNumber(value, { maximumFractionDigits: 2 });
}

function summary(report) {
  return h("p", { class: "csat-summary" },
    t("Average {average} from {count} answers", { average: average(report.average),
                                                  count: fmtNumber(report.count) }));
}

function chart(distribution) {
  const counts = [1, 2, 3, 4, 5].map((score) => distribution[String(score)] || 0);
  const top = Math.max(1, ...counts);
  const bars = counts.map((count, index) => {
    const height = Math.round((count / top) * (CHART_HEIGHT - 40));
    const x = index * (BAR_WIDTH + 16) + 8;
    return svg("g", { class: "csat-bar", "data-score": String(index + 1),
                      "data-count": String(count) },
      svg("rect", { x, y: CHART_HEIGHT - 20 - height, width: BAR_WIDTH, height }),
      svg("text", { x: x + BAR_WIDTH / 2, y: CHART_HEIGHT - 24 - height,
                    "text-anchor": "middle" }, String(count)),
      svg("text", { x: x + BAR_WIDTH / 2, y: CHART_HEIGHT - 4, "text-anchor": "middle" },
        String(index + 1)));
  });
  return svg("svg", { class: "csat-chart", role: "img", width: 5 * (BAR_WIDTH + 16) + 8,
                      height: CHART_HEIGHT, "aria-label": t("Answers by score, 1 to 5") },
    ...bars);
}

function groups(items, key, title) {
  if (!items.length) return h("p", { class: "empty" }, t("Nothing yet."));
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, [title, t("Answers"), t("Average")].map((name) =>
      h("th", {}, name)))),
    h("tbody", {}, items.map((item) => h("tr", { dataset: { name: item[key] || "" } },
      h("td", {}, item[key] || "—"), h("td", {}, fmtNumber(item.count)),
      h("td", {}, average(item.average))))));
}
