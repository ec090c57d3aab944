// The customer's satisfaction on a ticket: the timeline's CSAT entries (a score 1-5 by
// e-mail or on the phone, the masked comment) and the newest score as a badge in the
// header. Part of ticket_view.js.
import { h, t } from "../app.js";

export function csatKindName(kind) {
  return kind === "csat" ? t("Satisfaction") : null;
}

function channelName(channel) {
  return { email: t("e-mail survey"), ivr: t("phone survey") }[channel] || channel;
}

export function csatBadge(score) {
  return h("span", { class: "badge csat", title: t("Satisfaction score (1-5)") },
    `${"★".repeat(score)}${"☆".repeat(5 - score)} ${score}/5`);
}

export function csatContent(data) {
  return [csatBadge(data.score), " ", h("span", { class: "muted" }, channelName(data.channel)),
    data.agent ? h("span", { class: "muted" }, ` · ${data.agent}`) : null,
    data.comment ? h("p", { class: "csat-comment-text" }, data.comment) : null];
}

// [[label, value]] for the header: the newest score, if the customer gave one.
export function csatFacts(timeline) {
  const scores = (timeline || []).filter((entry) => entry.kind === "csat");
  if (!scores.length) return [];
  const newest = scores[scores.length - 1];
  return [[t("Satisfaction"), csatBadge(newest.data.score)]];
}
