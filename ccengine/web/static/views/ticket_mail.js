// An e-mail on a ticket's timeline (email_in, email_out): from, to, cc and subject;
// the body (the server's sanitized HTML inside a sandboxed frame that may run no
// script, its cid: pictures mapped to the ticket's files; else the text); the quoted
// history folded; notes (a broken message kept whole, a file over the limit); the
// files as downloads. Part of ticket_view.js.
import { h, t } from "../app.js";

// What the message's frame may load: the ticket's own images and inline data images,
// its stylesheet; nothing else (no scripts, remote images, forms or plugins).
const FRAME_CSP = "default-src 'none'; img-src 'self' data:; style-src 'self'; "
  + "base-uri 'none'; form-action 'none'; object-src 'none'";
// No allow-scripts: nothing in the message runs; same origin only so the page can
// size the frame and its pictures load with the agent's session; links open apart.
const SANDBOX = "allow-same-origin allow-popups allow-popups-to-escape-sandbox";

export function mailKindName(kind) {
  return { email_in: t("E-mail received"), email_out: t("E-mail sent") }[kind];
}

export function mailContent(entry) {
  const mail = entry.mail;
  if (!mail) return h("p", {}, entry.body);
  return h("div", { class: "mail" },
    headers(mail),
    body(mail),
    mail.quoted_text ? h("details", { class: "mail-quoted" },
      h("summary", {}, t("Quoted history")), h("pre", {}, mail.quoted_text)) : null,
    mail.notes.length ? h("ul", { class: "mail-notes" },
      mail.notes.map((note) => h("li", {}, noteText(note)))) : null,
    files(mail));
}

// The parser writes its notes in English (ccengine/mail/parsing.py, mime_parts.py);
// the known ones are translated, any other is shown as written.
const OVERSIZE = /^Attachment “(.*)” \((.*)\) was not kept: over the (.*) limit\.$/;

function noteText(note) {
  const oversize = OVERSIZE.exec(note);
  if (oversize) {
    return t("Attachment “{name}” ({size}) was not kept: over the {limit} limit.",
      { name: oversize[1], size: oversize[2], limit: oversize[3] });
  }
  return t(note);
}

function headers(mail) {
  const from = mail.from_name
    ? `${mail.from_name} <${mail.from_address || ""}>` : mail.from_address || "—";
  return h("dl", { class: "mail-headers" },
    row(t("From"), from, "from"),
    row(t("To"), mail.to.join(", ") || "—", "to"),
    mail.cc.length ? row(t("Cc"), mail.cc.join(", "), "cc") : null,
    row(t("Subject"), mail.subject || t("(no subject)"), "subject"));
}

function row(label, value, name) {
  return h("div", { dataset: { field: name } }, h("dt", {}, label), h("dd", {}, value));
}

function body(mail) {
  if (!mail.html) return h("pre", { class: "mail-text" }, mail.text);
  const frame = h("iframe", { class: "mail-html", sandbox: SANDBOX, title: t("Message"),
                              referrerpolicy: "no-referrer" });
  frame.srcdoc = frameDocument(withPictures(mail.html, mail.attachments));
  frame.addEventListener("load", () => {
    fit(frame);
    for (const img of frame.contentDocument?.images || []) {
      img.addEventListener("load", () => fit(frame)); // a picture may make it taller
    }
  });
  return frame;
}

function frameDocument(html) {
  return "<!doctype html><html><head><meta charset=\"utf-8\">"
    + `<meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}">`
    + "<meta name=\"referrer\" content=\"no-referrer\"><base target=\"_blank\">"
    + "<link rel=\"stylesheet\" href=\"/static/css/mail_frame.css\">"
    + `</head><body>${html}</body></html>`;
}

// cid:<id> of an inline picture → the ticket's file, shown inline; an unknown id shows
// nothing (the server lets only cid: and data: pictures through).
function withPictures(html, attachments) {
  const urls = new Map(attachments.filter((file) => file.content_id)
    .map((file) => [file.content_id.replace(/^<|>$/g, ""), `${file.url}?inline=1`]));
  return html.replace(/src="cid:([^"]*)"/gi, (whole, id) => {
    const url = urls.get(decodeId(id));
    return url ? `src="${url}"` : "src=\"\"";
  });
}

function decodeId(id) {
  const text = id.replace(/&amp;/g, "&");
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function fit(frame) {
  try {
    const height = frame.contentDocument.body.getBoundingClientRect().height;
    frame.style.height = `${Math.min(Math.max(Math.ceil(height) + 24, 60), 1600)}px`;
  } catch {
    // a frame the page cannot read keeps its default height
  }
}

function files(mail) {
  if (!mail.attachments.length) return null;
  return h("div", { class: "mail-files" }, h("span", { class: "muted" }, t("Attachments")),
    h("ul", {}, mail.attachments.map((file) => h("li", {},
      h("a", { href: file.url, download: file.filename, class: "mail-file" }, file.filename),
      " ", h("span", { class: "muted" }, `(${size(file.size)})`)))));
}

function size(bytes) {
  if (bytes < 1024) return t("{size} B", { size: bytes });
  if (bytes < 1024 * 1024) return t("{size} KB", { size: (bytes / 1024).toFixed(1) });
  return t("{size} MB", { size: (bytes / (1024 * 1024)).toFixed(1) });
}
