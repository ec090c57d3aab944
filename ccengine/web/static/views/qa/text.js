// Text with searched words marked, built from text nodes and <mark> (never HTML).
import { h } from "../../app.js";

export function highlighted(text, words) {
  const wanted = (words || "").toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (!wanted.length) return [text];
  const lower = text.toLocaleLowerCase();
  const parts = [];
  let at = 0;
  while (at < text.length) {
    const next = nextMatch(lower, wanted, at);
    if (!next) break;
    parts.push(text.slice(at, next.start), h("mark", {}, text.slice(next.start, next.end)));
    at = next.end;
  }
  parts.push(text.slice(at));
  return parts;
}

function nextMatch(lower, wanted, from) {
  let best = null;
  for (const word of wanted) {
    const start = lower.indexOf(word, from);
    if (start >= 0 && (!best || start < best.start)) best = { start, end: start + word.length };
  }
  return best;
}
