// Advisors' console: login, live queue, claim, chat, canned responses, close with an outcome;
// the tab title counts the waiting requests, an optional browser notification signals a new one
// while the tab is hidden, and keyboard shortcuts (Alt+P, Alt+R, Ctrl+Enter) drive the work.
// Every text is inserted with textContent (escaped).
(function () {
  "use strict";

  const TRIGGERS = {
    misunderstandings: "Deux messages incompris",
    negative_feedback: "Avis négatif sur une réponse",
    user_request: "Demande de l'usager",
  };
  const SENDERS = { user: "Usager", bot: "Assistant", agent: "Conseiller" };
  const BASE_TITLE = document.title;
  const NEAR_BOTTOM_PX = 48; // a transcript scrolled this close to its end follows new messages

  const $ = (id) => document.getElementById(id);
  const { element } = window.Staff;
  let socket = null;
  let reconnectDelay = 1000;
  let entries = [];
  let current = null; // { handoffId, conversationId, lastId, shown: Set }
  let knownWaiting = null; // ids of the waiting requests already seen; null before the first queue
  let sending = false;
  let claiming = false;
  const drafts = new Map(); // handoff id -> the reply being written, kept when switching chats

  const staff = window.Staff.session({
    prefix: "console",
    role: "advisor",
    refusal: "Ce compte n'est pas un compte de conseiller.",
    statusId: "console-status",
    onStart: start,
    onLogout: stop,
  });
  const { api, errorMessage, setStatus, logout } = staff;

  function stop() {
    if (socket) {
      const old = socket;
      socket = null;
      old.close();
    }
    current = null;
    entries = [];
    knownWaiting = null;
    document.title = BASE_TITLE;
    setChatOpen(null);
  }

  // ---- live channel -------------------------------------------------------------------------

  function connect() {
    if (!staff.token() || socket) return;
    const url = new URL("/api/v1/console/ws", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url.toString());
    socket = ws;
    ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "auth", token: staff.token() })));
    ws.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (data.type === "ready") {
        reconnectDelay = 1000;
        if (current) watch();
      } else if (data.type === "queue") {
        entries = data.entries;
        renderQueue();
      } else if (data.type === "message" && current && data.conversation_id === current.conversationId) {
        addLiveMessage(data.message);
      } else if (data.type === "error") {
        setStatus(data.message);
      } else if (data.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
      }
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      socket = null;
      if (event.code === 4401) return logout("Votre session a expiré : reconnectez-vous.");
      window.setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 30000);
    });
  }

  function watch() {
    if (socket && socket.readyState === WebSocket.OPEN && current) {
      socket.send(
        JSON.stringify({ type: "watch", conversation_id: current.conversationId, after: current.lastId })
      );
    }
  }

  // ---- queue ------------------------------------------------------------------------------

  function waited(entry) {
    const since = entry.claimed_at ? null : Date.parse(entry.requested_at);
    const seconds = since ? Math.max(0, (Date.now() - since) / 1000) : entry.waiting_seconds;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 1) return "moins d'une minute";
    if (minutes < 60) return minutes + " min";
    return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0");
  }

  // The conversation on screen left the queue without this advisor closing it: the user ended it.
  function noticeEndedChat() {
    if (!current || current.closing || entries.some((e) => e.id === current.handoffId)) return;
    current = null;
    setChatOpen(null);
    setStatus("L'usager a mis fin à l'échange : la conversation est revenue à l'assistant.");
  }

  function waitingEntries() {
    return entries.filter((e) => e.status === "waiting");
  }

  function updateTitle() {
    const waiting = waitingEntries().length;
    document.title = waiting ? "(" + waiting + ") " + BASE_TITLE : BASE_TITLE;
  }

  // Requests that joined the queue since the last snapshot (none for the first one).
  function noticeArrivals() {
    const waiting = waitingEntries();
    const fresh = knownWaiting ? waiting.filter((e) => !knownWaiting.has(e.id)) : [];
    knownWaiting = new Set(waiting.map((e) => e.id));
    for (const entry of fresh) notify(entry);
  }

  function renderQueue() {
    noticeEndedChat();
    noticeArrivals();
    updateTitle();
    const list = $("queue-list");
    const focused = focusedHandoff(list);
    list.replaceChildren();
    if (!entries.length) {
      list.appendChild(element("p", "console-empty", "Aucune conversation en attente."));
      return;
    }
    for (const [label, items] of byCategory(entries)) list.appendChild(queueGroup(label, items));
    const first = waitingEntries()[0];
    if (first) actionOf(list, first.id).setAttribute("aria-keyshortcuts", "Alt+P");
    if (focused && actionOf(list, focused)) actionOf(list, focused).focus();
  }

  // The queue is drawn again on every change: the focus goes back to the same request's button.
  function focusedHandoff(list) {
    const item = list.contains(document.activeElement) && document.activeElement.closest("[data-handoff]");
    return item ? Number(item.dataset.handoff) : null;
  }

  function actionOf(list, handoffId) {
    return list.querySelector('[data-handoff="' + handoffId + '"] button');
  }

  function byCategory(items) {
    const groups = new Map();
    for (const entry of items) {
      if (!groups.has(entry.category_label)) groups.set(entry.category_label, []);
      groups.get(entry.category_label).push(entry);
    }
    return groups;
  }

  function queueGroup(label, items) {
    const waiting = items.filter((e) => e.status === "waiting").length;
    const group = element("div", "console-queue-group");
    group.appendChild(element("h3", "console-queue-group__title", label + " – " + waiting + " en attente"));
    const list = group.appendChild(element("ul", "console-queue-list"));
    for (const entry of items) list.appendChild(queueItem(entry));
    return group;
  }

  function queueItem(entry) {
    const waiting = entry.status === "waiting";
    const item = element("li", "console-queue-item" + (waiting ? "" : " console-queue-item--active"));
    item.dataset.handoff = entry.id;
    const facts = item.appendChild(element("dl"));
    fact(facts, "Dernier message", lastText(entry), "console-queue-text");
    fact(facts, "Attente", waited(entry));
    fact(facts, "État", stateOf(entry));
    const action = queueAction(entry);
    if (action) item.appendChild(action);
    return item;
  }

  function fact(list, term, value, className) {
    list.appendChild(element("dt", null, term));
    const dd = list.appendChild(element("dd", className));
    if (typeof value === "string") dd.textContent = value;
    else dd.appendChild(value);
  }

  // What the user last typed; "—" when they only clicked buttons.
  function lastText(entry) {
    if (entry.last_user_text) return entry.last_user_text;
    const none = document.createDocumentFragment();
    none.appendChild(element("span", null, "—")).setAttribute("aria-hidden", "true");
    none.appendChild(element("span", "fr-sr-only", "aucun message saisi"));
    return none;
  }

  function stateOf(entry) {
    let state = entry.status === "waiting" ? "En attente (" + entry.position + ")" : "Pris par " + entry.advisor;
    if (entry.offline) state += " – message laissé hors horaires";
    return state;
  }

  function queueAction(entry) {
    if (entry.status === "waiting") {
      const button = element("button", "fr-btn fr-btn--sm", "Prendre en charge");
      button.type = "button";
      button.addEventListener("click", () => claim(entry.id, button));
      return button;
    }
    if (entry.advisor === staff.username()) {
      const button = element("button", "fr-btn fr-btn--sm fr-btn--secondary", "Ouvrir");
      button.type = "button";
      button.addEventListener("click", () => open(entry.id));
      return button;
    }
    return null;
  }

  window.setInterval(() => entries.length && renderQueue(), 15000);

  async function claim(handoffId, button) {
    if (claiming) return; // Alt+P pressed twice: one claim
    claiming = true;
    if (button) button.disabled = true;
    const result = await api("POST", "/api/v1/console/handoffs/" + handoffId + "/claim");
    if (button) button.disabled = false;
    claiming = false;
    if (!result.ok) return setStatus(errorMessage(result));
    setStatus("");
    showChat(result.data);
  }

  async function open(handoffId) {
    const result = await api("GET", "/api/v1/console/handoffs/" + handoffId);
    if (!result.ok) return setStatus(errorMessage(result));
    showChat(result.data);
  }

  // ---- chat ---------------------------------------------------------------------------------

  function contextItem(list, term, value) {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
    list.appendChild(element("dt", null, term));
    if (Array.isArray(value)) {
      const dd = element("dd");
      const ul = element("ul");
      for (const item of value) ul.appendChild(element("li", null, item));
      dd.appendChild(ul);
      list.appendChild(dd);
    } else {
      list.appendChild(element("dd", null, String(value)));
    }
  }

  function renderContext(detail) {
    const list = $("context");
    list.replaceChildren();
    const context = detail.context || {};
    const profile = detail.profile || {};
    contextItem(list, "Catégorie", detail.category_label);
    contextItem(list, "Motif", TRIGGERS[context.trigger] || context.trigger);
    contextItem(list, "Domaine", context.domain);
    contextItem(list, "Message d'erreur collé", context.pasted_error);
    contextItem(list, "Fiches de connaissance proposées", context.entries_tried);
    contextItem(
      list,
      "Messages non compris",
      (context.not_understood || []).map((item) => item.text)
    );
    contextItem(
      list,
      "Avis sur les réponses",
      (context.feedback || []).map(
        (f) =>
          (f.rating === "down" ? "👎 " : "👍 ") +
          (f.entry_id || "") +
          (f.comment ? " : " + f.comment : "") +
          (f.ministry_code ? " (" + f.ministry_code + ")" : "")
      )
    );
    contextItem(list, "Application", profile.application);
    contextItem(
      list,
      "Identité",
      profile.verified
        ? "vérifiée par le portail" + (profile.name ? " : " + profile.name : "")
        : "non vérifiée (utilisateur anonyme)"
    );
    contextItem(list, "Rôle", profile.role);
    contextItem(list, "Courriel", profile.email);
    contextItem(
      list,
      "Code ministère",
      profile.ministry_code && !profile.verified
        ? profile.ministry_code + " (déclaré)"
        : profile.ministry_code
    );
    if (detail.offline) contextItem(list, "Remarque", "Message laissé en dehors des horaires d'ouverture");
  }

  // A user's button click (a payload) shows as the button's title; a payload without a title (the
  // widget's opening "/greet") is not shown.
  function messageText(message) {
    if (message.sender !== "user" || !message.payload) return message.text || "";
    return message.text ? "Bouton : " + message.text : "";
  }

  // Return whether the message was added (not shown yet, and something to show).
  function renderTranscriptMessage(message) {
    if (!current || current.shown.has(message.id)) return false;
    current.shown.add(message.id);
    current.lastId = Math.max(current.lastId, message.id);
    const text = messageText(message);
    if (!text) return false;
    const clicked = message.sender === "user" && Boolean(message.payload);
    const item = element("div", "console-msg console-msg--" + message.sender);
    item.appendChild(element("span", "console-msg__who", SENDERS[message.sender] || message.sender));
    item.appendChild(element("span", clicked ? "console-msg__button" : null, text));
    $("transcript").appendChild(item);
    return true;
  }

  function atBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight <= NEAR_BOTTOM_PX;
  }

  function scrollToLatest() {
    const box = $("transcript");
    box.scrollTop = box.scrollHeight;
    $("transcript-new").hidden = true;
  }

  // A message that arrives live: follow it if the advisor was at the end of the transcript (or
  // wrote it), otherwise leave their reading place and show "Nouveaux messages".
  function addLiveMessage(message) {
    const follow = atBottom($("transcript")) || message.sender === "agent";
    if (!renderTranscriptMessage(message)) return;
    if (follow) scrollToLatest();
    else $("transcript-new").hidden = false;
  }

  // detail: the open conversation, or null for none.
  function setChatOpen(detail) {
    $("chat").hidden = !detail;
    $("chat-empty").hidden = Boolean(detail);
    $("context-box").hidden = !detail;
    $("context-empty").hidden = Boolean(detail);
    $("chat-title").textContent = detail ? "Conversation – " + detail.category_label : "Conversation";
    if (!detail) $("transcript-new").hidden = true;
  }

  function showChat(detail) {
    if (current) drafts.set(current.handoffId, $("reply-text").value);
    $("reply-text").value = drafts.get(detail.id) || "";
    current = {
      handoffId: detail.id,
      conversationId: detail.conversation_id,
      lastId: 0,
      shown: new Set(),
      closing: false,
    };
    $("transcript").replaceChildren();
    for (const message of detail.messages) renderTranscriptMessage(message);
    renderContext(detail);
    setChatOpen(detail);
    scrollToLatest(); // once shown: a hidden transcript has no height to scroll
    watch();
    $("reply-text").focus();
  }

  $("transcript").addEventListener("scroll", (event) => {
    if (atBottom(event.target)) $("transcript-new").hidden = true;
  });

  $("transcript-new").addEventListener("click", () => {
    scrollToLatest();
    $("transcript").focus();
  });

  $("canned").addEventListener("change", (event) => {
    const option = event.target.selectedOptions[0];
    if (option && option.dataset.text) {
      const area = $("reply-text");
      area.value = area.value ? area.value + "\n" + option.dataset.text : option.dataset.text;
      area.focus();
    }
    event.target.value = "";
  });

  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current || sending) return;
    const handoffId = current.handoffId;
    const text = $("reply-text").value;
    if (!text.trim()) return setStatus("Votre réponse est vide.");
    sending = true;
    $("reply-send").disabled = true;
    const result = await api("POST", "/api/v1/console/handoffs/" + handoffId + "/messages", { text });
    sending = false;
    $("reply-send").disabled = false;
    if (!result.ok) return setStatus(errorMessage(result)); // the text stays in the field
    setStatus("");
    afterSent(handoffId, text, result.data);
  });

  // The advisor may have opened another conversation while the reply was on its way.
  function afterSent(handoffId, text, message) {
    if (!current || current.handoffId !== handoffId) {
      if (drafts.get(handoffId) === text) drafts.delete(handoffId);
      return;
    }
    const area = $("reply-text");
    if (area.value === text) area.value = "";
    addLiveMessage(message);
    area.focus();
  }

  // Ctrl+Enter (Cmd+Enter on a Mac) sends from the reply form.
  $("reply-form").addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    event.preventDefault();
    $("reply-form").requestSubmit();
  });

  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    const handoffId = current.handoffId;
    $("close-send").disabled = true;
    current.closing = true;
    const result = await api("POST", "/api/v1/console/handoffs/" + handoffId + "/close", {
      outcome: $("close-outcome").value,
      note: $("close-note").value,
    });
    $("close-send").disabled = false;
    if (!result.ok) {
      if (current) current.closing = false;
      return setStatus(errorMessage(result));
    }
    drafts.delete(handoffId);
    $("reply-text").value = "";
    current = null;
    setChatOpen(null);
    $("close-note").value = "";
    setStatus("Échange clos : l'assistant reprend la conversation et demande une évaluation à l'usager.");
  });

  // ---- keyboard shortcuts ------------------------------------------------------------------
  // Alt+letter (by key position, so that macOS's Option characters and AZERTY keyboards match)
  // is left alone by NVDA, JAWS, VoiceOver (Ctrl+Option) and Orca; Ctrl+Alt (AltGr) is ignored.

  function claimFirst() {
    const first = waitingEntries()[0];
    if (!first) return setStatus("Aucune demande en attente à prendre en charge.");
    claim(first.id, actionOf($("queue-list"), first.id));
  }

  function focusCanned() {
    if (!current) return setStatus("Ouvrez une conversation pour utiliser les réponses types.");
    $("canned").focus();
  }

  const SHORTCUTS = { KeyP: claimFirst, KeyR: focusCanned };

  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const action = SHORTCUTS[event.code];
    if (!action || $("workspace").hidden) return;
    event.preventDefault();
    action();
  });

  // ---- notifications ------------------------------------------------------------------------
  // Asked only when the advisor clicks "Activer les notifications", never on load.

  function notificationsSupported() {
    return "Notification" in window;
  }

  function updateNotifyButton() {
    $("notify").hidden = !notificationsSupported() || window.Notification.permission !== "default";
  }

  function notify(entry) {
    if (!notificationsSupported() || window.Notification.permission !== "granted" || !document.hidden) return;
    try {
      const shown = new window.Notification("Nouvelle demande en attente : " + entry.category_label, {
        tag: "handoff-" + entry.id,
        lang: "fr",
      });
      shown.addEventListener("click", () => window.focus());
    } catch (error) {
      // Some browsers only notify from a service worker: the tab title still counts the requests.
    }
  }

  $("notify").addEventListener("click", async () => {
    const permission = await window.Notification.requestPermission();
    updateNotifyButton();
    setStatus(
      permission === "granted"
        ? "Notifications activées : une nouvelle demande vous sera signalée quand cet onglet n'est pas affiché."
        : "Notifications non autorisées : le titre de l'onglet indique toujours le nombre de demandes en attente."
    );
  });

  async function loadChoices() {
    const [canned, outcomes] = await Promise.all([
      api("GET", "/api/v1/console/canned-responses"),
      api("GET", "/api/v1/console/outcomes"),
    ]);
    if (canned.ok) {
      const select = $("canned");
      select.replaceChildren(element("option", null, "Choisir une réponse type"));
      select.firstChild.value = "";
      for (const item of canned.data) {
        const option = element("option", null, item.title);
        option.value = item.id;
        option.dataset.text = item.text;
        select.appendChild(option);
      }
    }
    if (outcomes.ok) {
      const select = $("close-outcome");
      select.replaceChildren();
      for (const item of outcomes.data) {
        const option = element("option", null, item.label);
        option.value = item.id;
        select.appendChild(option);
      }
    }
  }

  function start() {
    $("advisor-name").textContent = staff.username() || "";
    updateNotifyButton();
    loadChoices();
    connect();
  }

  staff.resume();
})();
