// Merge, links, split and bulk edit in the ticket pages (ticket_view.js, tickets.js).
// A merge asks for confirmation naming both tickets before anything is sent; the list's
// bulk bar changes each checked ticket on its own and says which ones were refused.
import { api, h, showError, t, toast } from "../app.js";

const LINK_KINDS = ["related", "parent", "child"];
const ticketPath = (number) => `/tickets/${encodeURIComponent(number)}`;

export function linkKindName(kind) {
  return { related: t("related"), parent: t("parent"), child: t("child") }[kind] || kind;
}

// "TK-1 was merged into this ticket": shown when an old number was opened.
export function mergedBanner(detail) {
  if (!detail.merged_from) return null;
  return h("p", { class: "card merged-banner", role: "status" },
    t("Ticket {old} was merged into {number}; this is {number}.",
      { old: detail.merged_from, number: detail.ticket.number }));
}

// Links both ways (only tickets the reader may see) and, for editors, the actions.
export function relationsCard(detail, ctx, redraw, canEdit) {
  const links = detail.links || [];
  const merged = detail.merged || [];
  if (!canEdit && !links.length && !merged.length) return null;
  return h("section", { class: "card ticket-relations" },
    h("h2", {}, t("Linked tickets")),
    links.length ? h("ul", { class: "links" }, links.map((link) =>
      linkItem(detail, link, ctx, redraw, canEdit))) : h("p", { class: "empty" }, t("None.")),
    merged.length ? h("p", { class: "merged" }, t("Merged into this ticket: {numbers}",
      { numbers: merged.join(", ") })) : null,
    canEdit ? linkForm(detail, redraw) : null,
    canEdit ? mergeForm(detail, ctx) : null);
}

function linkItem(detail, link, ctx, redraw, canEdit) {
  const remove = async () => {
    try {
      await api("DELETE", `${ticketPath(detail.ticket.number)}/links/${
        encodeURIComponent(link.number)}`);
      redraw(await api("GET", ticketPath(detail.ticket.number)));
    } catch (error) { showError(error); }
  };
  return h("li", { dataset: { number: link.number, kind: link.kind } },
    h("a", { href: `#${ticketPath(link.number)}` }, link.number), " ",
    h("span", { class: "muted" }, `(${linkKindName(link.kind)})`), " ", link.title,
    canEdit ? h("button", { type: "button", name: "unlink", onclick: remove },
      t("Remove link")) : null);
}

function linkForm(detail, redraw) {
  const other = h("input", { name: "link_number", required: true, maxlength: "64",
                             placeholder: t("Ticket number") });
  const kind = h("select", { name: "link_kind" }, LINK_KINDS.map((value) =>
    h("option", { value }, linkKindName(value))));
  const add = async (event) => {
    event.preventDefault();
    try {
      await api("POST", `${ticketPath(detail.ticket.number)}/links`,
        { number: other.value.trim(), kind: kind.value });
      redraw(await api("GET", ticketPath(detail.ticket.number)));
      toast(t("Linked."));
    } catch (error) { showError(error); }
  };
  return h("form", { class: "row", name: "link", onsubmit: add },
    h("label", {}, t("Link…"), other), h("label", {}, t("as"), kind),
    h("button", { type: "submit" }, t("Add link")));
}

// "Merge into…": the number first, then a confirmation naming both tickets.
function mergeForm(detail, ctx) {
  const number = detail.ticket.number;
  const choices = h("datalist", { id: "merge-candidates" });
  const into = h("input", { name: "merge_into", required: true, maxlength: "64",
                            list: "merge-candidates", placeholder: t("Ticket number") });
  fillCandidates(choices, detail.ticket);
  const confirmBox = h("div", { class: "merge-confirm", hidden: true });
  const merge = async () => {
    try {
      const result = await api("POST", `${ticketPath(number)}/merge`, { into: into.value.trim() });
      toast(t("Ticket {old} merged into {number}.", { old: number, number: result.into }));
      ctx.navigate(ticketPath(result.into));
    } catch (error) { confirmBox.hidden = true; showError(error); }
  };
  const ask = (event) => {
    event.preventDefault();
    const target = into.value.trim();
    if (!target) return;
    confirmBox.replaceChildren(
      h("p", {}, t("Merge {old} into {number}? Its calls, notes and transcripts move there.",
        { old: number, number: target })),
      h("button", { type: "button", name: "confirm_merge", class: "danger", onclick: merge },
        t("Merge")),
      h("button", { type: "button", name: "cancel_merge",
                    onclick: () => { confirmBox.hidden = true; } }, t("Cancel")));
    confirmBox.hidden = false;
  };
  return h("form", { name: "merge", onsubmit: ask },
    h("div", { class: "row" }, h("label", {}, t("Merge into…"), into, choices),
      h("button", { type: "submit" }, t("Merge…"))),
    confirmBox);
}

// The same caller's other open tickets, offered first (the usual duplicate: she called
// again and the call opened a new ticket).
async function fillCandidates(list, ticket) {
  if (!ticket.caller) return;
  try {
    const page = await api("GET", `/tickets?caller=${encodeURIComponent(ticket.caller)}` +
      "&per_page=50");
    list.replaceChildren(...page.items
      .filter((other) => other.number !== ticket.number && other.status !== "closed")
      .map((other) => h("option", { value: other.number }, other.title)));
  } catch (error) { showError(error); }
}

// "Split this call off": the call with its history becomes a new, linked ticket.
export function splitButton(detail, call, ctx) {
  if ((detail.calls || []).length < 2) return null;
  const split = async () => {
    try {
      const result = await api("POST", `${ticketPath(detail.ticket.number)}/split`,
        { call_id: call.id });
      toast(t("The call is now ticket {number}.", { number: result.number }));
      ctx.navigate(ticketPath(result.number));
    } catch (error) { showError(error); }
  };
  return h("button", { type: "button", name: "split", class: "split", onclick: split },
    t("Split this call off"));
}

// The list's bulk bar: what to change on every checked ticket.
export function bulkBar(selected, choices, done) {
  const pick = (name, values) => h("select", { name },
    h("option", { value: "" }, t("(unchanged)")),
    values.map(([value, text]) => h("option", { value }, text)));
  const fields = {
    status: pick("bulk_status", choices.statuses),
    priority: pick("bulk_priority", choices.priorities),
    assignee: pick("bulk_assignee", [["none", t("Nobody")],
      ...choices.assignees.map((name) => [name, name])]),
    queue: h("input", { name: "bulk_queue", maxlength: "100", placeholder: t("Queue") }),
  };
  const count = h("span", { class: "bulk-count" });
  const apply = async (event) => {
    event.preventDefault();
    const changes = bulkChanges(fields);
    if (!selected.size || !Object.keys(changes).length) return;
    try {
      const result = await api("POST", "/tickets/bulk", { numbers: [...selected], changes });
      const refused = result.items.filter((item) => !item.ok);
      toast(refused.length
        ? t("Changed {done} tickets; not changed: {refused}.", {
          done: result.items.length - refused.length,
          refused: refused.map((item) => item.number).join(", ") })
        : t("Changed {done} tickets.", { done: result.items.length }),
      refused.length ? "error" : "info");
      await done();
    } catch (error) { showError(error); }
  };
  const merging = h("div", { class: "merge-confirm", hidden: true });
  const bar = h("form", { class: "card bulk-bar", name: "bulk", onsubmit: apply },
    h("div", { class: "row" },
      count,
      h("label", {}, t("Status"), fields.status),
      h("label", {}, t("Priority"), fields.priority),
      h("label", {}, t("Assignee"), fields.assignee),
      h("label", {}, t("Queue"), fields.queue),
      h("button", { type: "submit", class: "primary" }, t("Apply to selected")),
      h("button", { type: "button", name: "merge_selected",
                    onclick: () => askMerge(merging, selected, done) }, t("Merge selected…"))),
    merging);
  bar.update = () => {
    bar.hidden = !selected.size;
    merging.hidden = true;
    count.textContent = t("{count} selected", { count: selected.size });
  };
  bar.update();
  return bar;
}

function bulkChanges(fields) {
  const changes = {};
  if (fields.status.value) changes.status = fields.status.value;
  if (fields.priority.value) changes.priority = fields.priority.value;
  if (fields.assignee.value) {
    changes.assignee = fields.assignee.value === "none" ? null : fields.assignee.value;
  }
  if (fields.queue.value.trim()) changes.queue = fields.queue.value.trim();
  return changes;
}

// Several checked tickets merged into one of them (the oldest unless chosen), each merge
// its own transaction; the confirmation names every ticket.
function askMerge(box, selected, done) {
  const numbers = [...selected].sort();
  if (numbers.length < 2) {
    toast(t("Check at least two tickets to merge."), "error");
    return;
  }
  const target = h("select", { name: "merge_target" }, numbers.map((number) =>
    h("option", { value: number }, number)));
  const merge = async () => {
    const into = target.value;
    const refused = [];
    for (const number of numbers.filter((one) => one !== into)) {
      try {
        await api("POST", `${ticketPath(number)}/merge`, { into });
      } catch (error) { refused.push(`${number} (${error.message})`); }
    }
    toast(refused.length ? t("Not merged: {refused}.", { refused: refused.join(", ") })
      : t("Merged into {number}.", { number: into }), refused.length ? "error" : "info");
    await done();
  };
  box.replaceChildren(
    h("p", {}, t("Merge {numbers} into one ticket:", { numbers: numbers.join(", ") })),
    target,
    h("button", { type: "button", name: "confirm_merge", class: "danger", onclick: merge },
      t("Merge")),
    h("button", { type: "button", name: "cancel_merge",
                  onclick: () => { box.hidden = true; } }, t("Cancel")));
  box.hidden = false;
}
