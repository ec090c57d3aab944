// The page shell: session, i18n, the API wrapper, DOM building and the router.
// Views are ES modules in ./views exporting render(root, ctx) and maybe dispose().
// Data only ever reaches the page through h()/textContent, never innerHTML.

import { startBell, stopBell } from "./bell.js";
import { leaveQueuesFirst } from "./leaving.js";
import { closeDrafts } from "./views/agent/drafts.js";

const state = { user: null, csrf: null, locale: "pl", timezone: "Europe/Warsaw", messages: {},
                view: null };

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.error = body && body.error;
    this.body = body; // e.g. a refused publish's list of issues
  }
}

export async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  const form = body instanceof FormData; // multipart: the browser sets its boundary
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  const response = await fetch(`/api/v1${path}`, {
    method, headers, credentials: "same-origin",
    body: body === undefined || form ? body : JSON.stringify(body),
  });
  const data = response.headers.get("Content-Type")?.includes("json") ? await response.json()
    : null;
  if (response.status === 401 && state.user) { state.user = null; navigate("/login"); }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// t("Hello {name}", {name}) — msgids are English; the catalogue gives Polish.
export function t(msgid, params) {
  const text = state.messages[msgid] || msgid;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));
}

export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      node.setAttribute(key, String(value));
    }
  }
  appendAll(node, children);
  return node;
}

function appendAll(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node, ...children) {
  node.replaceChildren();
  appendAll(node, children);
  return node;
}

// SVG elements for pictures (route graph, charts); attributes as given.
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else node.setAttribute(key, String(value));
  }
  appendAll(node, children);
  return node;
}

const dateTime = () => new Intl.DateTimeFormat(state.locale,
  { dateStyle: "short", timeStyle: "medium", timeZone: state.timezone });
const timeOnly = () => new Intl.DateTimeFormat(state.locale,
  { timeStyle: "medium", timeZone: state.timezone });

export const fmtDateTime = (iso) => (iso ? dateTime().format(new Date(iso)) : "");
export const fmtTime = (iso) => (iso ? timeOnly().format(new Date(iso)) : "");
export const fmtNumber = (n, options) => new Intl.NumberFormat(state.locale, options).format(n);
export const fmtPercent = (ratio) => fmtNumber(ratio, { style: "percent",
                                                        maximumFractionDigits: 1 });
export function fmtDuration(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  const mm = String(Math.floor(s / 60)).padStart(2, "0");
  return `${mm}:${String(s % 60).padStart(2, "0")}`;
}
export const session = () => ({ user: state.user, locale: state.locale,
                                timezone: state.timezone });

export function toast(message, kind = "info") {
  const note = h("div", { class: `toast ${kind}`, role: "status" }, message);
  document.getElementById("toasts").append(note);
  setTimeout(() => note.remove(), 5000);
}

export function showError(error) {
  toast(error instanceof ApiError ? `${t("Error")}: ${error.message}` : String(error), "error");
}

export function navigate(path) {
  if (location.hash === `#${path}`) route();
  else location.hash = `#${path}`;
}

// Which pages each role sees, in menu order; the first is its home page.
const MENUS = {
  agent: [["agent", "Console"], ["tickets", "Tickets"], ["customers", "Customers"],
          ["organisations", "Organisations"]],
  privileged_agent: [["agent", "Console"], ["tickets", "Tickets"], ["customers", "Customers"],
                     ["organisations", "Organisations"], ["wallboard", "Wallboard"],
                     ["csat", "Satisfaction"]],
  admin: [["tickets", "Tickets"], ["customers", "Customers"],
          ["organisations", "Organisations"], ["routes", "Routes"],
          ["sla", "Calendars and SLA"], ["wallboard", "Wallboard"], ["qa", "QA review"],
          ["automation", "Automation"], ["dispositions", "Dispositions"],
          ["ticket_admin", "Categories and fields"], ["channels", "Channels"],
          ["csat", "Satisfaction"], ["webhooks", "Webhooks"], ["reply_templates", "Reply templates"]],
  qa_lead: [["qa", "QA review"], ["tickets", "Tickets"], ["customers", "Customers"],
            ["organisations", "Organisations"], ["wallboard", "Wallboard"],
            ["csat", "Satisfaction"]],
};

async function loadCatalogue(locale) {
  const data = await api("GET", `/i18n?locale=${encodeURIComponent(locale)}`);
  Object.assign(state, { locale: data.locale, timezone: data.timezone,
                         messages: data.messages });
  document.documentElement.lang = data.locale;
}

async function loadSession() {
  try {
    const me = await api("GET", "/me");
    state.user = me.user || null;
    state.csrf = me.csrf_token || null;
  } catch (error) {
    state.user = null;
  }
  await loadCatalogue(state.user?.locale || localStorage.getItem("locale") || "pl");
}

export async function logIn(login, password) {
  const data = await api("POST", "/login", { login, password });
  state.user = data.user;
  state.csrf = data.csrf_token;
  await loadCatalogue(state.user.locale || "pl");
  renderChrome();
  navigate(`/${MENUS[state.user.role]?.[0]?.[0] || "tickets"}`);
}

async function logOut() {
  await leaveQueuesFirst(state.user);
  await closeDrafts(); // a shared workstation: the next user gets none of these notes
  try { await api("POST", "/logout"); } catch (error) { /* gone already */ }
  state.user = null;
  renderChrome();
  navigate("/login");
}

async function changeLanguage(event) {
  const locale = event.target.value;
  localStorage.setItem("locale", locale);
  if (state.user) await api("PUT", "/me/locale", { locale });
  if (state.user) state.user.locale = locale;
  await loadCatalogue(locale);
  renderChrome();
  route();
}

function renderChrome() {
  const top = document.getElementById("top");
  top.hidden = !state.user;
  document.getElementById("language").value = state.locale;
  document.getElementById("logout").textContent = t("Log out");
  const who = document.getElementById("who");
  clear(who, state.user ? `${state.user.display_name} · ${t(roleName(state.user.role))}` : "");
  const items = state.user ? MENUS[state.user.role] || [] : [];
  clear(document.getElementById("nav"), items.map(([name, label]) =>
    h("a", { href: `#/${name}`, dataset: { view: name } }, t(label))));
  if (state.user) startBell();
  else stopBell();
}

function roleName(role) {
  return { admin: "Administrator", agent: "Agent", privileged_agent: "Senior agent",
           qa_lead: "QA lead" }[role] || role;
}

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean)
    .map(decodeURIComponent);
  return { name: parts[0] || "", params: parts.slice(1) };
}

let routeSeq = 0;

// Each navigation renders into a fresh container: a slow view still rendering when the
// user moves on writes into its own detached container, never into the next page.
// A view with unsaved work (its unsaved() says so) is left only when the user
// agrees; otherwise the address goes back to it and nothing is rendered again.
let shownHash = null;
let stayingHash = null;

function mayLeave() {
  if (location.hash === stayingHash) { stayingHash = null; return false; }
  if (!state.view?.unsaved?.() || location.hash === shownHash) return true;
  if (window.confirm(t("This page has unsaved changes. Leave it and lose them?"))) return true;
  stayingHash = shownHash;
  location.hash = shownHash;
  return false;
}

async function route() {
  if (!mayLeave()) return;
  shownHash = location.hash;
  const { name, params } = parseHash();
  const seq = ++routeSeq;
  if (state.view?.dispose) state.view.dispose();
  state.view = null;
  const container = h("div", { class: "view" });
  clear(document.getElementById("main"), container);
  if (!state.user) {
    const login = await import("./views/login.js");
    if (seq === routeSeq) await login.render(container, { logIn });
    return;
  }
  const menu = MENUS[state.user.role] || [];
  const target = name || menu[0]?.[0] || "tickets";
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("active", link.dataset.view === target);
  }
  try {
    const view = await import(`./views/${target}.js`);
    if (seq !== routeSeq) return;
    state.view = view;
    await view.render(container, { user: state.user, params, navigate });
  } catch (error) {
    if (seq !== routeSeq) return;
    clear(container, h("p", { class: "empty" }, t("This page could not be shown.")));
    showError(error);
  }
}

async function start() {
  document.getElementById("logout").addEventListener("click", logOut);
  document.getElementById("language").addEventListener("change", changeLanguage);
  window.addEventListener("hashchange", route);
  window.addEventListener("beforeunload", (event) => {
    if (state.view?.unsaved?.()) event.preventDefault(); // the browser asks
  });
  await loadSession();
  renderChrome();
  await route();
  document.body.dataset.ready = "true"; // browser tests wait for this
}

start();
