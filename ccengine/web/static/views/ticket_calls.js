// Calls from a ticket's page: click-to-call its customer (POST /tickets/{n}/call),
// the agent's phone rings first; the call and how it went land in the history.
// Also the history's name for a wrap-up's disposition. Part of ticket_view.js.
import { api, h, showError, t, toast } from "../app.js";

const CALLERS = new Set(["agent", "privileged_agent"]); // users with a phone

export function callCustomerButton(detail, ctx, redraw) {
  if (!CALLERS.has(ctx.user.role) || !detail.customer?.phone) return null;
  const number = detail.ticket.number;
  const button = h("button", { type: "button", class: "call-customer" }, t("Call the customer"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", `/tickets/${encodeURIComponent(number)}/call`);
      toast(t("Your phone rings; answer it to call the customer."));
      redraw(await api("GET", `/tickets/${encodeURIComponent(number)}`));
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

export function callKindName(kind) {
  return { disposition: t("Disposition") }[kind];
}
