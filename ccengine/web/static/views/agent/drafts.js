// Wrap-up drafts kept in the browser, one per call, so a half-written note
// survives a redraw, a visit to the ticket and a reload; a draft whose wrap-up
// is over (time ran out, the page was away) is saved on its ticket as a note.
import { api, t, toast } from "../../app.js";

const PREFIX = "ccengine.wrapup."; // + the call's linkedid

function storage() {
  try { return window.localStorage; } catch { return null; } // storage may be refused
}

export function loadDraft(linkedid) {
  try { return JSON.parse(storage()?.getItem(PREFIX + linkedid) || "null"); }
  catch { return null; }
}

// {ticket, note, status}: kept while the note has text, dropped once empty.
export function keepDraft(linkedid, draft) {
  if (!draft.note?.trim()) { dropDraft(linkedid); return; }
  storage()?.setItem(PREFIX + linkedid, JSON.stringify(draft));
}

export function dropDraft(linkedid) {
  storage()?.removeItem(PREFIX + linkedid);
}

function draftCalls() {
  const store = storage();
  if (!store) return [];
  return Array.from({ length: store.length }, (_, i) => store.key(i))
    .filter((key) => key?.startsWith(PREFIX)).map((key) => key.slice(PREFIX.length));
}

// Every draft but the call still in wrap-up goes onto its ticket as a note. The
// draft is taken out before the note is sent (another tab must not send it twice)
// and put back when the server refuses, so nothing written is lost.
export async function saveLeftDrafts(openLinkedid) {
  for (const linkedid of draftCalls()) {
    if (linkedid === openLinkedid) continue;
    const draft = loadDraft(linkedid);
    dropDraft(linkedid);
    if (!draft?.ticket || !draft.note?.trim()) continue;
    try {
      await api("POST", `/tickets/${encodeURIComponent(draft.ticket)}/notes`,
                { body: draft.note });
      toast(t("Your unfinished note was saved on ticket {number}.", { number: draft.ticket }));
    } catch {
      keepDraft(linkedid, draft);
    }
  }
}
