// Webhooks (admins): the endpoints the engine POSTs its events to (URL, event types,
// active), each one's signing secret shown once (at creation and rotation), a test
// event, and the delivery log with "send again" (the same webhook-id: receivers dedupe).
import { api, clear, fmtDateTime, h, showError, t, toast } from "../app.js";

const STATUS = () => ({ pending: t("Pending"), delivered: t("Delivered"),
                        failed: t("Failed") });

export async function render(root) {
  const secret = h("div", { class: "webhook-secret" });
  const list = h("div", { class: "webhooks" });
  const log = h("div", { class: "webhook-log" });
  const view = { secret, list, log, types: [], shown: null };
  root.append(h("h1", {}, t("Webhooks")), secret, list, h("div", { class: "webhook-new" }),
    log);
  await load(view);
  root.querySelector(".webhook-new").append(addForm(view));
}

async function load(view) {
  try {
    const data = await api("GET", "/webhooks/endpoints");
    view.types = data.event_types;
    clear(view.list, data.items.length ? table(view, data.items)
      : h("p", { class: "empty" }, t("No webhook endpoints yet.")));
  } catch (error) {
    showError(error);
  }
}

function showSecret(view, endpoint) {
  clear(view.secret, h("div", { class: "card" },
    h("p", {}, t("The signing secret of {url}; copy it now, it is not shown again:",
                 { url: endpoint.url })),
    h("code", { class: "secret" }, endpoint.secret)));
}

function table(view, items) {
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, [t("URL"), t("Description"), t("Event types"), t("Active"), ""]
      .map((name) => h("th", {}, name)))),
    h("tbody", {}, items.map((item) => h("tr", { dataset: { endpoint: String(item.id) } },
      h("td", {}, item.url), h("td", {}, item.description),
      h("td", {}, item.event_types.join(", ") || "—"), h("td", {}, activeBox(item)),
      h("td", {}, buttons(view, item))))));
}

function activeBox(item) {
  const box = h("input", { type: "checkbox", name: "active", checked: item.active });
  box.addEventListener("change", async () => {
    try {
      await api("PATCH", `/webhooks/endpoints/${item.id}`, { active: box.checked });
      toast(t("Saved."));
    } catch (error) {
      box.checked = item.active;
      showError(error);
    }
  });
  return box;
}

function buttons(view, item) {
  const path = `/webhooks/endpoints/${item.id}`;
  const act = (name, label, work) => h("button", { type: "button", name, onclick: async () => {
    try { await work(); } catch (error) { showError(error); }
  } }, label);
  return [
    act("test", t("Send test event"), async () => {
      await api("POST", `${path}/test`);
      toast(t("Test event queued."));
      await showLog(view, item);
    }),
    act("log", t("Delivery log"), () => showLog(view, item)),
    act("rotate", t("Rotate secret"), async () => {
      if (!window.confirm(t("Rotate the secret? The old one keeps signing for a while."))) return;
      showSecret(view, await api("POST", `${path}/rotate-secret`, {}));
    }),
    act("delete", t("Delete"), async () => {
      if (!window.confirm(t("Delete the endpoint {url}?", { url: item.url }))) return;
      await api("DELETE", path);
      clear(view.log);
      await load(view);
    }),
  ];
}

async function showLog(view, item) {
  view.shown = item;
  const failedOnly = h("input", { type: "checkbox", name: "failed-only" });
  const rows = h("div", { class: "webhook-deliveries" });
  const refresh = async () => {
    try {
      const status = failedOnly.checked ? "?status=failed" : "";
      const data = await api("GET", `/webhooks/endpoints/${item.id}/deliveries${status}`);
      clear(rows, data.items.length ? deliveries(view, item, data.items, refresh)
        : h("p", { class: "empty" }, t("No deliveries.")));
    } catch (error) {
      showError(error);
    }
  };
  failedOnly.addEventListener("change", refresh);
  clear(view.log, h("h2", {}, t("Delivery log of {url}", { url: item.url })),
    h("div", { class: "row" }, h("label", { class: "check" }, failedOnly, t("Failed only")),
      h("button", { type: "button", name: "refresh", onclick: refresh }, t("Refresh"))),
    rows);
  await refresh();
}

function deliveries(view, item, items, refresh) {
  const again = (delivery) => h("button", { type: "button", name: "resend", onclick: async () => {
    try {
      await api("POST", `/webhooks/endpoints/${item.id}/deliveries/${delivery.id}/resend`);
      toast(t("Queued again."));
      await refresh();
    } catch (error) {
      showError(error);
    }
  } }, t("Send again"));
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, [t("Created"), t("Event"), t("Status"), t("Attempts"),
                                t("Last answer"), ""].map((name) => h("th", {}, name)))),
    h("tbody", {}, items.map((delivery) => h("tr", {
      dataset: { delivery: String(delivery.id), status: delivery.status } },
      h("td", {}, fmtDateTime(delivery.created_at)), h("td", {}, delivery.event_type),
      h("td", { class: "status" }, STATUS()[delivery.status] || delivery.status),
      h("td", {}, String(delivery.attempts)),
      h("td", {}, lastAnswer(delivery)), h("td", {}, again(delivery))))));
}

function lastAnswer(delivery) {
  if (delivery.last_status_code) return `HTTP ${delivery.last_status_code}`;
  return delivery.last_error || "—";
}

function addForm(view) {
  const url = h("input", { type: "url", name: "url", required: true,
                           placeholder: "https://crm.example.pl/hooks" });
  const description = h("input", { type: "text", name: "description" });
  const boxes = view.types.map((kind) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "event_types", value: kind }), kind));
  const add = async (event) => {
    event.preventDefault();
    const chosen = boxes.map((label) => label.querySelector("input"))
      .filter((box) => box.checked).map((box) => box.value);
    try {
      const made = await api("POST", "/webhooks/endpoints", {
        url: url.value.trim(), description: description.value, event_types: chosen });
      url.value = description.value = "";
      showSecret(view, made);
      await load(view);
    } catch (error) {
      showError(error);
    }
  };
  return h("form", { class: "card", name: "new-webhook", onsubmit: add },
    h("h2", {}, t("Add endpoint")),
    h("label", {}, t("URL"), url), h("label", {}, t("Description"), description),
    h("fieldset", {}, h("legend", {}, t("Event types")), boxes),
    h("button", { type: "submit", class: "primary" }, t("Add endpoint")));
}
