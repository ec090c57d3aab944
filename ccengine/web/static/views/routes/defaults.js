// A new node of each kind: every field the model knows, targets left to choose.

export function newNode(kind, graph) {
  const firstQueue = Object.keys(graph.queues)[0] || "";
  const firstTrunk = Object.keys(graph.trunks)[0] || "";
  const fields = {
    entry: { dids: ["+48"], callers: [], anonymous: null, next: "" },
    time_condition: { hours: { mon: ["08:00-16:00"], tue: ["08:00-16:00"],
                               wed: ["08:00-16:00"], thu: ["08:00-16:00"],
                               fri: ["08:00-16:00"] },
                      timezone: null, override: null, open: "", closed: "" },
    holiday: { country: "PL", public: true, custom: [], timezone: null, holiday: "",
               regular: "" },
    vip: { numbers: [], customers: true, priority: 10, vip: "", other: "" },
    menu: { prompt: "menu", options: { 1: "" }, timeout_seconds: 5, max_digits: 1, attempts: 3,
            invalid_prompt: null, timeout_prompt: null, fallback: "" },
    announcement: { prompt: "welcome", next: "" },
    queue: { queue: firstQueue, prompt: null, max_wait_seconds: 300, priority: null,
             ticket_priority: null, on_timeout: null, on_full: null, on_empty: null,
             survey: null },
    transfer: { trunk: firstTrunk, number: "+48", prompt: null, ring_seconds: 30,
                on_no_answer: null, on_busy: null },
    voicemail: { prompt: "voicemail", max_seconds: 120, goodbye: null },
    callback: { prompt: "callback", confirm_digit: "1", goodbye: null, declined: null,
                anonymous: null },
    hangup: { prompt: null },
    survey: { prompt: "survey", timeout_seconds: 5, attempts: 2, invalid_prompt: "invalid",
              goodbye: "survey-thanks" },
  }[kind];
  return { kind, label: null, ...fields };
}
