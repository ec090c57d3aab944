// One ticket (#/tickets/<number>): header, edit forms and the timeline (calls with
// their recording and route, masked transcripts, notes, changes, e-mail). Part of
// tickets.js.
import { api, clear, fmtDateTime, fmtDuration, fmtTime, h, showError, t, toast }
  from "../app.js";
import { slaCard } from "./sla_badges.js";
import { linkKindName, mergedBanner, relationsCard, splitButton }
  from "./ticket_relations.js";
import { followUpFacts, lifeKindName, snoozeCard, snoozedBadge } from "./ticket_life.js";
import { fieldChangeContent, fieldsCard } from "./ticket_fields.js";
import { callCustomerButton, callKindName } from "./ticket_calls.js";
import { csatContent, csatFacts, csatKindName } from "./csat_badges.js";
import { mailContent, mailKindName } from "./ticket_mail.js";
import { ticketCrmHolder } from "./crm.js";
import { emailOutContent, replyCard } from "./ticket_reply.js";

export const STATUSES = ["new", "in_progress", "waiting_for_customer", "resolved", "closed"];
export const PRIORITIES = ["P1", "P2", "P3", "P4"];
const EDITORS = new Set(["admin", "agent", "privileged_agent"]);

export function statusName(status) {
  return { new: t("New"), in_progress: t("In progress"),
           waiting_for_customer: t("Waiting for customer"), resolved: t("Resolved"),
           closed: t("Closed") }[status]
    || status;
}

export function priorityBadge(priority) {
  return h("span", { class: `badge ${priority}` }, priority);
}

export async function renderTicket(root, ctx, number) {
  const body = h("div", { class: "ticket" });
  root.append(h("a", { href: "#/tickets", class: "back" }, `← ${t("Tickets")}`), body);
  let detail;
  try {
    detail = await api("GET", `/tickets/${encodeURIComponent(number)}`);
  } catch (error) {
    clear(body, h("p", { class: "empty" }, error.status === 404
      ? t("Ticket {number} does not exist or is not yours.", { number })
      : t("The ticket could not be loaded.")));
    if (error.status !== 404) showError(error);
    return;
  }
  const assignees = EDITORS.has(ctx.user.role) ? await loadAssignees() : null;
  // Asked once per visit, kept across the page's redraws (the CRM is not asked again).
  const crm = ticketCrmHolder(detail.ticket.number);
  show(body, detail, assignees, ctx, crm);
}

export async function loadAssignees() {
  try {
    return (await api("GET", "/assignees")).items.map((a) => a.display_name);
  } catch (error) {
    showError(error);
    return [];
  }
}

function show(body, detail, assignees, ctx, crm) {
  const redraw = (next) => show(body, next, assignees, ctx, crm);
  // Editors may split a call off (the server refuses a merged or a one-call ticket).
  const callAction = assignees ? (call) => splitButton(detail, call, ctx) : () => null;
  clear(body,
    mergedBanner(detail),
    header(detail, assignees ? redraw : null),
    callCustomerButton(detail, ctx, redraw),
    slaCard(detail.ticket.sla),
    crm,
    assignees ? editCard(detail, assignees, redraw) : null,
    fieldsHolder(detail, Boolean(assignees), redraw),
    assignees ? snoozeCard(detail, redraw) : null,
    assignees ? noteCard(detail, redraw) : null,
    assignees ? replyCard(detail, redraw) : null,
    relationsCard(detail, ctx, redraw, Boolean(assignees)),
    h("section", { class: "card" }, h("h2", {}, t("History")),
      timeline(detail.timeline, callAction, detail.ticket.number)));
}

// Title, description, category, tags, custom fields: editable for editors.
function fieldsHolder(detail, editable, redraw) {
  const holder = h("div", { class: "ticket-fields-holder" });
  fieldsCard(detail, editable, redraw).then((card) => clear(holder, card), showError);
  return holder;
}

// header(detail, redraw): redraw is given to those who may edit (the VIP switch).
function header(detail, redraw) {
  const ticket = detail.ticket;
  const customer = detail.customer;
  return h("section", { class: "card ticket-header" },
    h("h1", {}, h("span", { class: "number" }, ticket.number), " ",
      h("span", { class: "title" }, ticket.title)),
    h("dl", { class: "facts" },
      fact(t("Status"), h("span", {}, h("span", { class: `status ${ticket.status}` },
        statusName(ticket.status)), " ", snoozedBadge(ticket))),
      fact(t("Priority"), priorityBadge(ticket.priority)),
      fact(t("Queue"), ticket.queue || "—"),
      fact(t("Assignee"), ticket.assignee || t("nobody")),
      fact(t("Customer"), h("span", { class: "customer" },
        customer?.name ? h("span", { class: "customer-name" }, customer.name) : null,
        " ", customer?.phone || ticket.caller || t("hidden number"), " ",
        customer?.vip ? h("span", { class: "badge vip" }, t("VIP")) : null,
        customer && !customer.name && redraw ? nameCaller(detail, redraw) : null,
        customer && redraw ? vipSwitch(detail, redraw) : null,
        customer ? h("a", { href: `#/customers/${customer.id}`, class: "customer-page" },
          t("Customer page")) : null)),
      fact(t("Created"), fmtDateTime(ticket.created_at)),
      ticket.closed_at ? fact(t("Closed"), fmtDateTime(ticket.closed_at)) : null,
      followUpFacts(detail).map(([label, value]) => fact(label, value)),
      csatFacts(detail.timeline).map(([label, value]) => fact(label, value))));
}

// Flags the customer VIP (PATCH /customers/{id}: a customer known by e-mail only has
// no phone to address it by): their tickets get more urgent.
function vipSwitch(detail, redraw) {
  const customer = detail.customer;
  const box = h("input", { type: "checkbox", name: "vip", checked: customer.vip });
  box.addEventListener("change", async () => {
    try {
      await api("PATCH", `/customers/${customer.id}`, { vip: box.checked });
      redraw(await api("GET", `/tickets/${encodeURIComponent(detail.ticket.number)}`));
      toast(box.checked ? t("Customer flagged VIP.") : t("VIP flag removed."));
    } catch (error) {
      box.checked = customer.vip;
      showError(error);
    }
  });
  return h("label", { class: "vip-switch" }, box, " ", t("VIP customer"));
}

// "Unknown caller" named in two clicks: the button, then the name and Enter.
function nameCaller(detail, redraw) {
  const holder = h("span", { class: "name-caller" });
  const open = () => {
    const name = h("input", { name: "caller-name", required: true, maxlength: "200",
                              placeholder: t("Caller's name") });
    const save = async (event) => {
      event.preventDefault();
      if (!name.value.trim()) return;
      try {
        await api("PATCH", `/customers/${detail.customer.id}`, { name: name.value.trim() });
        redraw(await api("GET", `/tickets/${encodeURIComponent(detail.ticket.number)}`));
        toast(t("Caller named."));
      } catch (error) {
        showError(error);
      }
    };
    clear(holder, h("form", { name: "name-caller", class: "inline", onsubmit: save }, name));
    name.focus();
  };
  return clear(holder, h("button", { type: "button", class: "name-caller-open", onclick: open },
    t("Name this caller")));
}

function fact(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, value));
}

function options(values, current, label = (v) => v) {
  return values.map((value) => h("option", { value, selected: value === current },
    label(value)));
}

function editCard(detail, assignees, redraw) {
  const ticket = detail.ticket;
  const names = ticket.assignee && !assignees.includes(ticket.assignee)
    ? [ticket.assignee, ...assignees] : assignees;
  const status = h("select", { name: "status" }, options(STATUSES, ticket.status, statusName));
  const priority = h("select", { name: "priority" }, options(PRIORITIES, ticket.priority));
  const assignee = h("select", { name: "assignee" },
    h("option", { value: "", selected: !ticket.assignee }, t("Nobody")),
    options(names, ticket.assignee));
  const save = async (event) => {
    event.preventDefault();
    const changes = {};
    if (status.value !== ticket.status) changes.status = status.value;
    if (priority.value !== ticket.priority) changes.priority = priority.value;
    if (assignee.value !== (ticket.assignee || "")) changes.assignee = assignee.value || null;
    if (!Object.keys(changes).length) return;
    try {
      redraw(await api("PATCH", `/tickets/${encodeURIComponent(ticket.number)}`, changes));
      toast(t("Saved."));
    } catch (error) {
      if (error.error === "invalid-transition") {
        toast(t("A ticket cannot go from {from} to {to}.",
          { from: statusName(ticket.status), to: statusName(status.value) }), "error");
      } else showError(error);
    }
  };
  return h("form", { class: "card row ticket-edit", name: "changes", onsubmit: save },
    h("label", {}, t("Status"), status),
    h("label", {}, t("Priority"), priority),
    h("label", {}, t("Assignee"), assignee),
    h("button", { type: "submit", class: "primary" }, t("Save")));
}

function noteCard(detail, redraw) {
  const number = detail.ticket.number;
  const text = h("textarea", { name: "note", required: true, maxlength: "10000",
                               placeholder: t("What was agreed, what happens next…") });
  // A public note was told to the customer: it may stop the first-response clock.
  const isPublic = h("input", { type: "checkbox", name: "public" });
  const add = async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    try {
      await api("POST", `/tickets/${encodeURIComponent(number)}/notes`,
        { body: text.value, public: isPublic.checked });
      redraw(await api("GET", `/tickets/${encodeURIComponent(number)}`));
      toast(t("Note added."));
    } catch (error) {
      showError(error);
    }
  };
  return h("form", { class: "card ticket-note", name: "note", onsubmit: add },
    h("label", {}, t("Note"), text),
    h("label", { class: "public" }, isPublic, t("public (counts as reply to the customer)")),
    h("button", { type: "submit" }, t("Add note")));
}

function timeline(entries, callAction, number) {
  if (!entries.length) return h("p", { class: "empty" }, t("Nothing yet."));
  return h("ol", { class: "timeline" }, entries.map((entry) =>
    h("li", { class: `entry ${entry.kind}`, dataset: { kind: entry.kind } },
      h("div", { class: "meta" },
        h("time", { datetime: entry.at }, fmtDateTime(entry.at)),
        h("strong", {}, kindName(entry.kind)),
        entry.author ? h("span", { class: "author" }, entry.author) : null),
      h("div", { class: "content" }, entry.kind === "email_out"
        ? [emailOutContent(entry, number), entry.mail ? mailContent(entry) : null]
        : content(entry)),
      entry.kind === "call" && entry.call ? callAction(entry.call) : null)));
}

function kindName(kind) {
  return { call: t("Call"), transcript: t("Transcript (masked)"), note: t("Note"),
           status_change: t("Status changed"), priority_change: t("Priority changed"),
           assignment: t("Assignee changed"), queue_change: t("Queue changed"),
           merge: t("Merge"), link: t("Link"), split: t("Split"),
           field_change: t("Field changed") }[kind] || lifeKindName(kind)
    || callKindName(kind) || csatKindName(kind)
    || mailKindName(kind) || kind;
}

function content(entry) {
  const from = entry.data.from;
  const to = entry.data.to;
  switch (entry.kind) {
    case "call": return entry.call ? callContent(entry.call) : entry.body;
    case "transcript": return transcriptContent(entry);
    case "note": return [
      entry.data.public ? h("span", { class: "badge public" }, t("Reply to the customer")) : null,
      h("p", { class: "note-body" }, entry.body)];
    case "status_change": return `${statusName(from)} → ${statusName(to)}`;
    case "assignment": return `${from || t("nobody")} → ${to || t("nobody")}`;
    case "merge": return from ? t("{number} was merged into this ticket", { number: from })
      : t("Merged into {number}", { number: entry.data.into });
    case "link": return linkContent(entry.data);
    case "field_change": return fieldChangeContent(entry.data);
    case "csat": return csatContent(entry.data);
    case "email_in": case "email_out": return mailContent(entry);
    default: return from !== undefined ? `${from} → ${to}` : entry.body;
  }
}

function linkContent(data) {
  const params = { number: data.number, kind: linkKindName(data.kind) };
  return data.removed ? t("Unlinked {number} ({kind})", params)
    : t("Linked {number} ({kind})", params);
}

function outcomeName(outcome) {
  return { answered: t("Answered"), abandoned: t("Abandoned"),
           ivr_abandoned: t("Hung up in the menu"), timeout: t("Queue timed out"),
           unanswered: t("Unanswered"), voicemail: t("Voicemail"),
           external: t("Transferred out") }[outcome] || outcome;
}

function callContent(call) {
  const path = call.route?.path || [];
  return [
    h("div", { class: "row" },
      h("span", { class: `badge outcome ${call.outcome}` }, outcomeName(call.outcome)),
      h("span", {}, call.caller_name || "", " ", call.caller_number || t("hidden number")),
      call.queue ? h("span", { class: "muted" }, t("queue {queue}", { queue: call.queue }))
        : null,
      call.agent_name ? h("span", {}, t("answered by {agent}", { agent: call.agent_name }))
        : null,
      call.talk_seconds != null
        ? h("span", { class: "muted" }, t("talk {duration}",
          { duration: fmtDuration(call.talk_seconds) })) : null),
    path.length ? h("div", { class: "route" }, h("span", { class: "muted" }, t("Route")), " ",
      path.map((step) => `${step.node} (${step.branch})`).join(" → ")) : null,
    recording(call),
    h("details", {}, h("summary", {}, t("Call events")),
      h("ul", { class: "call-events" }, (call.timeline || []).map((event) =>
        h("li", {}, h("time", { datetime: event.at }, fmtTime(event.at)), " ", event.kind)))),
  ];
}

// A player only for a recording the server will play; otherwise why there is none
// (a call never recorded shows nothing).
function recording(call) {
  if (call.recording_state === "ready") {
    const why = h("p", { class: "muted recording-note" });
    return h("div", { class: "recording" },
      h("audio", { controls: true, preload: "none", src: call.recording_url,
                   onerror: () => { why.textContent = t("The recording cannot be played."); } }),
      why);
  }
  if (call.recording_state === "not_redacted") {
    return h("p", { class: "muted recording-note" },
      t("Recording not playable yet: it plays once transcription has muted personal data."));
  }
  return null;
}

// The transcription worker names the two channels in Polish (klient, agent).
function speakerName(speaker) {
  return { klient: t("Customer"), agent: t("Agent") }[speaker] || speaker || "?";
}

function transcriptContent(entry) {
  const segments = entry.data.segments || [];
  if (!segments.length) return h("p", {}, entry.body);
  return h("ol", { class: "segments" }, segments.map((segment) =>
    h("li", { class: `segment ${segment.speaker || ""}` },
      h("span", { class: "at" }, fmtDuration(segment.start)),
      h("span", { class: "speaker" }, speakerName(segment.speaker)),
      h("span", { class: "text" }, segment.text))));
}
