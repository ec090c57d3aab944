// Wrap-up drafts kept in the browser, one per call and user, so a half-written
// note survives a redraw, a visit to the ticket and a reload; a draft whose
// wrap-up is over (time ran out, the page was away) is saved on its ticket as a
// note. Keys carry the user's id: on a shared workstation the next person must
// never send (or read) the previous one's notes, and logging out clears them.
import { api, session, t, toast } from "../../app.js";

const PREFIX = "ccengine.wrapup."; // + "u<user id>." + the call's linkedid

function storage() {
  try { return window.localStorage; } catch { return null; } // storage may be refused
}

function userPrefix() {
  const id = session().user?.id;
  return id == null ? null : `${PREFIX}u${id}.`;
}

export function loadDraft(linkedid) {
  const prefix = userPrefix();
  if (!prefix) return null;
  try { return JSON.parse(storage()?.getItem(prefix + linkedid) || "null"); }
  catch { return null; }
}

// {ticket, note, status}: kept while the note has text, dropped once empty.
export function keepDraft(linkedid, draft) {
  const prefix = userPrefix();
  if (!prefix) return;
  if (!draft.note?.trim()) { dropDraft(linkedid); return; }
  storage()?.setItem(prefix + linkedid, JSON.stringify(draft));
}

export function dropDraft(linkedid) {
  const prefix = userPrefix();
  if (prefix) storage()?.removeItem(prefix + linkedid);
}

function keysUnder(prefix) {
  const store = storage();
  if (!store) return [];
  return Array.from({ length: store.length }, (_, i) => store.key(i))
    .filter((key) => key?.startsWith(prefix));
}

function draftCalls() {
  const prefix = userPrefix();
  return prefix ? keysUnder(prefix).map((key) => key.slice(prefix.length)) : [];
}

// Every draft but the call still in wrap-up goes onto its ticket as a note. The
// draft is taken out before the note is sent (another tab must not send it twice)
// and put back when the server fails, so nothing written is lost; a 403 or 404
// (not her ticket, or gone) will never succeed, so that draft is not kept.
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
    } catch (error) {
      if (error?.status !== 403 && error?.status !== 404) keepDraft(linkedid, draft);
    }
  }
}

// At logout: save what can be saved, then remove every draft left of this user
// (and any from before drafts carried a user id), so no note text stays behind.
export async function closeDrafts() {
  await saveLeftDrafts(null);
  const prefix = userPrefix();
  const legacy = keysUnder(PREFIX).filter((key) => !key.startsWith(`${PREFIX}u`));
  for (const key of [...(prefix ? keysUnder(prefix) : []), ...legacy]) {
    storage()?.removeItem(key);
  }
}
