// What each node kind branches to: the same names as the Python model's edges(),
// so a simulated path's (node, branch) finds its edge in the picture.

const FIXED = {
  entry: [["next", "next"], ["anonymous", "anonymous"]],
  time_condition: [["open", "open"], ["closed", "closed"]],
  holiday: [["holiday", "holiday"], ["regular", "regular"]],
  vip: [["vip", "vip"], ["other", "other"]],
  announcement: [["next", "next"]],
  queue: [["timeout", "on_timeout"], ["full", "on_full"], ["empty", "on_empty"],
          ["survey", "survey"]],
  transfer: [["no_answer", "on_no_answer"], ["busy", "on_busy"]],
  callback: [["declined", "declined"], ["anonymous", "anonymous"]],
  voicemail: [],
  hangup: [],
  survey: [],
};

// [{branch, field, target}] of one node, targets that are set only.
export function edgesOf(node) {
  const found = [];
  if (node.kind === "menu") {
    for (const [digits, target] of Object.entries(node.options || {})) {
      found.push({ branch: `option ${digits}`, field: `options.${digits}`, target });
    }
    found.push({ branch: "fallback", field: "fallback", target: node.fallback });
  }
  for (const [branch, field] of FIXED[node.kind] || []) {
    found.push({ branch, field, target: node[field] });
  }
  return found.filter((edge) => typeof edge.target === "string" && edge.target !== "");
}

export const KINDS = ["entry", "time_condition", "holiday", "vip", "menu", "announcement",
                      "queue", "transfer", "voicemail", "callback", "hangup", "survey"];
