// Names of things the API gives as ids: outcomes, speakers, flags, criteria.
// Every label is a t("...") literal so the catalogue extractor sees it.
import { fmtDuration, t } from "../../app.js";

const OUTCOMES = {
  answered: () => t("Answered"),
  external: () => t("Transferred out"),
  abandoned: () => t("Abandoned"),
  ivr_abandoned: () => t("Abandoned in IVR"),
  timeout: () => t("Queue timeout"),
  unanswered: () => t("Unanswered"),
  voicemail: () => t("Voicemail"),
};

const SPEAKERS = { klient: () => t("Caller"), agent: () => t("Agent") };

const CRITERIA = {
  greeting: () => t("Greeting"),
  identification: () => t("Identification"),
  resolution: () => t("Resolution"),
  tone: () => t("Tone"),
  closing: () => t("Closing"),
};

export const OUTCOME_IDS = Object.keys(OUTCOMES);
export const outcomeName = (id) => (OUTCOMES[id] ? OUTCOMES[id]() : id);
export const speakerName = (id) => (SPEAKERS[id] ? SPEAKERS[id]() : id);
export const criterionName = (c) => (CRITERIA[c.name] ? CRITERIA[c.name]() : c.label || c.name);

export function flagText(flag) {
  const at = fmtDuration(flag.at);
  if (flag.reason === "pii_number_lost") {
    return t("A number was lost after the word {kind} at {at}; 15 s after it are silenced",
             { kind: flag.kind || "PII", at });
  }
  if (flag.reason === "asr_loop") return t("Speech recognition repeated itself at {at}", { at });
  return `${flag.reason} (${at})`;
}

export function errorText(error) {
  return {
    "call-not-found": () => t("This call does not exist."),
    "invalid-body": () => t("The score is not valid: {detail}", { detail: error.message }),
    forbidden: () => t("You may not do this."),
  }[error.error]?.() || error.message || String(error);
}
