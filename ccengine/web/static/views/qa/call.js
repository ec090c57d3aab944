// One call for QA: facts, the redacted recording, the masked transcript that follows
// the audio (the segment being played is highlighted; clicking a segment seeks), flags,
// the score form and past reviews.
import { api, fmtDateTime, fmtDuration, fmtNumber, h, showError, t } from "../../app.js";
import { errorText, flagText, outcomeName, speakerName } from "./labels.js";
import { reviewList, scoreForm } from "./score.js";

const UNPLAYABLE = () => t("The recording cannot be played: it is missing or not yet redacted.");

let current = null; // { audio } of the call on screen

export async function render(root, { user, navigate }, callId) {
  let detail;
  let criteria;
  try {
    [detail, criteria] = await Promise.all([api("GET", `/qa/calls/${encodeURIComponent(callId)}`),
                                            api("GET", "/qa/criteria")]);
  } catch (error) {
    root.append(back(navigate), h("p", { class: "error" }, errorText(error)));
    return;
  }
  const { call, transcript } = detail;
  const player = audioPlayer(call);
  const reviews = h("div", { class: "qa-reviews" }, reviewList(detail.reviews, criteria));
  const canScore = user.role === "qa_lead" || user.role === "admin";
  const onSaved = async () => {
    const fresh = await api("GET", `/qa/calls/${call.id}`).catch(showError);
    if (fresh) reviews.replaceChildren(reviewList(fresh.reviews, criteria));
  };
  root.append(back(navigate),
    h("div", { class: "qa-call" },
      h("div", { class: "qa-main" }, facts(call), player.card,
        transcriptCard(transcript, player.audio)),
      h("div", { class: "qa-side" }, flagsCard(transcript, player.audio),
        canScore ? scoreForm(call.id, criteria, onSaved) : null,
        h("section", { class: "card" }, h("h2", {}, t("Reviews")), reviews))));
}

export function dispose() {
  current?.audio.pause();
  current = null;
}

function back(navigate) {
  return h("p", {}, h("a", { href: "#/qa", onclick: (event) => {
    event.preventDefault();
    navigate("/qa");
  } }, "← ", t("Back to the list")));
}

function facts(call) {
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value ?? "—")];
  const route = call.route?.path?.map((step) => `${step.node}: ${step.branch}`).join(" → ");
  return h("section", { class: "card" },
    h("h1", {}, call.caller_name || call.caller_number || t("Unknown caller")),
    h("dl", { class: "qa-facts" },
      row(t("Caller"), call.caller_number), row(t("Queue"), call.queue),
      row(t("Agent"), call.agent), row(t("Outcome"), outcomeName(call.outcome)),
      row(t("Started"), fmtDateTime(call.started_at)),
      row(t("Duration"), fmtDuration(call.duration)),
      row(t("Talk time"), call.talk_seconds == null ? null : fmtDuration(call.talk_seconds)),
      row(t("Ticket"), call.ticket ? h("a", { href: `#/tickets/${encodeURIComponent(call.ticket)}` },
                                        call.ticket) : null),
      row(t("Route"), route || null)));
}

function audioPlayer(call) {
  const card = h("section", { class: "card qa-player" }, h("h2", {}, t("Recording")));
  if (!call.recording) {
    card.append(h("p", { class: "empty" }, t("This call was not recorded.")));
    return { card, audio: null };
  }
  const problem = h("p", { class: "error", role: "alert" });
  const audio = h("audio", { controls: true, preload: "metadata", src: call.recording,
                             onerror: () => { problem.textContent = UNPLAYABLE(); } });
  card.append(audio, h("p", { class: "muted" },
    t("Masked numbers are silenced in this recording.")), problem);
  return { card, audio };
}

function transcriptCard(transcript, audio) {
  const card = h("section", { class: "card" }, h("h2", {}, t("Transcript")));
  if (!transcript) {
    card.append(h("p", { class: "empty" }, t("No transcript yet.")));
    return card;
  }
  if (!transcript.segments.length) {
    card.append(h("p", { class: "empty" }, t("No speech was recognised in this call.")));
    return card;
  }
  const rows = transcript.segments.map((segment, index) => h("li", {
    class: `qa-segment speaker-${segment.speaker}`, dataset: { index, start: segment.start },
    tabindex: 0, title: t("Play from here"),
    onclick: () => seek(audio, segment.start),
    onkeydown: (event) => { if (event.key === "Enter") seek(audio, segment.start); },
  },
  h("span", { class: "qa-time" }, fmtDuration(segment.start)),
  h("span", { class: "qa-speaker" }, speakerName(segment.speaker)),
  h("span", { class: "qa-text" }, segment.text)));
  const list = h("ol", { class: "qa-transcript" }, rows);
  card.append(list);
  if (audio) follow(audio, transcript.segments, rows);
  return card;
}

function follow(audio, segments, rows) {
  let playing = -1;
  const onTime = () => {
    const index = segmentAt(segments, audio.currentTime);
    if (index === playing) return;
    rows[playing]?.classList.remove("playing");
    playing = index;
    rows[playing]?.classList.add("playing");
    rows[playing]?.scrollIntoView({ block: "nearest" });
  };
  for (const event of ["timeupdate", "seeked"]) audio.addEventListener(event, onTime);
  current = { audio };
}

// The segment under the play head: the last one started, while it lasts.
function segmentAt(segments, time) {
  let found = -1;
  segments.forEach((segment, index) => {
    if (segment.start <= time + 0.05 && time < segment.end) found = index;
  });
  return found;
}

function seek(audio, seconds) {
  if (!audio) return;
  audio.currentTime = seconds;
  audio.play().catch(() => { /* the user can press play; seeking already happened */ });
}

function flagsCard(transcript, audio) {
  const card = h("section", { class: "card qa-flags" }, h("h2", {}, t("Flags")));
  const flags = transcript?.flags || [];
  if (!flags.length) {
    card.append(h("p", { class: "empty" }, t("No flags.")));
    return card;
  }
  card.append(h("ul", {}, flags.map((flag) => h("li", {},
    h("button", { type: "button", class: "link-like", onclick: () => seek(audio, flag.at) },
      flagText(flag))))));
  if (transcript.redacted_seconds) {
    card.append(h("p", { class: "muted" }, t("{seconds} s of the recording are silenced.",
                                             { seconds: fmtNumber(transcript.redacted_seconds, { maximumFractionDigits: 1 }) })));
  }
  return card;
}
