// The CRM card: what the company's CRM or shop knows of the customer (id, name,
// segment, recent orders, links), on the ticket page and in the agent's pop.
// Everything the CRM sent is text in text nodes; its links are http(s) only (the
// server refuses others) and open in a new tab without a window.opener.
import { api, clear, fmtDateTime, h, t } from "../app.js";

function reasonName(reason) {
  return { timeout: t("timeout"), http_status: t("CRM error"),
           invalid_answer: t("invalid answer"), unreachable: t("CRM unreachable") }[reason]
    || reason || t("unknown");
}

function outLink(url, label) {
  return h("a", { href: url, target: "_blank", rel: "noopener noreferrer",
                  class: "crm-link" }, label);
}

function orders(list) {
  if (!list.length) return h("p", { class: "muted crm-no-orders" }, t("No orders."));
  return h("table", { class: "crm-orders" },
    h("thead", {}, h("tr", {}, h("th", {}, t("Order")), h("th", {}, t("Status")),
      h("th", {}, t("Total")), h("th", {}, t("Placed")))),
    h("tbody", {}, list.map((order) => h("tr", { class: "crm-order" },
      h("td", {}, order.url ? outLink(order.url, order.id) : order.id),
      h("td", { class: "crm-order-status" }, order.status),
      h("td", {}, order.total || ""),
      h("td", {}, fmtDateTime(order.placed_at))))));
}

function found(customer) {
  return [
    h("p", { class: "crm-who" },
      h("strong", { class: "crm-name" }, customer.name || "—"), " ",
      h("span", { class: "muted crm-id" }, customer.customer_id),
      customer.segment ? h("span", { class: "badge crm-segment" }, customer.segment) : null),
    orders(customer.orders || []),
    customer.links?.length ? h("ul", { class: "crm-links" },
      customer.links.map((link) => h("li", {}, outLink(link.url, link.label)))) : null,
  ];
}

function content(crm) {
  switch (crm.outcome) {
    case "loading":
      return h("p", { class: "muted crm-loading" }, t("Looking up in the CRM…"));
    case "found":
      return found(crm.customer);
    case "not_found":
      return h("p", { class: "muted crm-not-found" }, t("Not known in the CRM."));
    case "no_contact":
      return h("p", { class: "muted crm-no-contact" },
        t("No phone or e-mail to look up."));
    default:
      return h("p", { class: "crm-failed" },
        t("Look-up failed ({reason})", { reason: reasonName(crm.reason) }));
  }
}

// The card for one answer; nothing where no CRM is configured.
export function crmCard(crm) {
  if (!crm || crm.outcome === "disabled") return null;
  return h("section", { class: `card crm-card crm-state-${crm.outcome}` },
    h("h2", {}, t("CRM")), content(crm));
}

// Shows ``crm`` in ``slot`` (a node kept across the pop's redraws).
export function showCrm(slot, crm) {
  return clear(slot, crmCard(crm));
}

// The ticket page's card: loading at once, then the server's answer.
export function ticketCrmHolder(number) {
  const holder = h("div", { class: "crm-holder" });
  showCrm(holder, { outcome: "loading" });
  api("GET", `/tickets/${encodeURIComponent(number)}/crm`).then(
    (crm) => showCrm(holder, crm),
    () => showCrm(holder, { outcome: "failed", reason: "unreachable" }));
  return holder;
}
