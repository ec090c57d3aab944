// The pop's customer actions: open the caller's customer page, and name an unknown
// caller in two clicks (the button, then the name and Enter). The pop knows the
// number, not the customer id: the directory search by number finds it (the call
// itself made the customer when it rang); a number never seen becomes a new one.
import { api, clear, h, navigate, showError, t, toast } from "../../app.js";

async function customerOf(number) {
  const page = await api("GET", `/customers?q=${encodeURIComponent(number)}&per_page=1`);
  return page.items[0] || null;
}

async function openPage(number) {
  try {
    const customer = await customerOf(number);
    if (customer) navigate(`/customers/${customer.id}`);
    else toast(t("not a known customer"));
  } catch (error) {
    showError(error);
  }
}

async function saveName(number, name) {
  const customer = await customerOf(number);
  if (customer) await api("PATCH", `/customers/${customer.id}`, { name });
  else await api("POST", "/customers", { name, phones: [number] });
}

export function customerActions(pop, named) {
  const number = pop.caller_number;
  if (!number) return null;
  const holder = h("span", { class: "pop-customer-actions" });
  const pageLink = h("button", { type: "button", class: "link customer-page",
                                 onclick: () => openPage(number) }, t("Customer page"));
  const open = () => {
    const input = h("input", { name: "caller-name", required: true, maxlength: "200",
                               placeholder: t("Caller's name") });
    const save = async (event) => {
      event.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      try {
        await saveName(number, name);
        toast(t("Caller named."));
        named(name);
        clear(holder, pageLink); // named: no second naming from this pop
      } catch (error) {
        showError(error);
      }
    };
    clear(holder, h("form", { name: "name-caller", class: "inline", onsubmit: save }, input));
    input.focus();
  };
  const unnamed = !pop.customer?.name;
  return clear(holder,
    unnamed ? h("button", { type: "button", class: "name-caller-open", onclick: open },
      t("Name this caller")) : null,
    pageLink);
}
