// The customer's survey page (public, no login; the signed link in the path is the only
// key): the score chosen in the e-mail pre-selected from ?score=, a comment, submit,
// thanks. Standalone: the shell (app.js) is for signed-in users.
const main = document.getElementById("main");
const token = decodeURIComponent(location.pathname.split("/").pop() || "");
let messages = {};

function t(msgid, params) {
  const text = messages[msgid] || msgid;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));
}

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (typeof value === "boolean") node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) node.append(child);
  return node;
}

async function call(method, body) {
  const response = await fetch(`/api/v1/csat/${encodeURIComponent(token)}`, {
    method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined });
  const data = await response.json().catch(() => ({}));
  return { status: response.status, data };
}

function problem(status, data) {
  if (status === 409) return t("This survey has been answered already. Thank you!");
  if (status === 410) return t("This survey link has expired.");
  if (status === 404) return t("This survey link is not valid.");
  if (status === 429) return t("Too many tries. Please try again in a few minutes.");
  return data.message || t("Something went wrong. Please try again.");
}

function say(text, kind) {
  main.replaceChildren(h("div", { class: `csat-card ${kind || ""}` }, h("p", {}, text)));
}

function form(ticket) {
  const chosen = new URLSearchParams(location.search).get("score");
  const scores = [1, 2, 3, 4, 5].map((score) => h("label", { class: "csat-score" },
    h("input", { type: "radio", name: "score", value: String(score),
                 checked: String(score) === chosen }), h("span", {}, String(score))));
  const comment = h("textarea", { name: "comment", maxlength: "2000", rows: "4" });
  const error = h("p", { class: "csat-error", role: "alert" });
  const submit = h("button", { type: "submit" }, t("Send"));
  const element = h("form", { class: "csat-card" },
    h("h1", {}, t("How satisfied are you with our help?")),
    ticket ? h("p", { class: "csat-ticket" }, t("Ticket {number}", { number: ticket })) : "",
    h("p", { class: "muted" }, t("1 — poor, 5 — very good")),
    h("div", { class: "csat-scores" }, scores),
    h("label", { class: "csat-comment" }, t("Comment (optional)"), comment),
    error, submit);
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = element.querySelector("input[name=score]:checked");
    if (!picked) { error.textContent = t("Choose a score from 1 to 5."); return; }
    submit.disabled = true;
    const { status, data } = await call("POST", { score: Number(picked.value),
                                                  comment: comment.value || null });
    if (status === 200) say(t("Thank you for your answer!"), "done");
    else { error.textContent = problem(status, data); submit.disabled = status !== 400; }
  });
  return element;
}

async function start() {
  const lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "pl";
  try {
    messages = (await (await fetch(`/api/v1/i18n?locale=${lang}`)).json()).messages || {};
  } catch { messages = {}; }
  document.documentElement.lang = lang;
  const { status, data } = await call("GET");
  if (status !== 200) { say(problem(status, data), "refused"); return; }
  if (data.answered) { say(problem(409, data), "done"); return; }
  main.replaceChildren(form(data.ticket));
}

start();
