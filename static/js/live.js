/* Lotsennetz live connections: the one WebSocket client every page uses.
 *
 * It owns what the four scripts used to do each in their own way: the socket
 * URL, exponential backoff with full jitter (capped), the close-code policy of
 * docs/api.md and the hook for resuming after a reconnect.
 *
 *   4401 not authenticated, 4403 not allowed, 4404 no such thing, and any other
 *   4400-4499: the server refuses; asking again would get the same answer, so
 *   the connection stops for good (onRefused tells the page).
 *   Everything else (1000 normal, 1001 going away, 1006 lost, 1011 ...): the
 *   server or the network went away; reconnect after the backoff delay.
 *
 * Plain ES module, no build step.
 */

export const CLOSE_NOT_AUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_NOT_FOUND = 4404;

/** True for a close code after which the same request would be refused again. */
export function isRefusal(code) {
  return code >= 4400 && code < 4500;
}

/**
 * Full jitter: a random delay between 0 and min(cap, base * 2^attempt), never below floor.
 * The cap is 15 s: a refused attempt costs the server next to nothing, and with 30 s
 * the unluckiest sockets of a restarted process came back only after 34 s (issue 22).
 */
export function backoffDelay(attempt, { base = 1000, cap = 15000, floor = 250, random = Math.random } = {}) {
  const ceiling = Math.min(cap, base * Math.pow(2, Math.max(0, attempt)));
  return Math.max(floor, Math.floor(random() * ceiling));
}

/**
 * The delay before retry number `attempt` (0: the first after a loss).
 *
 * When a server process restarts, all its sockets lose their connection in the
 * same instant; if they all came back within one second they would knock at
 * once. So the first retry is spread evenly over `spread` milliseconds (3 s),
 * later ones follow the backoff above.
 */
export function reconnectDelay(attempt, { spread = 3000, floor = 250, random = Math.random, ...backoff } = {}) {
  if (attempt <= 0) {
    return floor + Math.floor(random() * Math.max(0, spread - floor));
  }
  return backoffDelay(attempt, { floor, random, ...backoff });
}

/** The ws(s):// URL of a path on this page's own host. */
export function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  return scheme + window.location.host + path;
}

/**
 * Open a live connection to `path` and keep it open.
 *
 * options:
 *   onMessage(frame)         every JSON frame (frames that are not JSON are dropped)
 *   onOpen(resumed)          the socket is open; `resumed` is true after a reconnect,
 *                            the moment to ask for what was missed
 *   onRetry(delayMs, n)      the socket closed and the n-th retry comes after delayMs
 *   onRefused(code)          the server refused (4401, 4403, 4404, ...): no more retries
 *   onGiveUp()               maxAttempts retries in a row failed
 *   base, cap                backoff in milliseconds (1 s doubling up to 15 s)
 *   spread                   the first retry comes at a random moment within this
 *                            many milliseconds (3 s), so that the sockets of a
 *                            restarted server do not all come back at once
 *   maxAttempts              retries in a row before giving up (unlimited by default)
 *   stableMs                 a socket open this long resets the backoff (5 s)
 *
 * Returns {send(frame), healthy(), close(), get refused, get open}.
 */
export function connect({
  path,
  onMessage = () => {},
  onOpen = () => {},
  onRetry = () => {},
  onRefused = () => {},
  onGiveUp = () => {},
  base = 1000,
  cap = 15000,
  spread = 3000,
  maxAttempts = Infinity,
  stableMs = 5000,
} = {}) {
  let socket = null;
  let attempts = 0;
  let opened = 0;
  let everOpen = false;
  let stopped = false;
  let refused = false;
  let timer = null;

  function open() {
    timer = null;
    if (stopped) { return; }
    socket = new WebSocket(socketUrl(path));
    socket.addEventListener("open", () => {
      opened = Date.now();
      const resumed = everOpen;
      everOpen = true;
      onOpen(resumed);
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      onMessage(frame);
    });
    socket.addEventListener("close", (event) => {
      if (opened && Date.now() - opened >= stableMs) { attempts = 0; }
      opened = 0;
      if (stopped) { return; }
      if (isRefusal(event.code)) {
        stopped = true;
        refused = true;
        onRefused(event.code);
        return;
      }
      if (attempts >= maxAttempts) {
        stopped = true;
        onGiveUp();
        return;
      }
      const delay = reconnectDelay(attempts, { base, cap, spread });
      attempts += 1;
      onRetry(delay, attempts);
      timer = window.setTimeout(open, delay);
    });
  }

  if (!("WebSocket" in window)) {
    return { send: () => false, healthy() {}, close() {}, get refused() { return false; }, get open() { return false; } };
  }
  open();

  return {
    /** Send one frame as JSON; false when the socket is not open (the caller retries later). */
    send(frame) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(frame));
        return true;
      }
      return false;
    },
    /** The server said the session is fully set up: the next loss starts the backoff afresh. */
    healthy() { attempts = 0; },
    /** Close for good (no reconnect). */
    close() {
      stopped = true;
      window.clearTimeout(timer);
      if (socket) { socket.close(1000); }
    },
    get refused() { return refused; },
    get open() { return Boolean(socket) && socket.readyState === WebSocket.OPEN; },
  };
}
