// QA review: #/qa is the call list (all calls, or the flagged queue); #/qa/<call_id>
// is one call: the redacted recording, the masked transcript following it, scores.
import { h } from "../app.js";

let current = null; // the view on screen, for dispose()

export async function render(root, ctx) {
  root.append(h("link", { rel: "stylesheet", href: "/static/css/qa.css" }));
  const [callId] = ctx.params;
  const view = callId ? await import("./qa/call.js") : await import("./qa/list.js");
  current = view;
  await view.render(root, ctx, callId);
}

export function dispose() {
  current?.dispose?.();
  current = null;
}
