// Words and clocks the console's parts share: state and reason labels, readable
// API errors, and elapsed time that survives a clock which is not the browser's.
import { ApiError, fmtDuration, h, t } from "../../app.js";

export function stateLabel(state) {
  switch (state) {
    case "available": return t("Available");
    case "ringing": return t("Ringing");
    case "in_call": return t("In a call");
    case "wrap_up": return t("Wrap-up");
    case "paused": return t("Paused");
    case "logged_out": return t("Logged out");
    default: return state || t("Unknown");
  }
}

// Reasons are configurable: the known ones are translated, others shown as given.
export function reasonLabel(reason) {
  switch (reason) {
    case "break": return t("Break");
    case "lunch": return t("Lunch");
    case "training": return t("Training");
    case "back_office": return t("Back office");
    default: return reason || "";
  }
}

export function outcomeLabel(outcome) {
  switch (outcome) {
    case "reached": return t("Reached");
    case "no_answer": return t("No answer");
    case "busy": return t("Busy");
    case "wrong_number": return t("Wrong number");
    case "agent_unreachable": return t("Your phone did not answer");
    case "pbx_failed": return t("The phone system failed");
    default: return outcome || "";
  }
}

export function ticketStatusLabel(status) {
  switch (status) {
    case "new": return t("New ticket");
    case "in_progress": return t("Still in progress");
    case "waiting_for_customer": return t("Waiting for the customer");
    case "resolved": return t("Resolved, the customer may still answer");
    case "closed": return t("Resolved, close the ticket");
    default: return status || "";
  }
}

// What a person can do about an API error, in their language.
export function errorText(error) {
  if (!(error instanceof ApiError)) return t("The server cannot be reached. Check the connection.");
  switch (error.error) {
    case "pbx-unavailable":
    case "engine-unavailable":
      return t("The phone system is not reachable right now. Try again in a moment.");
    case "no-sip-interface":
    case "no-interface":
      return t("Your account has no phone (SIP interface). Ask an administrator.");
    case "pbx-refused":
      return t("The phone system refused: {message}", { message: error.message });
    case "unknown-queue":
      return t("You are not a member of any queue in the published routes.");
    case "invalid-reason":
      return t("This pause reason is not configured.");
    case "no-number":
      return t("This ticket has no phone number to call back.");
    case "attempt-not-found":
      return t("This callback attempt is not known any more. Refresh the list.");
    case "not-a-user":
      return t("The console needs a user's login, not an API token.");
    case "not-logged-in":
      return t("Log in to your queues first.");
    case "not-in-wrap-up":
      return t("There is no call to wrap up.");
    case "callback-not-found":
      return t("This callback is no longer on the list.");
    case "ticket-not-found":
      return t("This ticket cannot be found.");
    case "not-your-call":
      return t("This ticket is not the call you are wrapping up.");
    case "not-a-callback":
      return t("This ticket is not an open callback any more.");
    case "in-wrap-up":
      return t("Finish the wrap-up of your last call first, then call back.");
    case "on-a-call":
      return t("You are on a call. Call back when it has ended.");
    case "callback-held":
      return t("Someone else is already calling this customer back.");
    case "not-your-attempt":
      return t("Only the agent who made this attempt can record its outcome.");
    case "static-member":
      return t("You are a fixed member of a queue in the phone system and cannot log out here. Ask an administrator.");
    case "forbidden":
      return t("You are not allowed to do this.");
    default:
      return t("Something went wrong: {message}", { message: error.message });
  }
}

// Seconds since ``iso``, when that clock agrees with ours; otherwise since
// ``fallbackMs`` (when we heard of it). Replayed calls carry the PBX's own time.
export function startOf(iso, fallbackMs) {
  const at = iso ? Date.parse(iso) : NaN;
  const age = Date.now() - at;
  return Number.isFinite(at) && age >= -5000 && age < 12 * 3600 * 1000 ? at : fallbackMs;
}

// A counting clock from ``from`` (epoch ms); the console's ticker moves it on.
export function clock(from) {
  return h("span", { class: "clock", dataset: { from } },
    fmtDuration((Date.now() - from) / 1000));
}

// A clock counting down to ``until`` (epoch ms), stopping at zero.
export function countdown(until) {
  return h("span", { class: "clock", dataset: { until } },
    fmtDuration(Math.max(0, until - Date.now()) / 1000));
}
