// The advanced search ("zaawansowana wyszukiwarka") inside the ticket list's filters:
// words in title, notes and masked transcripts (q), the ticket's number, the customer,
// and a creation date range. The list sends them with its other filters.
import { h, t } from "../app.js";

export const SEARCH_EMPTY = { q: "", number: "", customer: "", created_from: "",
                              created_to: "" };

// The fields, keyed by their query parameter, and the block that shows them.
export function searchFields(f) {
  const fields = {
    q: h("input", { name: "q", value: f.q, type: "search", maxlength: "200",
                    placeholder: t("e.g. reklamacja faktury (any form, no accents needed)") }),
    number: h("input", { name: "number", value: f.number, placeholder: "TK-2026-000001" }),
    customer: h("input", { name: "customer", value: f.customer, type: "search",
                           placeholder: t("Name, company, phone or e-mail") }),
    created_from: h("input", { name: "created_from", type: "date", value: f.created_from }),
    created_to: h("input", { name: "created_to", type: "date", value: f.created_to }),
  };
  const open = Object.keys(SEARCH_EMPTY).some((name) => f[name]);
  const block = h("details", { class: "advanced-search wide-all", open },
    h("summary", {}, t("Advanced search")),
    h("div", { class: "advanced-fields" },
      h("label", { class: "wide" }, t("Words in title, notes and transcripts"), fields.q),
      h("label", {}, t("Ticket number"), fields.number),
      h("label", {}, t("Customer"), fields.customer),
      h("label", {}, t("Created from"), fields.created_from),
      h("label", {}, t("Created until (inclusive)"), fields.created_to)));
  return { fields, block };
}

// A filter's value as the API takes it: the dates are days in the browser's time zone,
// the "until" day included (the API's created_to is the exclusive moment after it).
export function searchValue(name, value) {
  if (name !== "created_from" && name !== "created_to") return value;
  const [year, month, day] = value.split("-").map(Number);
  const start = new Date(year, month - 1, day + (name === "created_to" ? 1 : 0));
  return start.toISOString();
}
