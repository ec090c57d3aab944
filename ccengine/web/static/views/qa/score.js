// The score form (built from the configured criteria) and the list of past reviews.
import { api, fmtDateTime, fmtNumber, h, t, toast } from "../../app.js";
import { criterionName, errorText } from "./labels.js";

export function scoreForm(callId, criteria, onSaved) {
  const total = h("strong", { class: "qa-total" });
  const problem = h("p", { class: "error", role: "alert" });
  const inputs = criteria.criteria.map((c) => h("input", {
    type: "number", name: c.name, min: 0, max: c.max_points, step: 1, required: true,
    inputmode: "numeric", oninput: () => showTotal() }));
  const comment = h("textarea", { name: "comment", maxlength: 4000 });
  const button = h("button", { type: "submit", class: "primary" }, t("Save score"));
  const showTotal = () => {
    const sum = inputs.reduce((acc, input) => acc + (Number(input.value) || 0), 0);
    total.textContent = t("Total: {total} / {max}", { total: fmtNumber(sum),
                                                      max: fmtNumber(criteria.max_total) });
  };
  const form = h("form", { class: "card qa-score", onsubmit: async (event) => {
    event.preventDefault();
    problem.textContent = "";
    const scores = Object.fromEntries(inputs.map((input) => [input.name, Number(input.value)]));
    button.disabled = true;
    try {
      await api("POST", `/qa/calls/${callId}/reviews`, { scores, comment: comment.value });
      toast(t("Score saved."));
      form.reset();
      showTotal();
      await onSaved();
    } catch (error) {
      problem.textContent = errorText(error);
    } finally {
      button.disabled = false;
    }
  } },
  h("h2", {}, t("Score this call")),
  criteria.criteria.map((c, index) => h("label", { class: "qa-criterion" },
    h("span", {}, criterionName(c), " ",
      h("span", { class: "muted" }, t("(0–{max})", { max: fmtNumber(c.max_points) }))),
    inputs[index])),
  h("label", {}, t("Comment"), comment), total, button, problem);
  showTotal();
  return form;
}

export function reviewList(reviews, criteria) {
  if (!reviews.length) return h("p", { class: "empty" }, t("Not reviewed yet."));
  const names = Object.fromEntries(criteria.criteria.map((c) => [c.name, criterionName(c)]));
  return h("ul", { class: "qa-review-list" }, [...reviews].reverse().map((review) => h("li", {},
    h("div", { class: "row" },
      h("strong", {}, `${fmtNumber(review.total)} / ${fmtNumber(review.max_total)}`),
      h("span", {}, review.reviewer),
      h("span", { class: "muted" }, fmtDateTime(review.created_at))),
    h("div", { class: "qa-review-scores" }, review.scores.map((s) => h("span", { class: "badge" },
      `${names[s.criterion] || s.criterion}: ${fmtNumber(s.points)}/${fmtNumber(s.max_points)}`))),
    review.comment ? h("p", {}, review.comment) : null)));
}
