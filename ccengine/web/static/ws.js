// The live channel: connect(topics, onMessage) opens /ws with the session cookie,
// subscribes, and hands every server message to onMessage. It reconnects by itself
// (growing pauses with jitter, 0.5 s up to 15 s), subscribes again, and then tells
// the view {"type": "reconnected"} so it fetches what it may have missed. A socket
// that goes silent (no message, not even a pong, for SILENT_MS) is dropped and
// reopened: a half-open connection is noticed. Close code 4401 (no session): the
// view gets {"type": "unauthorized"} and no retry is made.
//
// Returns { close(), send(message), get connected() }.

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;
const PING_EVERY_MS = 15000;
const SILENT_MS = 40000;
const UNAUTHORIZED = 4401;

export function connect(topics, onMessage) {
  let socket = null;
  let stopped = false;
  let failures = 0;
  let everOpen = false;
  let retry = null;
  let pinger = null;
  let lastHeard = 0;
  let pings = 0;

  const deliver = (message) => {
    try {
      onMessage(message);
    } catch (error) {
      console.error("websocket message handler failed", error);
    }
  };

  const schedule = () => {
    if (stopped || retry !== null) return;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** failures);
    failures += 1;
    retry = setTimeout(() => { retry = null; open(); }, delay * (0.8 + Math.random() * 0.4));
  };

  const watch = () => {
    clearInterval(pinger);
    pinger = setInterval(() => {
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      if (Date.now() - lastHeard > SILENT_MS) {
        socket.close(4000, "silent");  // the close handler reconnects
        return;
      }
      pings += 1;
      socket.send(JSON.stringify({ type: "ping", id: pings }));
    }, PING_EVERY_MS);
  };

  const open = () => {
    if (stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const current = new WebSocket(`${scheme}://${location.host}/ws`);
    socket = current;
    current.addEventListener("open", () => {
      lastHeard = Date.now();
      current.send(JSON.stringify({ type: "subscribe", topics }));
      failures = 0;
      if (everOpen) deliver({ type: "reconnected" });
      everOpen = true;
      watch();
    });
    current.addEventListener("message", (event) => {
      lastHeard = Date.now();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message && message.type !== "pong") deliver(message);
    });
    current.addEventListener("close", (event) => {
      if (socket === current) socket = null;
      clearInterval(pinger);
      if (stopped) return;
      if (event.code === UNAUTHORIZED) {
        deliver({ type: "unauthorized" });
        return;
      }
      schedule();
    });
  };

  open();
  return {
    close() {
      stopped = true;
      clearTimeout(retry);
      clearInterval(pinger);
      if (socket) socket.close(1000, "view closed");
      socket = null;
    },
    send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
    get connected() {
      return Boolean(socket && socket.readyState === WebSocket.OPEN);
    },
  };
}
