// Names people read for kinds and branches, through the catalogue at call time
// (the language can change while the module stays loaded).
import { t } from "../../app.js";

export function kindName(kind) {
  return {
    entry: t("Entry"), time_condition: t("Opening hours"), holiday: t("Holidays"),
    vip: t("VIP check"), menu: t("Menu"), announcement: t("Announcement"), queue: t("Queue"),
    transfer: t("Transfer"), voicemail: t("Voicemail"), callback: t("Callback"),
    hangup: t("Hang up"), survey: t("Satisfaction survey"),
  }[kind] || kind;
}

export function versionStatusName(status) {
  return { draft: t("draft"), published: t("published"), retired: t("retired") }[status];
}

export function branchName(branch) {
  if (branch.startsWith("option ")) return branch.slice(7);
  return {
    next: t("next"), anonymous: t("anonymous"), open: t("open"), closed: t("closed"),
    holiday: t("holiday"), regular: t("regular day"), vip: t("VIP"), other: t("other"),
    fallback: t("fallback"), timeout: t("timeout"), full: t("full"), empty: t("no agents"),
    no_answer: t("no answer"), busy: t("busy"), declined: t("declined"),
    survey: t("survey after the call"), scored: t("scored"), no_score: t("no score"),
  }[branch] || branch;
}
