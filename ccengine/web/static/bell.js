// The notification bell in the header of every page: an unread count, a dropdown list
// (unread first), "mark all read". New notifications arrive over the websocket topic
// "notifications" and bump the count; on (re)subscribing the server sends the count.

import { api, clear, fmtDateTime, h, navigate, showError, t, toast } from "./app.js";
import { connect } from "./ws.js";

const LIMIT = 20;
let live = null;
let unread = 0;

export function startBell() {
  stopBell();
  const root = document.getElementById("bell");
  root.hidden = false;
  const count = h("span", { class: "count", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "link bell-button",
                               "aria-label": t("Notifications"), "aria-expanded": "false",
                               onclick: () => toggle(panel, button) }, "🔔", count);
  const panel = h("div", { class: "bell-panel", hidden: true });
  clear(root, button, panel);
  setUnread(0);
  live = connect(["notifications"], (message) => onMessage(message, panel));
}

export function stopBell() {
  if (live) live.close();
  live = null;
  const root = document.getElementById("bell");
  if (root) { root.hidden = true; clear(root); }
}

function setUnread(value) {
  unread = Math.max(0, value);
  const count = document.querySelector("#bell .count");
  if (!count) return;
  count.textContent = unread ? String(unread) : "";
  count.hidden = !unread;
  document.getElementById("bell").dataset.unread = String(unread);
}

function onMessage(message, panel) {
  if (message.type === "notifications") setUnread(message.unread);
  else if (message.type === "notification") {
    setUnread(unread + 1);
    toast(message.notification.title);
    if (!panel.hidden) load(panel);
  } else if (message.type === "reconnected" && !panel.hidden) load(panel);
  else if (message.type === "unauthorized") stopBell();
}

async function toggle(panel, button) {
  panel.hidden = !panel.hidden;
  button.setAttribute("aria-expanded", String(!panel.hidden));
  if (!panel.hidden) await load(panel);
}

async function load(panel) {
  try {
    const page = await api("GET", `/notifications?limit=${LIMIT}`);
    setUnread(page.unread);
    clear(panel,
      h("div", { class: "bell-head" },
        h("strong", {}, t("Notifications")),
        h("button", { type: "button", class: "link mark-all", disabled: !page.unread,
                      onclick: () => markAll(panel) }, t("Mark all read"))),
      page.items.length ? h("ul", {}, page.items.map((item) => entry(item, panel)))
        : h("p", { class: "empty" }, t("No notifications")));
  } catch (error) {
    showError(error);
  }
}

function entry(item, panel) {
  return h("li", { class: item.read_at ? "read" : "unread", dataset: { id: item.id } },
    h("button", { type: "button", class: "link", onclick: () => open(item, panel) },
      h("span", { class: "title" }, item.title),
      h("span", { class: "body" }, item.body),
      h("time", { datetime: item.created_at }, fmtDateTime(item.created_at))));
}

async function open(item, panel) {
  try {
    if (!item.read_at) {
      await api("POST", `/notifications/${item.id}/read`);
      setUnread(unread - 1);
    }
    panel.hidden = true;
    if (item.ticket_number) navigate(`/tickets/${encodeURIComponent(item.ticket_number)}`);
  } catch (error) {
    showError(error);
  }
}

async function markAll(panel) {
  try {
    await api("POST", "/notifications/read-all");
    await load(panel); // the count and the list change together
  } catch (error) {
    showError(error);
  }
}
