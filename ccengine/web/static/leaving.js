// Before the page logs out: an agent still logged in to her queues would go on
// ringing with nobody at the page. She is asked; she leaves the queues, or is told
// she stays in them.
import { api, t, toast } from "./app.js";

const AGENT_ROLES = new Set(["agent", "privileged_agent"]);

export async function leaveQueuesFirst(user) {
  if (!AGENT_ROLES.has(user?.role)) return;
  let state = null;
  try { state = (await api("GET", "/agent/state")).agent?.state; } catch { return; }
  if (!state || state === "logged_out") return;
  if (window.confirm(t("You are logged in to your queues: calls will keep ringing your phone. Log out of the queues too?"))) {
    try {
      await api("POST", "/agent/logout", {});
      toast(t("You are logged out of your queues."));
    } catch {
      toast(t("Logging out of the queues failed: calls may still ring your phone."), "error");
    }
  } else {
    toast(t("You stay logged in to your queues: calls keep ringing your phone."));
  }
}
