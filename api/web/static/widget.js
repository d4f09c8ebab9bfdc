// Chat widget: talks to /api/v1/conversations; every text is inserted with textContent (escaped).
(function () {
  "use strict";

  const STORAGE_KEY = "assistant.conversation_id";
  const ID_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;
  const FALLBACK_ERROR = "Le service est momentanément indisponible. Réessayez dans quelques instants.";
  const URL_PATTERN = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)])/g;

  const root = document.querySelector(".chat-widget");
  if (!root) return;
  const apiBase = root.dataset.apiBase || "";
  const log = root.querySelector("#chat-log");
  const form = root.querySelector("#chat-form");
  const input = root.querySelector("#chat-input");
  const sendButton = root.querySelector("#chat-send");
  const restartButton = root.querySelector("#chat-restart");
  const status = root.querySelector("#chat-status");

  function randomId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID().replace(/-/g, "");
    }
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function storedId() {
    const id = window.sessionStorage.getItem(STORAGE_KEY);
    return id && ID_PATTERN.test(id) ? id : null;
  }

  function newConversationId() {
    const id = randomId();
    window.sessionStorage.setItem(STORAGE_KEY, id);
    return id;
  }

  let conversationId = storedId();

  function setStatus(text) {
    status.textContent = text || "";
  }

  // Append text to a node, turning http(s) URLs into links; never parses HTML.
  function appendText(node, text) {
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      node.appendChild(document.createTextNode(text.slice(last, match.index)));
      const link = document.createElement("a");
      link.href = match[0];
      link.textContent = match[0];
      link.target = "_blank";
      link.rel = "noopener";
      const hint = document.createElement("span");
      hint.className = "chat-sr-only";
      hint.textContent = " (nouvelle fenêtre)";
      link.appendChild(hint);
      node.appendChild(link);
      last = match.index + match[0].length;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function disableGroup(group, chosen) {
    for (const button of group.querySelectorAll("button")) {
      button.disabled = true;
      if (button === chosen) button.setAttribute("aria-pressed", "true");
    }
  }

  function renderButtons(container, buttons, interactive) {
    const group = document.createElement("div");
    group.className = "chat-buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Choix proposés");
    for (const item of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chat-btn";
      button.textContent = item.title;
      button.disabled = !interactive;
      button.addEventListener("click", () => {
        disableGroup(group, button);
        send({ payload: item.payload }, item.title);
      });
      group.appendChild(button);
    }
    container.appendChild(group);
  }

  function renderMessage(sender, text, buttons, interactive) {
    const item = document.createElement("div");
    item.className = "chat-msg chat-msg--" + (sender === "user" ? "user" : "bot");
    const who = document.createElement("span");
    who.className = "chat-sr-only";
    who.textContent = sender === "user" ? "Vous : " : sender === "agent" ? "Le conseiller : " : "L'assistant : ";
    item.appendChild(who);
    if (text) {
      const body = document.createElement("p");
      body.className = "chat-msg__text";
      appendText(body, text);
      item.appendChild(body);
    }
    if (buttons && buttons.length) renderButtons(item, buttons, interactive);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  async function request(method, path, body) {
    const response = await fetch(apiBase + path, {
      method: method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  function busy(isBusy) {
    sendButton.disabled = isBusy;
    setStatus(isBusy ? "L'assistant rédige une réponse…" : "");
  }

  // Send a message; `shown` is what the user sees as their own message (null: nothing shown).
  async function send(body, shown) {
    if (!conversationId) conversationId = newConversationId();
    if (shown) renderMessage("user", shown, [], false);
    busy(true);
    let result;
    try {
      result = await request("POST", "/api/v1/conversations/" + conversationId + "/messages", body);
    } catch (error) {
      result = { ok: false, status: 0, data: null };
    }
    busy(false);
    if (!result.ok) {
      setStatus((result.data && result.data.message) || FALLBACK_ERROR);
      return false;
    }
    for (const message of result.data.messages) {
      renderMessage("bot", message.text, message.buttons, true);
    }
    return true;
  }

  async function restore() {
    let result;
    try {
      result = await request("GET", "/api/v1/conversations/" + conversationId);
    } catch (error) {
      result = { ok: false, status: 0, data: null };
    }
    if (result.status === 404) return send({ payload: "/greet" }, null);
    if (!result.ok) {
      setStatus((result.data && result.data.message) || FALLBACK_ERROR);
      return false;
    }
    const messages = result.data.messages;
    let lastUser = -1;
    messages.forEach((m, index) => {
      if (m.sender === "user") lastUser = index;
    });
    messages.forEach((m, index) => {
      // A payload sent without a visible button (the opening /greet) has no text: not shown.
      if (m.sender === "user" && !m.text) return;
      renderMessage(m.sender, m.text, m.buttons, index > lastUser);
    });
    return true;
  }

  async function submitTyped() {
    const text = input.value;
    if (!text.trim()) {
      setStatus("Votre message est vide.");
      input.focus();
      return;
    }
    input.value = "";
    const sent = await send({ text: text }, text);
    if (!sent && !input.value) input.value = text; // never lose what the user typed
    input.focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitTyped();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!sendButton.disabled) submitTyped();
    }
  });

  restartButton.addEventListener("click", () => {
    window.sessionStorage.removeItem(STORAGE_KEY);
    conversationId = newConversationId();
    log.replaceChildren();
    setStatus("");
    send({ payload: "/greet" }, null);
    input.focus();
  });

  if (conversationId) {
    restore();
  } else {
    conversationId = newConversationId();
    send({ payload: "/greet" }, null);
  }
})();
