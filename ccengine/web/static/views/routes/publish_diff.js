// Publishing asks first and shows what changes against the live (published)
// version: nodes added, removed and changed (with the fields), other settings.
import { h, t } from "../../app.js";

// Key order must not count as a change (the server and the forms write objects
// in different orders).
function stable(value) {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable(value[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function changedKeys(before, after) {
  const keys = new Set([...Object.keys(before || {}), ...Object.keys(after || {})]);
  return [...keys].filter((key) => stable(before?.[key]) !== stable(after?.[key])).sort();
}

// Lines a person reads: what publishing `after` changes in the live `before`.
export function graphDiff(before, after) {
  if (!before) return [t("Nothing is live yet: this becomes the first published version.")];
  const lines = [];
  const old = before.nodes || {};
  const now = after.nodes || {};
  for (const id of Object.keys(now).sort()) {
    if (!(id in old)) lines.push(t("Added node {id}", { id }));
    else {
      const fields = changedKeys(old[id], now[id]);
      if (fields.length) lines.push(t("Changed node {id}: {fields}", { id, fields: fields.join(", ") }));
    }
  }
  for (const id of Object.keys(old).sort()) {
    if (!(id in now)) lines.push(t("Removed node {id}", { id }));
  }
  const { nodes: _a, ...restBefore } = before;
  const { nodes: _b, ...restAfter } = after;
  for (const key of changedKeys(restBefore, restAfter)) {
    lines.push(t("Changed setting {key}", { key }));
  }
  return lines.length ? lines : [t("No changes against the live version.")];
}

// A modal dialog listing the changes; resolves true to publish.
export function confirmPublish(version, lines) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "publish-confirm" });
    const close = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    dialog.append(
      h("h2", {}, version ? t("Publish version {n}?", { n: version })
        : t("Save and publish these changes?")),
      h("p", {}, t("The next call takes the published version. Changes against the live version:")),
      h("ul", { class: "publish-diff" }, lines.map((line) => h("li", {}, line))),
      h("div", { class: "row" },
        h("button", { type: "button", name: "confirm-publish", class: "primary",
                      onclick: () => close(true) }, t("Publish")),
        h("button", { type: "button", name: "cancel-publish", onclick: () => close(false) },
          t("Cancel"))));
    dialog.addEventListener("cancel", () => close(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}
