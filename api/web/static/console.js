// Advisors' console: login, live queue, claim, chat, canned responses, close with an outcome.
// Every text is inserted with textContent (escaped).
(function () {
  "use strict";

  const TRIGGERS = {
    misunderstandings: "Deux messages incompris",
    negative_feedback: "Avis négatif sur une réponse",
    user_request: "Demande de l'usager",
  };
  const SENDERS = { user: "Usager", bot: "Assistant", agent: "Conseiller" };

  const $ = (id) => document.getElementById(id);
  const { element } = window.Staff;
  let socket = null;
  let reconnectDelay = 1000;
  let entries = [];
  let current = null; // { handoffId, conversationId, lastId, shown: Set }

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
    $("chat").hidden = true;
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
        renderTranscriptMessage(data.message);
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
    $("chat").hidden = true;
    setStatus("L'usager a mis fin à l'échange : la conversation est revenue à l'assistant.");
  }

  function renderQueue() {
    noticeEndedChat();
    const list = $("queue-list");
    list.replaceChildren();
    if (!entries.length) {
      list.appendChild(element("p", null, "Aucune conversation en attente."));
      return;
    }
    const byCategory = new Map();
    for (const entry of entries) {
      if (!byCategory.has(entry.category_label)) byCategory.set(entry.category_label, []);
      byCategory.get(entry.category_label).push(entry);
    }
    for (const [label, items] of byCategory) {
      const waiting = items.filter((e) => e.status === "waiting").length;
      const wrapper = element("div", "fr-table console-queue-table");
      const table = element("table");
      table.appendChild(element("caption", null, label + " – " + waiting + " en attente"));
      const head = element("tr");
      for (const title of ["Dernier message", "Attente", "État", "Action"]) {
        const th = element("th", null, title);
        th.scope = "col";
        head.appendChild(th);
      }
      table.appendChild(element("thead")).appendChild(head);
      const body = table.appendChild(element("tbody"));
      for (const entry of items) body.appendChild(queueRow(entry));
      wrapper.appendChild(table);
      list.appendChild(wrapper);
    }
  }

  function queueRow(entry) {
    const row = element("tr");
    row.dataset.handoff = entry.id;
    row.appendChild(element("td", null, entry.last_user_text || "(pas encore de message)"));
    row.appendChild(element("td", null, waited(entry)));
    let state = entry.status === "waiting" ? "En attente (" + entry.position + ")" : "Pris par " + entry.advisor;
    if (entry.offline) state += " – message laissé hors horaires";
    row.appendChild(element("td", null, state));
    const cell = element("td");
    if (entry.status === "waiting") {
      const button = element("button", "fr-btn fr-btn--sm", "Prendre en charge");
      button.type = "button";
      button.addEventListener("click", () => claim(entry.id, button));
      cell.appendChild(button);
    } else if (entry.advisor === staff.username()) {
      const button = element("button", "fr-btn fr-btn--sm fr-btn--secondary", "Ouvrir");
      button.type = "button";
      button.addEventListener("click", () => open(entry.id));
      cell.appendChild(button);
    }
    row.appendChild(cell);
    return row;
  }

  window.setInterval(() => entries.length && renderQueue(), 15000);

  async function claim(handoffId, button) {
    button.disabled = true;
    const result = await api("POST", "/api/v1/console/handoffs/" + handoffId + "/claim");
    button.disabled = false;
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

  function renderTranscriptMessage(message) {
    if (!current || current.shown.has(message.id)) return;
    current.shown.add(message.id);
    current.lastId = Math.max(current.lastId, message.id);
    const item = element("div", "console-msg console-msg--" + message.sender);
    item.appendChild(element("span", "console-msg__who", SENDERS[message.sender] || message.sender));
    item.appendChild(element("span", null, message.text || message.payload || ""));
    const transcript = $("transcript");
    transcript.appendChild(item);
    transcript.scrollTop = transcript.scrollHeight;
  }

  function showChat(detail) {
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
    $("chat").hidden = false;
    watch();
    $("reply-text").focus();
  }

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
    if (!current) return;
    const area = $("reply-text");
    const text = area.value;
    if (!text.trim()) return setStatus("Votre réponse est vide.");
    $("reply-send").disabled = true;
    const result = await api("POST", "/api/v1/console/handoffs/" + current.handoffId + "/messages", { text });
    $("reply-send").disabled = false;
    if (!result.ok) return setStatus(errorMessage(result)); // the text stays in the field
    setStatus("");
    if (area.value === text) area.value = "";
    renderTranscriptMessage(result.data);
    area.focus();
  });

  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    $("close-send").disabled = true;
    current.closing = true;
    const result = await api("POST", "/api/v1/console/handoffs/" + current.handoffId + "/close", {
      outcome: $("close-outcome").value,
      note: $("close-note").value,
    });
    $("close-send").disabled = false;
    if (!result.ok) {
      if (current) current.closing = false;
      return setStatus(errorMessage(result));
    }
    current = null;
    $("chat").hidden = true;
    $("close-note").value = "";
    setStatus("Échange clos : l'assistant reprend la conversation et demande une évaluation à l'usager.");
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
    loadChoices();
    connect();
  }

  staff.resume();
})();
