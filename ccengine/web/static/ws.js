// The live channel: ONE websocket per tab, shared by the bell and the page's view.
// connect(topics, onMessage) adds a listener: the topics are subscribed to on the
// tab's socket (opened by the first listener, closed with the last), and every server
// message is handed to every listener (each picks the types it knows). The socket
// reconnects by itself (growing pauses with jitter, 0.5 s up to 15 s), subscribes
// again to every listener's topics, and then tells each listener {"type":
// "reconnected"} so it fetches what it may have missed. A socket that goes silent
// (no message, not even a pong, for SILENT_MS) is dropped and reopened: a half-open
// connection is noticed. Close code 4401 (no session): every listener gets
// {"type": "unauthorized"} and no retry is made.
//
// A listener's close() unsubscribes the topics no other listener wants: a view left
// behind gets nothing more, and the bell's socket stays up.
//
// Returns { close(), send(message), get connected() }.

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;
const PING_EVERY_MS = 15000;
const SILENT_MS = 40000;
const UNAUTHORIZED = 4401;

const listeners = new Set();
const shared = { socket: null, retry: null, pinger: null, failures: 0, everOpen: false,
                 lastHeard: 0, pings: 0 };

export function connect(topics, onMessage) {
  const listener = { topics: [...topics], onMessage };
  listeners.add(listener);
  if (isOpen()) sendNow({ type: "subscribe", topics: listener.topics });
  else if (!shared.socket && shared.retry === null) open();
  return {
    close() {
      if (!listeners.delete(listener)) return;
      const unwanted = listener.topics.filter((topic) => !wantedTopics().includes(topic));
      if (!listeners.size) shutDown();
      else if (unwanted.length) sendNow({ type: "unsubscribe", topics: unwanted });
    },
    send(message) {
      if (listeners.has(listener)) sendNow(message);
    },
    get connected() {
      return listeners.has(listener) && isOpen();
    },
  };
}

function wantedTopics() {
  return [...new Set([...listeners].flatMap((listener) => listener.topics))];
}

function isOpen() {
  return Boolean(shared.socket && shared.socket.readyState === WebSocket.OPEN);
}

function sendNow(message) {
  if (isOpen()) shared.socket.send(JSON.stringify(message));
}

function deliver(message) {
  for (const listener of [...listeners]) {
    try {
      listener.onMessage(message);
    } catch (error) {
      console.error("websocket message handler failed", error);
    }
  }
}

function shutDown() {
  clearTimeout(shared.retry);
  clearInterval(shared.pinger);
  shared.retry = null;
  const socket = shared.socket;
  shared.socket = null;
  shared.everOpen = false;
  shared.failures = 0;
  if (socket) socket.close(1000, "page closed");
}

function schedule() {
  if (!listeners.size || shared.retry !== null) return;
  const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** shared.failures);
  shared.failures += 1;
  shared.retry = setTimeout(() => { shared.retry = null; open(); },
                            delay * (0.8 + Math.random() * 0.4));
}

function watch() {
  clearInterval(shared.pinger);
  shared.pinger = setInterval(() => {
    if (!isOpen()) return;
    if (Date.now() - shared.lastHeard > SILENT_MS) {
      shared.socket.close(4000, "silent"); // the close handler reconnects
      return;
    }
    shared.pings += 1;
    sendNow({ type: "ping", id: shared.pings });
  }, PING_EVERY_MS);
}

function open() {
  if (!listeners.size) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const current = new WebSocket(`${scheme}://${location.host}/ws`);
  shared.socket = current;
  current.addEventListener("open", () => {
    if (shared.socket !== current) return;
    shared.lastHeard = Date.now();
    current.send(JSON.stringify({ type: "subscribe", topics: wantedTopics() }));
    shared.failures = 0;
    if (shared.everOpen) deliver({ type: "reconnected" });
    shared.everOpen = true;
    watch();
  });
  current.addEventListener("message", (event) => {
    if (shared.socket !== current) return;
    shared.lastHeard = Date.now();
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message && message.type !== "pong") deliver(message);
  });
  current.addEventListener("close", (event) => {
    if (shared.socket !== current) return; // shut down, or replaced already
    shared.socket = null;
    clearInterval(shared.pinger);
    if (event.code === UNAUTHORIZED) {
      deliver({ type: "unauthorized" });
      return;
    }
    schedule();
  });
}
