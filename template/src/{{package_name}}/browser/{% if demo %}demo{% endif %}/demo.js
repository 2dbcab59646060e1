// @ts-check
/**
 * The demo page: a small chat on the browser client (`/client.js`), with no build step.
 *
 * It joins `lobby` on load and shows, per room, the latest messages (from `history`), the
 * live ones, and who is there (`presence`). Everything the client does for an application
 * shows on the page: the connection indicator follows its states, a reconnect rejoins every
 * room and catches up, a gap reloads the room's history, and a message is drawn as sent until
 * its echo confirms it. Every text is set with `textContent`, never as HTML.
 */
import { ServiceClient, ServiceError } from "./client.js";

/** Messages shown when a room is opened, and after a gap. */
const RECENT = 50;
/** Milliseconds between two presence refreshes of the open room. */
const PRESENCE_REFRESH = 5_000;
/** Lines a room keeps on the page; older ones are dropped. */
const KEPT = 500;
/** Milliseconds between two presence requests at the most, whatever asks for them. */
const PRESENCE_SPACING = 1_000;

/**
 * @template {Element} T
 * @param {string} selector
 * @param {new () => T} kind
 * @returns {T}
 */
function element(selector, kind) {
  const found = document.querySelector(selector);
  if (!(found instanceof kind)) throw new Error(`the page has no ${selector}`);
  return found;
}

const page = {
  state: element(".state", HTMLElement),
  stateText: element(".state-text", HTMLElement),
  roomList: element(".room-list", HTMLUListElement),
  joinForm: element(".join-form", HTMLFormElement),
  roomName: element("#room-name", HTMLInputElement),
  roomTitle: element(".room-title", HTMLElement),
  leave: element(".leave", HTMLButtonElement),
  messages: element(".messages", HTMLOListElement),
  composer: element(".composer", HTMLFormElement),
  text: element("#message-text", HTMLInputElement),
  send: element(".composer button", HTMLButtonElement),
  memberCount: element(".member-count", HTMLElement),
  memberList: element(".member-list", HTMLUListElement),
  me: element(".me", HTMLElement),
};
const dialog = document.querySelector("dialog.credential");

/**
 * @typedef {object} RoomView What the page keeps of a room: its lines, in order.
 * @property {HTMLLIElement[]} lines
 * @property {Set<string>} keys `epoch:offset` of every message shown: nothing twice.
 * @property {number} unread
 */

/** @type {Map<string, RoomView>} */
const views = new Map();
/** @type {string | undefined} */
let current;
/** Every `sender` this page has been: its identity, or each connection's id. */
const mine = new Set();
/** The senders listed in the open room's members: a chat from anyone else refreshes them. */
const members = new Set();

const client = new ServiceClient(dialog ? { credential: askForCredential } : {});

// ── The credential (only when the service authenticates) ───────────────────────────────────

/** @type {string | undefined} */
let credential;

/**
 * The credential to connect with: the one given before, unless it expired or the service
 * keeps refusing it. A pasted credential cannot renew itself, so the demo lets it expire
 * (an application would fetch a fresh one from its sign-in service for "renew").
 * @param {"connect" | "expired" | "refused" | "renew"} reason
 * @returns {Promise<string | null>}
 */
function askForCredential(reason) {
  if (reason === "renew") return Promise.resolve(null);
  if (credential !== undefined && reason === "connect") return Promise.resolve(credential);
  if (!(dialog instanceof HTMLDialogElement)) return Promise.reject(new Error("no dialog"));
  const why = element(".credential-why", HTMLElement);
  if (reason === "expired") why.textContent = "Your credential expired: paste a fresh one.";
  if (reason === "refused") {
    why.textContent = "The service did not let this page in: check the credential, or try later.";
  }
  const input = element("#credential", HTMLInputElement);
  input.value = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      credential = input.value.trim();
      resolve(credential);
    }, { once: true });
  });
}

// ── The connection indicator ───────────────────────────────────────────────────────────────

const STATES = {
  idle: "Not connected",
  connecting: "Connecting…",
  open: "Connected",
  waiting: "Reconnecting…",
  stopped: "Disconnected",
};

client.on("state", ({ state }) => {
  page.state.dataset.state = state;
  page.stateText.textContent = STATES[state];
  const open = state === "open";
  page.text.disabled = page.send.disabled = current === undefined;
  if (!open && current !== undefined) page.text.placeholder = "Messages wait for the connection";
  if (open && current !== undefined) page.text.placeholder = `Message #${current}`;
});

client.on("disconnected", ({ delay }) => {
  if (delay !== null) {
    page.stateText.textContent = `Reconnecting in ${Math.max(1, Math.round(delay / 1000))} s…`;
  }
});

client.on("welcome", ({ connectionId, identity }) => {
  mine.add(identity ?? connectionId);
  page.me.textContent = `You are ${identity ?? short(connectionId)}`;
});

client.on("error", ({ error }) => {
  const code = error instanceof ServiceError ? error.code : "error";
  if (code === "stopped") return;
  if (current !== undefined) notice(current, `${code}: ${error.message}`, "problem");
  if (code === "no_credential" || code === "policy_violation") {
    page.stateText.textContent = `Disconnected: ${error.message}`;
  }
});

// ── Rooms ──────────────────────────────────────────────────────────────────────────────────

/**
 * @param {string} room
 * @returns {RoomView}
 */
function viewOf(room) {
  let view = views.get(room);
  if (view === undefined) {
    view = { lines: [], keys: new Set(), unread: 0 };
    views.set(room, view);
  }
  return view;
}

/** @param {string} room */
async function join(room) {
  viewOf(room);
  show(room);
  try {
    await client.join(room);
  } catch (error) {
    notice(room, `Could not join #${room}: ${describe(error)}`, "problem");
    if (client.rooms.includes(room)) return; // it may yet work: the client tries again
    views.delete(room);
    drawRooms();
    page.leave.hidden = true; // the page stays on the room, to show why; join another
    page.text.disabled = page.send.disabled = true;
    return;
  }
  await loadRecent(room);
}

/** @param {string} room */
async function loadRecent(room) {
  try {
    const recent = await client.history(room, RECENT);
    for (const message of recent.messages) draw(room, message.type, message.payload, true);
  } catch (error) {
    if (!(error instanceof ServiceError && error.code === "history_disabled")) {
      notice(room, `history unavailable: ${describe(error)}`, "problem");
    }
  }
}

client.on("joined", ({ room, rejoin, recovered }) => {
  if (!rejoin) notice(room, `You joined #${room}`);
  else if (recovered) notice(room, "Reconnected: nothing was missed");
  if (room === current) void refreshPresence();
});

client.on("gap", ({ room }) => {
  notice(room, "Messages may have been missed while away: reloading the room", "problem");
  void loadRecent(room);
});

client.on("message", (message) => {
  const payload = message.payload;
  switch (message.type) {
    case "chat":
    case "event":
      if (typeof payload.room === "string" && views.has(payload.room)) {
        draw(payload.room, message.type, payload, false);
        const stranger = message.type === "chat" && !members.has(payload.sender);
        if (payload.room === current && stranger) void refreshPresence();
      }
      break;
    case "presence_joined":
    case "presence_left":
      if (payload.room === current) void refreshPresence();
      break;
    default:
  }
});

/** @param {string} room */
function show(room) {
  current = room;
  const view = viewOf(room);
  view.unread = 0;
  page.roomTitle.textContent = `#${room}`;
  page.leave.hidden = false;
  page.messages.replaceChildren(...view.lines);
  page.text.disabled = page.send.disabled = false;
  page.text.placeholder = `Message #${room}`;
  drawRooms();
  scrollToEnd();
  void refreshPresence();
}

function drawRooms() {
  const items = [...views.entries()].map(([room, view]) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `#${room}`;
    if (room === current) button.setAttribute("aria-current", "true");
    if (view.unread > 0) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = String(view.unread);
      badge.setAttribute("aria-label", `${view.unread} unread`);
      button.append(badge);
    }
    button.addEventListener("click", () => show(room));
    item.append(button);
    return item;
  });
  page.roomList.replaceChildren(...items);
}

// ── Messages ───────────────────────────────────────────────────────────────────────────────

/**
 * Add a chat or event to its room, once.
 * @param {string} room
 * @param {string} type
 * @param {Record<string, any>} payload
 * @param {boolean} older Whether it comes from `history`, not live.
 */
function draw(room, type, payload, older) {
  const view = views.get(room);
  if (view === undefined) return;
  const key = payload.offset === undefined ? undefined : `${payload.epoch}:${payload.offset}`;
  if (key !== undefined && view.keys.has(key)) return;
  if (key !== undefined) view.keys.add(key);
  const own = type === "chat" && mine.has(payload.sender);
  const line = (own && confirmSent(view, payload.text)) || document.createElement("li");
  line.className = `message ${type}${own ? " mine" : ""}`;
  if (payload.offset !== undefined) line.dataset.offset = String(payload.offset);
  if (key !== undefined) line.dataset.key = key;
  if (type === "chat") {
    line.replaceChildren(author(own ? "you" : payload.sender), body(payload.text));
  } else {
    line.replaceChildren(author(`event ${payload.event}`), body(JSON.stringify(payload.data)));
  }
  place(view, line, older);
  forgetOldest(view);
  if (room === current) {
    if (older) page.messages.replaceChildren(...view.lines);
    else page.messages.append(line);
    scrollToEnd();
  } else {
    view.unread += 1;
    drawRooms();
  }
}

/**
 * Keep a room's latest `KEPT` lines: a page left open all day stays light.
 * @param {RoomView} view
 */
function forgetOldest(view) {
  for (const line of view.lines.splice(0, Math.max(0, view.lines.length - KEPT))) {
    if (line.dataset.key !== undefined) view.keys.delete(line.dataset.key);
    line.remove();
  }
}

/**
 * The line of a message this page sent and still shows as sent (or as failed: a chat that
 * timed out may still arrive), if any.
 * @param {RoomView} view
 * @param {string} text
 * @returns {HTMLLIElement | undefined}
 */
function confirmSent(view, text) {
  const line = view.lines.find((each) => (each.dataset.sending ?? each.dataset.failed) === text);
  if (line === undefined) return undefined;
  delete line.dataset.sending;
  delete line.dataset.failed;
  line.title = "";
  view.lines.splice(view.lines.indexOf(line), 1);
  return line;
}

/**
 * Put a line in its place: a live one last, an older one (from `history`) after the last
 * message before it.
 * @param {RoomView} view
 * @param {HTMLLIElement} line
 * @param {boolean} older
 */
function place(view, line, older) {
  if (!older) {
    view.lines.push(line);
    return;
  }
  const offset = Number(line.dataset.offset);
  let index = view.lines.length;
  while (index > 0) {
    const other = view.lines[index - 1].dataset.offset;
    if (other !== undefined && Number(other) <= offset) break;
    index -= 1;
  }
  view.lines.splice(index, 0, line);
}

/**
 * @param {string} name
 * @returns {HTMLElement}
 */
function author(name) {
  const span = document.createElement("span");
  span.className = "sender";
  span.textContent = name.length > 24 ? short(name) : name;
  span.title = name;
  return span;
}

/**
 * @param {string} text
 * @returns {HTMLElement}
 */
function body(text) {
  const span = document.createElement("span");
  span.className = "text";
  span.textContent = text;
  return span;
}

/**
 * A line of the page's own: joins, reconnects, problems.
 * @param {string} room
 * @param {string} text
 * @param {string} [kind]
 */
function notice(room, text, kind = "info") {
  const view = views.get(room);
  if (view === undefined) return;
  const line = document.createElement("li");
  line.className = `notice ${kind}`;
  line.textContent = text;
  view.lines.push(line);
  if (room === current) {
    page.messages.append(line);
    scrollToEnd();
  }
}

page.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = page.text.value.trim();
  const room = current;
  if (!text || room === undefined) return;
  page.text.value = "";
  const view = viewOf(room);
  const line = document.createElement("li");
  line.className = "message chat mine sending";
  line.dataset.sending = text;
  line.replaceChildren(author("you"), body(text));
  view.lines.push(line);
  if (room === current) {
    page.messages.append(line);
    scrollToEnd();
  }
  client.chat(room, text).then(
    () => line.classList.remove("sending"),
    (error) => {
      if (line.dataset.sending === undefined) return; // its echo came after all
      line.dataset.failed = text;
      delete line.dataset.sending;
      line.classList.remove("sending");
      line.classList.add("failed");
      line.title = `not sent: ${describe(error)}`;
      notice(room, `Not sent: ${describe(error)}`, "problem");
    },
  );
});

page.joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const room = page.roomName.value.trim();
  if (!room) return;
  if (views.has(room)) show(room);
  else void join(room);
});

page.leave.addEventListener("click", () => {
  const room = current;
  if (room === undefined) return;
  views.delete(room);
  client.leave(room).catch(() => undefined);
  const next = views.keys().next();
  if (next.done) {
    current = undefined;
    page.roomTitle.textContent = "No room yet";
    page.leave.hidden = true;
    page.messages.replaceChildren();
    page.memberList.replaceChildren();
    page.memberCount.textContent = "";
    page.text.disabled = page.send.disabled = true;
    page.text.placeholder = "Join a room to chat";
    drawRooms();
  } else {
    show(next.value);
  }
});

// ── Members ────────────────────────────────────────────────────────────────────────────────

let lastPresence = 0;

async function refreshPresence() {
  const room = current;
  if (room === undefined || client.state !== "open" || !client.rooms.includes(room)) return;
  if (performance.now() - lastPresence < PRESENCE_SPACING) return;
  lastPresence = performance.now();
  let presence;
  try {
    presence = await client.presence(room);
  } catch {
    return; // not joined yet, or reconnecting: the next refresh will do
  }
  if (room !== current) return;
  page.memberCount.textContent = `(${presence.count})`;
  members.clear();
  for (const member of presence.members) members.add(member.identity ?? member.connection_id);
  page.memberList.replaceChildren(
    ...presence.members.map((member) => {
      const item = document.createElement("li");
      const name = member.identity ?? member.connection_id;
      const self = member.connection_id === client.connectionId;
      item.textContent = `${name.length > 24 ? short(name) : name}${self ? " (you)" : ""}`;
      item.title = name;
      if (self) item.classList.add("self");
      return item;
    }),
  );
}

setInterval(() => void refreshPresence(), PRESENCE_REFRESH);

// ── Helpers ────────────────────────────────────────────────────────────────────────────────

/**
 * @param {string} name
 * @returns {string}
 */
function short(name) {
  return name.length > 12 ? `${name.slice(0, 8)}…` : name;
}

/**
 * @param {unknown} error
 * @returns {string}
 */
function describe(error) {
  return error instanceof Error ? error.message : String(error);
}

function scrollToEnd() {
  page.messages.scrollTop = page.messages.scrollHeight;
}

client.start();
void join(new URLSearchParams(globalThis.location.search).get("room") ?? "lobby");
