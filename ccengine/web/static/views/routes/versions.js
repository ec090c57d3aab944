// Versions of the graph (open, publish a draft, roll back to an earlier published
// one), YAML download, and YAML import (a file or pasted text → a new draft).
import { fmtDateTime, h, t } from "../../app.js";
import { versionStatusName } from "./names.js";

export function versionsPanel(summary, current, actions) {
  const rows = [...summary.versions].reverse().map((info) => h("tr", {
    "data-version": info.version, class: info.version === current ? "current" : null },
    h("td", {}, String(info.version)),
    h("td", {}, h("span", { class: `badge ${info.status === "published" ? "ok" : ""}` },
                  versionStatusName(info.status) || info.status)),
    h("td", {}, fmtDateTime(info.created_at), h("div", { class: "muted" },
                                                   info.author || "", " ", info.comment || "")),
    h("td", { class: "actions" },
      h("button", { type: "button", onclick: () => actions.open(info.version) }, t("Open")),
      info.status === "draft" ? h("button", { type: "button",
        onclick: () => actions.publish(info.version) }, t("Publish")) : null,
      info.status === "retired" ? h("button", { type: "button", name: "rollback",
        onclick: () => actions.rollBack(info.version) }, t("Roll back")) : null)));
  return h("div", { class: "versions" }, h("h2", {}, t("Versions")),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, t("Status")),
                                      h("th", {}, t("Created")), h("th", {}, ""))),
      h("tbody", {}, rows)));
}

export function importPanel(onImport) {
  const area = h("textarea", { name: "yaml", rows: 14, placeholder: "name: ...\nnodes: ..." });
  const file = h("input", { type: "file", accept: ".yaml,.yml,text/yaml", onchange: async () => {
    if (file.files[0]) area.value = await file.files[0].text();
  } });
  return h("form", { class: "import", onsubmit: (event) => {
    event.preventDefault();
    if (area.value.trim()) onImport(area.value);
  } }, h("h2", {}, t("Import YAML")),
    h("p", { class: "muted" }, t("The graph is stored as a new draft version of its name.")),
    file, area, h("button", { type: "submit", class: "primary" }, t("Import")));
}

export function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/yaml" }));
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
