// Dispositions (admins): the reason codes agents choose at wrap-up, with their Polish
// and English labels, an optional queue and the active flag (never deleted: old
// wrap-ups and reports keep pointing at them); and how often each was chosen lately.
import { api, clear, h, session, showError, t, toast } from "../app.js";

export async function render(root) {
  const list = h("div", { class: "dispositions" });
  const counts = h("div", { class: "disposition-counts" });
  root.append(h("h1", {}, t("Dispositions")), list, addForm(() => load(list, counts)),
    h("h2", {}, t("Chosen in the last 24 hours")), counts);
  await load(list, counts);
}

async function load(list, counts) {
  try {
    const [all, report] = await Promise.all([api("GET", "/dispositions"),
                                             api("GET", "/reports/dispositions")]);
    clear(list, table(all.items));
    clear(counts, report.items.length ? countTable(report.items)
      : h("p", { class: "empty" }, t("Nothing yet.")));
  } catch (error) {
    showError(error);
  }
}

function label(item) {
  return session().locale === "en" ? item.label_en : item.label_pl;
}

function table(items) {
  if (!items.length) return h("p", { class: "empty" }, t("No dispositions yet."));
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, [t("Code"), t("Polish label"), t("English label"), t("Queue"),
                                t("Active")].map((name) => h("th", {}, name)))),
    h("tbody", {}, items.map((item) => h("tr", { dataset: { code: item.code } },
      h("td", {}, item.code), h("td", {}, item.label_pl), h("td", {}, item.label_en),
      h("td", {}, item.queue || t("every queue")), h("td", {}, activeBox(item))))));
}

function activeBox(item) {
  const box = h("input", { type: "checkbox", name: "active", checked: item.active });
  box.addEventListener("change", async () => {
    try {
      await api("PATCH", `/dispositions/${encodeURIComponent(item.code)}`,
        { active: box.checked });
      toast(t("Saved."));
    } catch (error) {
      box.checked = item.active;
      showError(error);
    }
  });
  return box;
}

function addForm(reload) {
  const input = (name, placeholder) => h("input", { type: "text", name, placeholder,
                                                    required: name !== "queue" });
  const code = input("code", "sold");
  const pl = input("label_pl", "Sprzedaż");
  const en = input("label_en", "Sold");
  const queue = input("queue", t("every queue"));
  const add = async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/dispositions", { code: code.value.trim(), label_pl: pl.value,
                                           label_en: en.value,
                                           queue: queue.value.trim() || null });
      for (const field of [code, pl, en, queue]) field.value = "";
      toast(t("Saved."));
      await reload();
    } catch (error) {
      showError(error);
    }
  };
  return h("form", { class: "card row", name: "new-disposition", onsubmit: add },
    h("label", {}, t("Code"), code), h("label", {}, t("Polish label"), pl),
    h("label", {}, t("English label"), en), h("label", {}, t("Queue"), queue),
    h("button", { type: "submit", class: "primary" }, t("Add disposition")));
}

function countTable(items) {
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, [t("Disposition"), t("Queue"), t("Count")]
      .map((name) => h("th", {}, name)))),
    h("tbody", {}, items.map((item) => h("tr", {},
      h("td", {}, `${item.code} — ${label(item)}`), h("td", {}, item.queue || "—"),
      h("td", {}, String(item.count))))));
}
