// The ticket's e-mail reply composer: To/CC, subject, a template picker, a small rich
// text editor (contenteditable; bold, italic, bulleted list, link, clear formatting;
// pasted text arrives plain), the signatures that will be appended (the agent's, with
// "edit my signature", and the queue's), files, the status after sending. Sent replies
// show in the timeline with their delivery state. Part of ticket_view.js.
import { api, clear, h, showError, t, toast } from "../app.js";

const NO_MAILBOX = "no-mailbox";

export function deliveryName(state) {
  return { queued: t("queued"), sent: t("sent"), failed: t("failed") }[state] || state;
}

// One request per drawn timeline: the entries drawn together share it.
let pending = null;
function deliveries(number) {
  if (!pending) {
    pending = api("GET", `/tickets/${encodeURIComponent(number)}/mail`)
      .then((mail) => new Map(mail.items.filter((item) => item.outgoing_id)
        .map((item) => [item.outgoing_id, item])));
    pending.finally(() => setTimeout(() => { pending = null; }, 0));
  }
  return pending;
}

export function emailOutContent(entry, number) {
  const badge = h("span", { class: "badge delivery", dataset: { delivery: "" } });
  deliveries(number).then((states) => {
    const item = states.get(entry.data.outgoing_id);
    if (!item) return;
    badge.dataset.delivery = item.delivery;
    badge.classList.add(item.delivery);
    badge.textContent = deliveryName(item.delivery);
    if (item.last_error) badge.title = item.last_error;
  }, () => {});
  const to = [...(entry.data.to || []), ...(entry.data.cc || [])].join(", ");
  return [h("div", { class: "row" }, badge, h("span", { class: "subject" }, entry.body)),
    to ? h("div", { class: "muted" }, t("To: {to}", { to })) : null];
}

export function replyCard(detail, redraw) {
  const holder = h("section", { class: "card reply-composer" },
    h("link", { rel: "stylesheet", href: "/static/css/replies.css" }),
    h("h2", {}, t("Reply by e-mail")));
  const number = detail.ticket.number;
  api("GET", `/tickets/${encodeURIComponent(number)}/reply-draft`).then(
    (draft) => composer(holder, detail, draft, redraw),
    (error) => {
      holder.append(h("p", { class: "muted" }, error.error === NO_MAILBOX
        ? t("This ticket's queue has no mailbox: e-mail replies are not possible.")
        : t("The reply form could not be loaded.")));
      if (error.error !== NO_MAILBOX) showError(error);
    });
  return holder;
}

function composer(holder, detail, draft, redraw) {
  const number = detail.ticket.number;
  const to = h("input", { type: "text", name: "to", value: draft.to.join(", ") });
  const cc = h("input", { type: "text", name: "cc" });
  const subject = h("input", { type: "text", name: "subject", value: draft.subject,
                               maxlength: "300" });
  const editor = h("div", { class: "editor", contenteditable: "true", role: "textbox",
                            "aria-multiline": "true", "aria-label": t("Message") });
  editor.addEventListener("paste", pastePlain);
  const files = h("input", { type: "file", name: "files", multiple: true });
  const after = h("select", { name: "after_status" },
    h("option", { value: "", selected: true }, t("then: waiting for the customer")),
    h("option", { value: "keep" }, t("then: keep the status")),
    h("option", { value: "resolved" }, t("then: resolved")));
  const chosen = { template: "" };
  const picker = templatePicker(detail, (template, preview) => {
    chosen.template = String(template.id);
    editor.innerHTML = preview.html; // cleaned on the server when saved
    if (preview.subject) subject.value = preview.subject;
  });
  const signature = h("div", { class: "signature mine" });
  signature.innerHTML = draft.signature_html;
  const queueSignature = h("div", { class: "signature queue" });
  queueSignature.innerHTML = draft.queue_signature_html;
  const send = async (event) => {
    event.preventDefault();
    const form = new FormData();
    form.append("to", to.value);
    form.append("cc", cc.value);
    form.append("subject", subject.value);
    form.append("html", editor.innerHTML);
    form.append("template_id", chosen.template);
    form.append("after_status", after.value);
    for (const file of files.files) form.append("files", file, file.name);
    try {
      await api("POST", `/tickets/${encodeURIComponent(number)}/replies`, form);
      toast(t("Reply queued for sending."));
      redraw(await api("GET", `/tickets/${encodeURIComponent(number)}`));
    } catch (error) {
      toast(replyError(error), "error");
    }
  };
  holder.append(h("form", { name: "reply", class: "reply", onsubmit: send },
    h("div", { class: "row" },
      h("label", {}, t("To"), to), h("label", {}, t("CC"), cc), picker),
    h("label", {}, t("Subject"), subject),
    toolbar(editor), editor,
    h("div", { class: "signatures" },
      h("div", { class: "muted" }, t("Appended signature:"), " ",
        signatureEditor(signature, number)),
      signature, queueSignature),
    h("div", { class: "row" }, h("label", {}, t("Attachments"), files), after,
      h("button", { type: "submit", class: "primary" }, t("Send")))));
}

function replyError(error) {
  const messages = {
    "no-mailbox": t("This ticket's queue has no mailbox: e-mail replies are not possible."),
    "no-recipient": t("Give the recipient's e-mail address."),
    "invalid-address": t("An e-mail address is not valid."),
    "attachment-too-large": t("An attachment is too large."),
    "attachments-too-large": t("The attachments together are too large."),
    "invalid-transition": t("The ticket cannot take that status now."),
  };
  return messages[error.error] || `${t("Error")}: ${error.message}`;
}

// Pasted content arrives as plain text: no foreign styles or scripts in the reply.
function pastePlain(event) {
  event.preventDefault();
  const text = event.clipboardData?.getData("text/plain") || "";
  document.execCommand("insertText", false, text);
}

function toolbar(editor) {
  const command = (name, value) => () => {
    editor.focus();
    document.execCommand(name, false, value);
  };
  const url = h("input", { type: "url", name: "link-url", placeholder: "https://" });
  const link = () => {
    if (/^(https?:|mailto:)/.test(url.value.trim())) {
      command("createLink", url.value.trim())();
      url.value = "";
    } else toast(t("A link must start with https:// or mailto:"), "error");
  };
  const button = (name, label, action) => h("button", {
    type: "button", dataset: { command: name }, onmousedown: (e) => e.preventDefault(),
    onclick: action }, label);
  return h("div", { class: "toolbar row" },
    button("bold", t("Bold"), command("bold")),
    button("italic", t("Italic"), command("italic")),
    button("list", t("Bulleted list"), command("insertUnorderedList")),
    url, button("link", t("Insert link"), link),
    button("clear", t("Clear formatting"), command("removeFormat")));
}

function templatePicker(detail, inserted) {
  const select = h("select", { name: "template" },
    h("option", { value: "" }, t("Insert a template…")));
  const queue = detail.ticket.queue ? `&queue=${encodeURIComponent(detail.ticket.queue)}` : "";
  let templates = [];
  api("GET", `/reply-templates?active=true${queue}`).then((list) => {
    templates = list.items;
    select.append(...templates.map((item) => h("option", { value: String(item.id) }, item.name)));
  }, showError);
  select.addEventListener("change", async () => {
    const template = templates.find((item) => String(item.id) === select.value);
    if (!template) return;
    try {
      const preview = await api("POST", `/reply-templates/${template.id}/preview?ticket=${
        encodeURIComponent(detail.ticket.number)}`);
      inserted(template, preview);
    } catch (error) {
      showError(error);
    }
    select.value = "";
  });
  return h("label", {}, t("Template"), select);
}

// "Edit my signature": a small editor in place, saved with PUT /me/signature.
function signatureEditor(shown, number) {
  const holder = h("span", { class: "signature-edit" });
  const open = async () => {
    let current;
    try {
      current = (await api("GET", "/me/signature")).html;
    } catch (error) {
      showError(error);
      return;
    }
    const editor = h("div", { class: "editor small", contenteditable: "true",
                              "aria-label": t("My signature") });
    editor.innerHTML = current;
    editor.addEventListener("paste", pastePlain);
    const save = async () => {
      try {
        await api("PUT", "/me/signature", { html: editor.innerHTML });
        shown.innerHTML = (await api("GET", `/tickets/${encodeURIComponent(number)}/reply-draft`))
          .signature_html;
        toast(t("Signature saved."));
        clear(holder, opener);
      } catch (error) {
        toast(error.error === "invalid-signature"
          ? t("Unknown placeholder in the signature.") : `${t("Error")}: ${error.message}`,
        "error");
      }
    };
    clear(holder, editor, h("button", { type: "button", name: "save-signature", onclick: save },
      t("Save signature")));
  };
  const opener = h("button", { type: "button", name: "edit-signature", onclick: open },
    t("Edit my signature"));
  return clear(holder, opener);
}
