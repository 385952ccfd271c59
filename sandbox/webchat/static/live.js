// Live updates for one person: the WebSocket first; while it is down, long
// polling of `/events?after=` keeps the page current, and the socket is
// reconnected with a growing delay. Events are handed on once each, by seq.

import { api } from "./api.js";

const POLL_TIMEOUT_S = 20;
const MAX_RECONNECT_DELAY_MS = 15000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class LiveFeed {
  constructor(pid, { onEvent, onStatus }) {
    this.pid = pid;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.lastSeq = 0;
    this.floor = 0;
    this.seen = new Set();
    this.socket = null;
    this.socketOpen = false;
    this.polling = false;
    this.stopped = false;
    this.reconnectDelay = 1000;
    this.reconnectTimer = null;
    this.pollAbort = null;
  }

  // Everything that happened before `start` is already in what the page
  // loads, so only later events count.
  async start() {
    this.onStatus("connecting");
    // Without a starting seq, old events would replay (old toasts and all),
    // so wait for the sandbox rather than guess one.
    while (!this.stopped) {
      try {
        // Asking for events after a seq that cannot exist yet answers at once
        // with none, and the current last_seq.
        const first = await api.events(this.pid, Number.MAX_SAFE_INTEGER, 0);
        this.lastSeq = first.last_seq || 0;
        break;
      } catch (_unreachable) {
        this.onStatus("offline");
        await sleep(2000);
      }
    }
    this.floor = this.lastSeq;
    if (!this.stopped) this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    if (this.pollAbort) this.pollAbort.abort();
    if (this.socket) this.socket.close();
  }

  connect() {
    let socket;
    try {
      socket = new WebSocket(api.socketUrl(this.pid));
    } catch (_badUrl) {
      this.socketDown();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.stopped) return socket.close();
      this.socketOpen = true;
      this.reconnectDelay = 1000;
      if (this.pollAbort) this.pollAbort.abort();
      this.onStatus("live");
      // Whatever happened while the socket was down.
      this.catchUp();
    };
    socket.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch (_notJson) {
        return;
      }
      this.deliver(event);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socketOpen = false;
      this.socket = null;
      if (!this.stopped) this.socketDown();
    };
  }

  socketDown() {
    this.onStatus("reconnecting");
    this.poll();
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (!this.stopped && !this.socketOpen) this.connect();
    }, this.reconnectDelay);
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, MAX_RECONNECT_DELAY_MS);
  }

  async catchUp() {
    try {
      const batch = await api.events(this.pid, this.lastSeq, 0);
      batch.events.forEach((event) => this.deliver(event));
    } catch (_transient) {
      // The socket carries on; a real outage shows up as its close.
    }
  }

  async poll() {
    if (this.polling) return;
    this.polling = true;
    while (!this.stopped && !this.socketOpen) {
      this.pollAbort = new AbortController();
      try {
        const batch = await api.events(this.pid, this.lastSeq, POLL_TIMEOUT_S, this.pollAbort.signal);
        batch.events.forEach((event) => this.deliver(event));
        if (!this.socketOpen && !this.stopped) this.onStatus("polling");
      } catch (error) {
        if (error.name === "AbortError") break;
        this.onStatus("offline");
        await sleep(2000);
      }
    }
    this.polling = false;
  }

  deliver(event) {
    if (this.stopped || typeof event.seq !== "number") return;
    // A socket may replay what the page already has: below `floor` is old.
    if (event.seq <= this.floor || this.seen.has(event.seq)) return;
    this.seen.add(event.seq);
    if (this.seen.size > 2000) {
      const keep = [...this.seen].sort((a, b) => a - b).slice(-1000);
      this.floor = keep[0] - 1;
      this.seen = new Set(keep);
    }
    this.lastSeq = Math.max(this.lastSeq, event.seq);
    this.onEvent(event);
  }
}
