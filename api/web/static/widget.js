// Chat widget: talks to /api/v1/conversations; every text is inserted with textContent (escaped).
(function () {
  "use strict";

  const STORAGE_KEY = "assistant.conversation_id";
  // The conversation's own token (returned by its first message): proves this tab owns it.
  const TOKEN_KEY = "assistant.conversation_token";
  const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,100}$/;
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
  const endButton = root.querySelector("#chat-end");
  const status = root.querySelector("#chat-status");
  const banner = root.querySelector("#chat-handoff");
  // What the embedding page declares (application, ministry): a preference, sent as metadata.
  // Rights (CCA, ministry, email) come only from the identity token the portal signed
  // (data-identity-token, read at each message so that the portal may renew it).
  const profile = {};
  for (const [key, attribute] of [
    ["application", "application"],
    ["ministry_code", "ministryCode"],
  ]) {
    if (root.dataset[attribute]) profile[key] = root.dataset[attribute];
  }

  const RETRY_DELAY_MS = 1000;

  // The tab's storage; a frame in another site's page may be refused it (third-party storage
  // blocked): the conversation then lasts as long as the page.
  const storage = (function () {
    try {
      const probe = window.sessionStorage;
      probe.getItem(STORAGE_KEY);
      return probe;
    } catch (error) {
      const kept = new Map();
      return {
        getItem: (key) => (kept.has(key) ? kept.get(key) : null),
        setItem: (key, value) => kept.set(key, String(value)),
        removeItem: (key) => kept.delete(key),
      };
    }
  })();

  // In a portal's page (embed.js): the portal hands the signed profile over by postMessage
  // (only the origins of EMBED_ORIGINS are listened to), and Escape closes the panel.
  if (root.dataset.embedded && window.parent !== window) {
    const parents = (root.dataset.parentOrigins || "").split(/\s+/).filter(Boolean);
    window.addEventListener("message", (event) => {
      if (!parents.includes(event.origin) || event.source !== window.parent) return;
      const data = event.data || {};
      if (data.type === "assistant-chorus:identity" && typeof data.token === "string") {
        root.dataset.identityToken = data.token;
      }
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") window.parent.postMessage({ type: "assistant-chorus:close" }, "*");
    });
    window.parent.postMessage({ type: "assistant-chorus:ready" }, "*");
  }

  function randomId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID().replace(/-/g, "");
    }
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function storedId() {
    const id = storage.getItem(STORAGE_KEY);
    return id && ID_PATTERN.test(id) ? id : null;
  }

  function newConversationId() {
    const id = randomId();
    storage.setItem(STORAGE_KEY, id);
    storage.removeItem(TOKEN_KEY);
    conversationToken = null;
    return id;
  }

  function keepToken(token) {
    if (!token || !TOKEN_PATTERN.test(token)) return;
    conversationToken = token;
    storage.setItem(TOKEN_KEY, token);
  }

  let conversationToken = (function () {
    const token = storage.getItem(TOKEN_KEY);
    return token && TOKEN_PATTERN.test(token) ? token : null;
  })();
  let conversationId = storedId();
  // Live channel (WebSocket) to the advisors: opened once the conversation is handed off.
  const rendered = new Set(); // ids of the bot's and advisors' messages already shown
  let lastSeenId = 0;
  let socket = null;
  let socketWanted = false;
  let reconnectDelay = 1000;
  let currentStatus = "bot";

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

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  let fieldCounter = 0;
  function field(labelText, control) {
    fieldCounter += 1;
    control.id = "chat-field-" + fieldCounter;
    const wrapper = element("div", "chat-field");
    const label = element("label", "chat-field__label", labelText);
    label.htmlFor = control.id;
    wrapper.append(label, control);
    return wrapper;
  }

  function errorMessage(result) {
    return (result.data && result.data.message) || FALLBACK_ERROR;
  }

  function isLocked(result) {
    return Boolean(result.data && result.data.error === "conversation_locked");
  }

  // A new conversation, with nothing of the old one on screen.
  function startOver() {
    closeSocket();
    rendered.clear();
    lastSeenId = 0;
    applyState("bot", null);
    conversationId = newConversationId();
    log.replaceChildren();
  }

  function post(path, body) {
    return request("POST", "/api/v1/conversations/" + conversationId + path, body);
  }

  // Thumbs up / down under an answer taken from the knowledge base.
  // A thumb button: a DSFR icon (no emoji, which some systems cannot draw) and a label for
  // screen readers.
  function thumb(direction, label) {
    const button = element("button", "chat-feedback__btn");
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.title = label;
    const icon = element("span", "fr-icon-thumb-" + direction + "-line chat-feedback__icon");
    icon.setAttribute("aria-hidden", "true");
    button.appendChild(icon);
    return button;
  }

  // Thumbs up / down under an answer; `given` ("up", "down") is the rating already sent (the
  // transcript says it after a reload).
  function renderFeedback(item, messageId, given) {
    const bar = element("div", "chat-feedback");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Cette réponse vous a-t-elle aidé ?");
    item.appendChild(bar);

    function thank(rating) {
      const icon = element("span", "fr-icon-thumb-" + rating + "-fill chat-feedback__icon");
      icon.setAttribute("aria-hidden", "true");
      bar.replaceChildren(icon, element("span", "chat-feedback__thanks", "Merci pour votre retour."));
    }

    if (given === "up" || given === "down") return thank(given);
    const up = thumb("up", "Réponse utile");
    const down = thumb("down", "Réponse pas utile");
    bar.append(element("span", "chat-feedback__question", "Cette réponse vous a-t-elle aidé ?"), up, down);

    up.addEventListener("click", async () => {
      up.disabled = down.disabled = true;
      const result = await post("/feedback", { message_id: messageId, rating: "up" });
      if (result.ok) return thank("up");
      up.disabled = down.disabled = false;
      setStatus(errorMessage(result));
    });

    down.addEventListener("click", () => {
      up.disabled = down.disabled = true;
      const form = element("form", "chat-feedback__form");
      form.noValidate = true;
      const comment = element("textarea", "chat-form__input");
      comment.rows = 2;
      comment.maxLength = 2000;
      const code = element("input", "chat-form__input chat-feedback__code");
      code.type = "text";
      code.maxLength = 10;
      code.autocomplete = "off";
      const actions = element("div", "chat-form__actions");
      const submit = element("button", "chat-form__send", "Envoyer mon avis");
      submit.type = "submit";
      const cancel = element("button", "chat-form__restart", "Annuler");
      cancel.type = "button";
      actions.append(submit, cancel);
      form.append(
        field("Qu'est-ce qui n'allait pas ? (facultatif)", comment),
        field("Code ministère (facultatif, par exemple MIN06)", code),
        actions
      );
      item.appendChild(form);
      comment.focus();
      cancel.addEventListener("click", () => {
        form.remove();
        up.disabled = down.disabled = false;
        down.focus();
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        submit.disabled = true;
        const result = await post("/feedback", {
          message_id: messageId,
          rating: "down",
          comment: comment.value || null,
          ministry_code: code.value || null,
        });
        submit.disabled = false;
        if (!result.ok) return setStatus(errorMessage(result)); // the form keeps what was typed
        setStatus("");
        form.remove();
        thank("down");
        for (const message of result.data.messages) renderBot(message, true);
      });
    });
  }

  // Files joined to the FSD the conversation opened: a drop zone and a file picker, one row per
  // file with its progress; the desk checks each file's real type from its content.
  const ACCEPTED = ".png,.jpg,.jpeg,.pdf,.xlsx,.xls,.ods,.csv,image/png,image/jpeg,application/pdf";
  const maxBytes = Number(root.dataset.maxAttachmentBytes) || 5 * 1024 * 1024;

  function sizeText(bytes) {
    if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)) + " Ko";
    return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "").replace(".", ",") + " Mo";
  }

  // Scroll the log (only the log) so that the node is wholly in view.
  function reveal(node) {
    const seen = node.getBoundingClientRect();
    const room = log.getBoundingClientRect();
    if (seen.bottom > room.bottom) log.scrollTop += seen.bottom - room.bottom;
    if (seen.top < room.top) log.scrollTop -= room.top - seen.top;
  }

  function attachmentsPath(number) {
    return "/api/v1/conversations/" + conversationId + "/fsd/" + number + "/attachments";
  }

  // Never throws: a network failure is { ok: false, status: 0 }. XMLHttpRequest, because fetch
  // tells nothing of an upload's progress.
  function uploadFile(number, file, onProgress) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", apiBase + attachmentsPath(number));
      if (conversationToken) xhr.setRequestHeader("X-Conversation-Token", conversationToken);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      xhr.addEventListener("load", () => {
        let data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch (error) {
          data = null;
        }
        resolve({ ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status, data: data });
      });
      for (const failure of ["error", "abort", "timeout"]) {
        xhr.addEventListener(failure, () => resolve({ ok: false, status: 0, data: null }));
      }
      const body = new FormData();
      body.append("file", file, file.name);
      xhr.send(body);
    });
  }

  function renderUpload(item, number) {
    const panel = element("div", "chat-upload");
    panel.setAttribute("role", "group");
    const titleId = "chat-upload-title-" + number;
    panel.setAttribute("aria-labelledby", titleId);
    const title = element("p", "chat-upload__title", "Pièces jointes de la fiche n° " + number);
    title.id = titleId;
    const zone = element("div", "chat-upload__zone");
    const icon = element("span", "fr-icon-upload-2-line chat-upload__icon");
    icon.setAttribute("aria-hidden", "true");
    const picker = element("input");
    picker.type = "file";
    picker.multiple = true;
    picker.accept = ACCEPTED;
    picker.hidden = true;
    picker.className = "chat-upload__input";
    const choose = element("button", "chat-btn chat-upload__choose", "Choisir des fichiers");
    choose.type = "button";
    const hint = element(
      "p",
      "chat-upload__hint",
      "Glissez-déposez ici une capture d'écran ou un fichier, ou choisissez-les. PNG, JPEG, PDF, " +
        "XLSX, XLS, ODS ou CSV ; " + sizeText(maxBytes) + " au plus par fichier."
    );
    hint.id = "chat-upload-hint-" + number;
    choose.setAttribute("aria-describedby", hint.id);
    zone.append(icon, hint, choose, picker);
    const list = element("ul", "chat-upload__list");
    list.setAttribute("aria-live", "polite");
    panel.append(title, zone, list);
    item.appendChild(panel);

    function row(name) {
      const line = element("li", "chat-upload__file");
      const label = element("span", "chat-upload__name", name);
      const progress = element("progress", "chat-upload__progress");
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute("aria-label", "Envoi de " + name);
      const state = element("span", "chat-upload__state");
      line.append(label, progress, state);
      list.appendChild(line);
      reveal(line);
      return { line, progress, state };
    }

    function joined(view, attachment) {
      view.progress.value = 100;
      view.progress.hidden = true;
      view.line.classList.add("chat-upload__file--done");
      view.state.textContent = "jointe (" + sizeText(attachment.size) + ")";
    }

    function refused(view, text) {
      view.progress.hidden = true;
      view.line.classList.add("chat-upload__file--error");
      view.state.textContent = text;
    }

    // One file after the other: the progress of each is read in turn.
    let queue = Promise.resolve();
    function sendFile(file) {
      const view = row(file.name);
      if (!file.size) return refused(view, "Le fichier est vide.");
      if (file.size > maxBytes) {
        return refused(view, "Le fichier dépasse la taille maximale (" + sizeText(maxBytes) + ").");
      }
      view.state.textContent = "en attente";
      queue = queue.then(async () => {
        view.state.textContent = "envoi en cours";
        const result = await uploadFile(number, file, (part) => {
          view.progress.value = Math.round(part * 100);
        });
        if (result.ok) return joined(view, result.data);
        refused(view, errorMessage(result));
        const retry = element("button", "chat-btn chat-upload__retry", "Réessayer");
        retry.type = "button";
        retry.setAttribute("aria-label", "Réessayer l'envoi de " + file.name);
        retry.addEventListener("click", () => {
          view.line.remove();
          sendFile(file); // a file already received is not joined twice
        });
        view.line.appendChild(retry);
      });
    }

    function sendAll(files) {
      for (const file of Array.from(files || [])) sendFile(file);
    }

    choose.addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      sendAll(picker.files);
      picker.value = "";
    });
    for (const name of ["dragenter", "dragover"]) {
      zone.addEventListener(name, (event) => {
        event.preventDefault();
        zone.classList.add("chat-upload__zone--over");
      });
    }
    zone.addEventListener("dragleave", () => zone.classList.remove("chat-upload__zone--over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("chat-upload__zone--over");
      sendAll(event.dataTransfer && event.dataTransfer.files);
    });

    // After a reload: the files already joined.
    request("GET", attachmentsPath(number)).then((result) => {
      if (!result.ok || !Array.isArray(result.data)) return;
      for (const attachment of result.data) joined(row(attachment.filename), attachment);
    });
  }

  // 1 to 5 stars and a comment, at the end of the conversation.
  // Bring a new message into view: all of it when it fits, else its start (a long answer is
  // read from its first line, not from its last buttons).
  function showStart(item) {
    const room = log.clientHeight;
    const top = item.offsetTop; // the log is the items' offset parent (position: relative)
    log.scrollTop = item.offsetHeight > room ? top : Math.max(0, top + item.offsetHeight - room);
  }

  function renderRating() {
    if (log.querySelector(".chat-rating")) return log.querySelector(".chat-rating input").focus();
    const form = element("form", "chat-rating");
    form.noValidate = true;
    const fieldset = element("fieldset", "chat-rating__stars");
    fieldset.appendChild(element("legend", "chat-field__label", "Votre évaluation de la conversation"));
    const chosenText = element("p", "chat-rating__chosen", "Aucune étoile choisie");
    chosenText.setAttribute("aria-hidden", "true");
    const name = "chat-stars-" + conversationId;
    for (let stars = 1; stars <= 5; stars += 1) {
      const radio = element("input");
      radio.type = "radio";
      radio.name = name;
      radio.value = String(stars);
      radio.id = name + "-" + stars;
      radio.className = "chat-rating__radio";
      // A star the user sees (filled up to the chosen or hovered one), a label screen readers read.
      const label = element("label", "chat-rating__star");
      label.htmlFor = radio.id;
      const icon = element("span", "fr-icon-star-fill chat-rating__icon");
      icon.setAttribute("aria-hidden", "true");
      label.append(icon, element("span", "chat-sr-only", stars + (stars > 1 ? " étoiles" : " étoile")));
      fieldset.append(radio, label);
    }
    const comment = element("textarea", "chat-form__input");
    comment.rows = 2;
    comment.maxLength = 2000;
    const submit = element("button", "chat-form__send", "Envoyer mon évaluation");
    submit.type = "submit";
    const row = element("div", "chat-rating__row");
    row.appendChild(fieldset);
    form.append(row, chosenText, field("Un commentaire ? (facultatif)", comment), submit);
    fieldset.addEventListener("change", () => {
      const chosen = form.querySelector("input[type=radio]:checked");
      const stars = chosen ? Number(chosen.value) : 0;
      form.querySelectorAll(".chat-rating__star").forEach((star, index) => {
        star.classList.toggle("chat-rating__star--on", index < stars);
      });
      chosenText.textContent = stars ? stars + " sur 5" : "Aucune étoile choisie";
    });
    log.appendChild(form);
    showStart(form);
    fieldset.querySelector("input").focus();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = form.querySelector("input[type=radio]:checked");
      if (!chosen) return setStatus("Choisissez de 1 à 5 étoiles.");
      submit.disabled = true;
      const result = await post("/rating", { stars: Number(chosen.value), comment: comment.value || null });
      submit.disabled = false;
      if (!result.ok) return setStatus(errorMessage(result));
      setStatus("");
      form.replaceChildren(element("p", "chat-feedback__thanks", "Merci pour votre évaluation."));
    });
  }

  function renderBot(message, interactive) {
    if (message.id) {
      if (rendered.has(message.id)) return;
      rendered.add(message.id);
      lastSeenId = Math.max(lastSeenId, message.id);
    }
    const item = renderMessage(message.sender || "bot", message.text, message.buttons, interactive);
    if (message.entry_id) {
      renderFeedback(item, message.id, message.feedback);
      showStart(item);
    }
    if (message.fsd_number) {
      renderUpload(item, message.fsd_number);
      showStart(item);
    }
    if (message.ask_rating && interactive) renderRating();
  }

  function renderMessage(sender, text, buttons, interactive) {
    const item = document.createElement("div");
    item.className = "chat-msg chat-msg--" + (sender === "user" ? "user" : sender === "agent" ? "agent" : "bot");
    const who = document.createElement("span");
    who.className = sender === "agent" ? "chat-msg__author" : "chat-sr-only";
    who.textContent = sender === "user" ? "Vous : " : sender === "agent" ? "Conseiller" : "L'assistant : ";
    item.appendChild(who);
    if (text) {
      const body = document.createElement("p");
      body.className = "chat-msg__text";
      appendText(body, text);
      item.appendChild(body);
    }
    if (buttons && buttons.length) renderButtons(item, buttons, interactive);
    log.appendChild(item);
    showStart(item);
    return item;
  }

  // Never throws: a network failure is { ok: false, status: 0 }.
  async function request(method, path, body) {
    let response;
    try {
      const headers = body ? { "Content-Type": "application/json" } : {};
      if (conversationToken) headers["X-Conversation-Token"] = conversationToken;
      response = await fetch(apiBase + path, {
        method: method,
        headers: headers,
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (error) {
      return { ok: false, status: 0, data: null };
    }
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
    const text = currentStatus === "bot" ? "L'assistant rédige une réponse…" : "Envoi en cours…";
    setStatus(isBusy ? text : "");
  }

  // Send a message; `shown` is what the user sees as their own message (null: nothing shown).
  async function send(body, shown) {
    if (!conversationId) conversationId = newConversationId();
    if (shown) renderMessage("user", shown, [], false);
    busy(true);
    // The message's own id makes a retry safe: the server stores and answers it once.
    const message = Object.assign({ client_message_id: randomId() }, body);
    if (Object.keys(profile).length) message.metadata = profile;
    if (root.dataset.identityToken) message.identity_token = root.dataset.identityToken;
    let result = await post("/messages", message);
    if (result.status === 0) {
      // The network failed: try once more with the same id (never a duplicate).
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      result = await post("/messages", message);
    }
    if (isLocked(result)) {
      // This tab no longer holds the conversation (its token is gone): start a new one and
      // send the message there rather than lose it.
      startOver();
      if (shown) renderMessage("user", shown, [], false);
      result = await post("/messages", message);
    }
    busy(false);
    // The first message's reply gives the conversation's token, even when the bot failed.
    if (result.data) keepToken(result.data.conversation_token);
    if (!result.ok) {
      setStatus(errorMessage(result));
      return false;
    }
    for (const message of result.data.messages) renderBot(message, true);
    applyState(result.data.status, result.data.handoff);
    return true;
  }

  // The log takes the height the viewport leaves once everything else of the widget is shown:
  // the input stays in view and the log is the only thing that scrolls.
  function fitLog() {
    const others = root.offsetHeight - log.offsetHeight;
    const top = root.getBoundingClientRect().top + window.scrollY;
    const room = window.innerHeight - top - others - 16;
    log.style.height = Math.max(160, Math.floor(room)) + "px";
  }

  window.addEventListener("resize", fitLog);
  fitLog();
  // Fonts arriving late, the banner, the status line or the textarea resized change what the
  // rest of the widget takes: fit again.
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fitLog);
  window.addEventListener("load", fitLog);
  if ("ResizeObserver" in window) {
    let fitted = 0;
    new ResizeObserver(() => {
      const others = root.offsetHeight - log.offsetHeight;
      if (others !== fitted) {
        fitted = others;
        fitLog();
      }
    }).observe(form);
  }

  // Where the conversation is: with the bot, waiting for an advisor, or with one.
  function applyState(newStatus, handoff) {
    currentStatus = newStatus || "bot";
    let text = "";
    if (currentStatus === "waiting_agent" && handoff && handoff.offline) {
      text = "Votre message est transmis aux conseillers : ils vous répondront ici dès leur retour.";
    } else if (currentStatus === "waiting_agent" && handoff && handoff.position) {
      text =
        handoff.position === 1
          ? "En attente d'un conseiller : vous êtes le prochain."
          : "En attente d'un conseiller : vous êtes en position " + handoff.position + ".";
    } else if (currentStatus === "waiting_agent") {
      text = "En attente d'un conseiller.";
    } else if (currentStatus === "agent") {
      text = "Vous échangez avec un conseiller.";
    }
    banner.textContent = text;
    const wasHidden = banner.hidden;
    banner.hidden = !text;
    if (wasHidden !== banner.hidden) fitLog();
    if (currentStatus === "waiting_agent" || currentStatus === "agent") openSocket();
  }

  function socketUrl() {
    const base = new URL(apiBase || window.location.origin, window.location.href);
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    base.pathname = "/api/v1/conversations/" + conversationId + "/ws";
    base.search =
      "?after=" + lastSeenId + (conversationToken ? "&token=" + encodeURIComponent(conversationToken) : "");
    return base.toString();
  }

  // Receives the advisors' (and the bot's) messages in real time; reconnects with backoff and
  // asks for what it missed (`after` the last message shown).
  function openSocket() {
    socketWanted = true;
    if (socket || !conversationId || !("WebSocket" in window)) return;
    const forConversation = conversationId;
    const ws = new WebSocket(socketUrl());
    socket = ws;
    ws.addEventListener("open", () => {
      reconnectDelay = 1000;
    });
    ws.addEventListener("message", (event) => {
      let data = null;
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (forConversation !== conversationId) return;
      if (data.type === "message") renderBot(data.message, true);
      else if (data.type === "status") applyState(data.status, data.handoff);
      else if (data.type === "ping") ws.send(JSON.stringify({ type: "pong" }));
    });
    ws.addEventListener("close", (event) => {
      if (socket === ws) socket = null;
      // 4401, 4403, 4404: not this tab's conversation (or no longer one): do not retry.
      if (!socketWanted || forConversation !== conversationId || [4401, 4403, 4404].includes(event.code)) return;
      window.setTimeout(openSocket, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 30000);
    });
  }

  function closeSocket() {
    socketWanted = false;
    if (socket) socket.close();
    socket = null;
  }

  async function restore() {
    const result = await request("GET", "/api/v1/conversations/" + conversationId);
    if (result.status === 404 || isLocked(result)) {
      startOver();
      return send({ payload: "/greet" }, null);
    }
    if (!result.ok) {
      setStatus(errorMessage(result));
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
      if (m.sender !== "user") return renderBot(m, index > lastUser);
      renderMessage(m.sender, m.text, m.buttons, index > lastUser);
    });
    applyState(result.data.status, result.data.handoff);
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
    startOver();
    setStatus("");
    send({ payload: "/greet" }, null);
    input.focus();
  });

  // "Terminer et évaluer": the conversation ends (a waiting or active chat with an advisor too).
  endButton.addEventListener("click", async () => {
    if (conversationId && rendered.size) {
      const result = await post("/close");
      if (result.ok) {
        closeSocket();
        applyState(result.data.status, result.data.handoff);
      }
    }
    renderRating();
  });

  if (conversationId) {
    restore();
  } else {
    conversationId = newConversationId();
    send({ payload: "/greet" }, null);
  }
})();
