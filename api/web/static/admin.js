// Review console: login (admin role), inbox of what the assistant missed, one-click teaching
// with undo, the transcript around a message, new entries with a preview, the audit log.
// Every text is inserted with textContent (escaped).
(function () {
  "use strict";

  const REASONS = {
    not_understood: "Message non compris",
    unknown_error_message: "Message d'erreur inconnu",
    candidate_rejected: "Aucune des erreurs proposées ne convenait",
    out_of_scope: "Jugé hors sujet par l'assistant",
    suggestion_rejected: "Suggestions écartées (« Autre chose »)",
    thumbs_down: "Avis négatif sur une réponse",
    bad_rating: "Conversation notée 1 ou 2 étoiles",
    handoff_fsd_needed: "Échange avec un conseiller clos : FSD nécessaire",
    handoff_redirected: "Échange avec un conseiller clos : usager réorienté",
    handoff_bad_rating: "Échange avec un conseiller mal noté",
  };
  const DECISIONS = {
    attach: "Rattaché à une fiche",
    new_entry: "Nouvelle fiche créée",
    off_topic: "Marqué hors sujet",
    ignore: "Ignoré",
    done: "Marqué comme traité",
    nlu_example: "Exemple ajouté pour le prochain modèle",
  };
  const ACTIONS = {
    "review.attach": "Rattachement à une fiche",
    "review.new_entry": "Nouvelle fiche",
    "review.off_topic": "Hors sujet",
    "review.ignore": "Ignoré",
    "review.done": "Traité",
    "review.undo": "Annulation",
    "review.nlu_example": "Exemple pour le modèle",
    "model.train": "Entraînement du modèle",
    "model.example_removed": "Exemple retiré du modèle",
    "knowledge.create": "Création de fiche",
    "knowledge.update": "Modification de fiche",
    "knowledge.retire": "Retrait de fiche",
    "knowledge.reactivate": "Rétablissement de fiche",
    "knowledge.restore": "Restauration d'une version",
    "knowledge.teach": "Formulation apprise",
    "knowledge.untaught": "Formulation retirée",
  };
  const SENDERS = { user: "Usager", bot: "Assistant", agent: "Conseiller" };
  const DATE = new Intl.DateTimeFormat("fr-FR", { dateStyle: "short", timeStyle: "short" });

  const $ = (id) => document.getElementById(id);
  const { element } = window.Staff;
  let newEntrySource = null; // the inbox line a new entry is written for

  const staff = window.Staff.session({
    prefix: "admin",
    role: "admin",
    refusal: "Ce compte n'a pas le rôle de relecteur (admin).",
    statusId: "admin-status",
    onStart: start,
    onLogout: () => {},
  });
  const { api, errorMessage, setStatus } = staff;

  function button(label, className, onClick) {
    const node = element("button", "fr-btn fr-btn--sm " + (className || ""), label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function formatDate(value) {
    return DATE.format(new Date(value));
  }

  function start() {
    $("admin-name").textContent = staff.username();
    loadInbox();
    loadAudit();
    for (const callback of shared.onStart) callback();
  }

  // ---- sections ---------------------------------------------------------------------------

  const SECTIONS = ["inbox", "editor", "stats", "model"];

  function showSection(name) {
    $("transcript-panel").hidden = true;
    $("new-entry-panel").hidden = true;
    for (const section of SECTIONS) {
      const shown = section === name;
      const toggle = $("show-" + section);
      $(section).hidden = !shown;
      toggle.setAttribute("aria-pressed", String(shown));
      toggle.classList.toggle("fr-btn--secondary", !shown);
    }
    for (const callback of shared.onShow[name] || []) callback();
  }

  $("show-inbox").addEventListener("click", () => showSection("inbox"));
  $("show-editor").addEventListener("click", () => showSection("editor"));
  $("show-stats").addEventListener("click", () => showSection("stats"));
  $("show-model").addEventListener("click", () => showSection("model"));

  // ---- inbox ------------------------------------------------------------------------------

  $("inbox-kind").addEventListener("change", loadInbox);
  $("inbox-refresh").addEventListener("click", loadInbox);

  async function loadInbox() {
    const kind = $("inbox-kind").value;
    const result = await api("GET", "/api/v1/admin/review/inbox" + (kind ? "?kind=" + kind : ""));
    if (!result.ok) return setStatus(errorMessage(result));
    const list = $("inbox-list");
    list.replaceChildren();
    const lines = result.data.items;
    $("inbox-summary").textContent = lines.length
      ? lines.length + " ligne(s) à relire, " + result.data.total_items + " élément(s) en tout."
      : "Rien à relire pour le moment.";
    for (const line of lines) list.appendChild(inboxLine(line));
  }

  function inboxLine(line) {
    const item = element("li", "admin-item");
    item.dataset.key = line.key;
    const heading = element("h3", "fr-h6");
    heading.textContent = line.text || (line.stars ? line.stars + " étoile(s), sans commentaire" : "(sans texte)");
    heading.classList.add("admin-item__text");
    item.appendChild(heading);

    const meta = element("p", "admin-item__meta");
    const parts = [line.reasons.map((r) => REASONS[r] || r).join(", ")];
    parts.push(line.count > 1 ? line.count + " fois" : "1 fois");
    parts.push(
      line.count > 1
        ? "du " + formatDate(line.first_seen) + " au " + formatDate(line.last_seen)
        : "le " + formatDate(line.last_seen)
    );
    if (line.nlu_domain) parts.push("domaine deviné : " + line.nlu_domain);
    meta.textContent = parts.join(" · ");
    item.appendChild(meta);

    if (line.wordings.length > 1) {
      const details = element("details");
      details.appendChild(element("summary", null, "Formulations regroupées (" + line.wordings.length + ")"));
      const wordings = element("ul");
      for (const wording of line.wordings) wordings.appendChild(element("li", null, wording));
      details.appendChild(wordings);
      item.appendChild(details);
    }
    if (line.kind === "feedback") item.appendChild(feedbackDetails(line));
    if (line.kind === "handoff" || line.kind === "rating") item.appendChild(otherDetails(line));

    const outcome = element("p", "admin-outcome");
    outcome.setAttribute("role", "status");
    const actions = element("div", "admin-actions");
    if (line.kind === "unanswered") {
      item.appendChild(teachingForm(line, outcome, actions));
      actions.appendChild(button("Nouvelle fiche", "fr-btn--secondary", () => openNewEntry(line)));
      if (!line.paste) actions.appendChild(exampleControl(line, outcome, actions));
      actions.appendChild(button("Hors sujet", "fr-btn--tertiary", () => decide(line, { decision: "off_topic" }, outcome, actions)));
      actions.appendChild(button("Ignorer", "fr-btn--tertiary", () => decide(line, { decision: "ignore" }, outcome, actions)));
    } else {
      actions.appendChild(button("Marquer comme traité", "fr-btn--secondary", () => decide(line, { decision: "done" }, outcome, actions)));
      actions.appendChild(button("Ignorer", "fr-btn--tertiary", () => decide(line, { decision: "ignore" }, outcome, actions)));
    }
    actions.appendChild(button("Voir la conversation", "fr-btn--tertiary", () => showTranscript(line)));
    item.appendChild(actions);
    item.appendChild(outcome);
    return item;
  }

  function feedbackDetails(line) {
    const list = element("dl");
    const add = (term, value) => {
      if (value === null || value === undefined || value === "") return;
      list.appendChild(element("dt", null, term));
      list.appendChild(element("dd", null, value));
    };
    add("Réponse de l'assistant", line.answer);
    add("Fiche", line.entry ? line.entry.title + " (version " + line.entry_version + ")" : null);
    add("Commentaire", line.comment);
    add("Ministère", line.ministry_code);
    return list;
  }

  function otherDetails(line) {
    const list = element("dl");
    const add = (term, value) => {
      if (value === null || value === undefined || value === "") return;
      list.appendChild(element("dt", null, term));
      list.appendChild(element("dd", null, String(value)));
    };
    add("Étoiles", line.stars);
    add("Catégorie", line.category);
    add("Note", line.comment);
    return list;
  }

  // Candidates (the bot's, then the retrieval's), a search by words, "Rattacher à la fiche".
  function teachingForm(line, outcome, actions) {
    const form = element("form", "admin-teach");
    form.noValidate = true;
    const fieldset = element("fieldset", "fr-fieldset");
    const legend = element("legend", "fr-fieldset__legend", "Rattacher à une fiche");
    fieldset.appendChild(legend);
    const choices = element("ul", "admin-candidates");
    fieldset.appendChild(choices);
    const name = "entry-" + line.key.replace(/[^a-z0-9]/gi, "-");
    const shown = new Set();
    function addChoice(entry) {
      if (shown.has(entry.entry_id)) return;
      shown.add(entry.entry_id);
      const li = element("li", "fr-radio-group");
      const input = element("input");
      input.type = "radio";
      input.name = name;
      input.value = entry.entry_id;
      input.id = name + "-" + entry.entry_id;
      const label = element("label", "fr-label", entry.title + " (" + entry.domain + ")");
      label.htmlFor = input.id;
      li.append(input, label);
      choices.appendChild(li);
    }
    for (const candidate of line.candidates) addChoice(candidate);
    api("GET", "/api/v1/admin/review/candidates?text=" + encodeURIComponent(line.text)).then((result) => {
      if (result.ok) for (const hit of result.data.slice(0, 5)) addChoice(hit);
    });

    const search = element("div", "fr-input-group");
    const searchLabel = element("label", "fr-label", "Chercher une autre fiche par mots");
    const searchInput = element("input", "fr-input");
    searchInput.id = name + "-search";
    searchLabel.htmlFor = searchInput.id;
    search.append(searchLabel, searchInput);
    fieldset.appendChild(search);
    const searchButton = button("Chercher", "fr-btn--tertiary", async () => {
      const words = searchInput.value.trim();
      if (!words) return;
      const result = await api("GET", "/api/v1/admin/review/candidates?text=" + encodeURIComponent(words));
      if (!result.ok) return (outcome.textContent = errorMessage(result));
      choices.replaceChildren();
      shown.clear();
      for (const hit of result.data) addChoice(hit);
      if (!result.data.length) outcome.textContent = "Aucune fiche trouvée pour ces mots.";
    });
    fieldset.appendChild(searchButton);
    const attach = element("button", "fr-btn fr-btn--sm", "Rattacher à la fiche");
    attach.type = "submit";
    fieldset.appendChild(attach);
    form.appendChild(fieldset);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = form.querySelector("input[type=radio]:checked");
      if (!chosen) return (outcome.textContent = "Choisissez d'abord une fiche.");
      decide(line, { decision: "attach", entry_id: chosen.value }, outcome, actions, form);
    });
    return form;
  }

  // The domains of the menu and the NLU, fetched once.
  let domainList = null;
  function domains() {
    domainList =
      domainList ||
      api("GET", "/api/v1/kb/domains").then((result) => {
        if (!result.ok) {
          domainList = null;
          throw new Error(errorMessage(result));
        }
        return result.data;
      });
    return domainList;
  }

  // "Exemple pour le domaine X": stage the wordings as training examples of a domain.
  function exampleControl(line, outcome, actions) {
    const group = element("div", "admin-example");
    const id = "example-" + line.key.replace(/[^a-z0-9]/gi, "-");
    const label = element("label", "fr-label", "Domaine de l'exemple pour le modèle");
    label.htmlFor = id;
    const select = element("select", "fr-select fr-select--sm");
    select.id = id;
    const stage = button("Exemple pour le domaine", "fr-btn--tertiary", () =>
      decide(line, { decision: "nlu_example", nlu_domain: select.value }, outcome, actions)
    );
    const relabel = () => {
      const chosen = select.options[select.selectedIndex];
      stage.textContent = "Exemple pour le domaine " + (chosen ? chosen.textContent : "");
    };
    select.addEventListener("change", relabel);
    domains().then((list) => {
      for (const domain of list) {
        const option = element("option", null, domain.label || domain.id);
        option.value = domain.id;
        select.appendChild(option);
      }
      if (line.nlu_domain) select.value = line.nlu_domain;
      relabel();
    }, (error) => setStatus(error.message));
    group.append(label, select, stage);
    return group;
  }

  async function decide(line, body, outcome, actions, form) {
    const result = await api("POST", "/api/v1/admin/review/decisions", {
      item_kind: line.kind,
      item_ids: line.item_ids,
      ...body,
    });
    if (!result.ok) return (outcome.textContent = errorMessage(result));
    showDecided(result.data, outcome, actions, form);
    loadAudit();
  }

  function showDecided(decision, outcome, actions, form) {
    const item = outcome.closest(".admin-item");
    item.classList.add("admin-item--done");
    actions.hidden = true;
    if (form) form.hidden = true;
    outcome.replaceChildren();
    let text = DECISIONS[decision.kind] + " (" + decision.item_count + " élément(s))";
    if (decision.added && decision.added.text) text += " : « " + decision.added.text + " » est appris.";
    outcome.appendChild(element("span", null, text + " "));
    outcome.appendChild(
      button("Annuler", "fr-btn--tertiary", async () => {
        const result = await api("POST", "/api/v1/admin/review/decisions/" + decision.id + "/undo");
        if (!result.ok) return setStatus(errorMessage(result));
        item.classList.remove("admin-item--done");
        actions.hidden = false;
        if (form) form.hidden = false;
        outcome.textContent = "Décision annulée : l'élément est de nouveau à relire.";
        loadAudit();
      })
    );
  }

  // ---- transcript -------------------------------------------------------------------------

  async function showTranscript(line) {
    const query = line.message_id ? "?around=" + line.message_id : "";
    const result = await api(
      "GET",
      "/api/v1/admin/review/conversations/" + encodeURIComponent(line.conversation_id) + query
    );
    if (!result.ok) return setStatus(errorMessage(result));
    const list = $("transcript");
    list.replaceChildren();
    for (const message of result.data.messages) {
      const li = element("li", message.id === result.data.focus_message_id ? "admin-focus" : null);
      li.appendChild(element("strong", null, (SENDERS[message.sender] || message.sender) + " · " + formatDate(message.created_at) + " : "));
      li.appendChild(document.createTextNode(message.text || message.payload || ""));
      list.appendChild(li);
    }
    $("transcript-panel").hidden = false;
    $("transcript-title").focus();
  }

  $("transcript-close").addEventListener("click", () => {
    $("transcript-panel").hidden = true;
  });

  // ---- new entry --------------------------------------------------------------------------

  let domainsLoaded = false;

  async function openNewEntry(line) {
    if (!domainsLoaded) {
      let list;
      try {
        list = await domains();
      } catch (error) {
        return setStatus(error.message);
      }
      for (const domain of list) {
        const option = element("option", null, domain.label || domain.title || domain.id);
        option.value = domain.id;
        $("entry-domain").appendChild(option);
      }
      domainsLoaded = true;
    }
    newEntrySource = line;
    $("new-entry-source").textContent = "Pour : « " + line.text + " »";
    if (line.nlu_domain) $("entry-domain").value = line.nlu_domain;
    $("entry-errors").value = line.paste ? line.text : "";
    $("new-entry-panel").hidden = false;
    $("new-entry-title").focus();
    renderPreview();
  }

  function slug(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80);
  }

  function lines(id) {
    return $(id).value.split("\n").map((l) => l.trim()).filter(Boolean);
  }

  function entryButtons() {
    return lines("entry-buttons").map((l) => {
      const [title, entryId] = l.split("|").map((p) => p.trim());
      return { title, entry_id: entryId };
    });
  }

  function renderPreview() {
    const preview = $("entry-preview");
    preview.replaceChildren();
    preview.appendChild(element("p", null, $("entry-answer").value || "(la réponse)"));
    const buttons = entryButtons();
    if (buttons.length) {
      const row = element("div", "admin-actions");
      for (const b of buttons) {
        const fake = element("span", "fr-tag", b.title);
        row.appendChild(fake);
      }
      preview.appendChild(row);
    }
    preview.appendChild(element("p", "admin-item__meta", "Cette réponse vous a-t-elle aidé ? 👍 👎"));
  }

  for (const id of ["entry-answer", "entry-buttons"]) $(id).addEventListener("input", renderPreview);

  $("entry-cancel").addEventListener("click", () => {
    $("new-entry-panel").hidden = true;
    newEntrySource = null;
  });

  $("new-entry-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!newEntrySource) return;
    const title = $("entry-title").value.trim();
    const answer = $("entry-answer").value.trim();
    if (!title || !answer) return setStatus("Saisissez au moins le titre et la réponse.");
    const entry = {
      id: slug($("entry-domain").value + "-" + title),
      application: $("entry-application").value,
      domain: $("entry-domain").value,
      kind: $("entry-kind").value,
      title,
      answer,
      error_messages: lines("entry-errors"),
      buttons: entryButtons(),
    };
    const line = newEntrySource;
    const result = await api("POST", "/api/v1/admin/review/decisions", {
      item_kind: line.kind,
      item_ids: line.item_ids,
      decision: "new_entry",
      entry,
    });
    if (!result.ok) return setStatus(errorMessage(result));
    $("new-entry-panel").hidden = true;
    $("new-entry-form").reset();
    setStatus("La fiche « " + title + " » est créée ; elle répond dès le prochain message.");
    const item = document.querySelector('[data-key="' + CSS.escape(line.key) + '"]');
    if (item) {
      showDecided(result.data, item.querySelector(".admin-outcome"), item.querySelector(".admin-actions"), item.querySelector("form"));
    }
    loadAudit();
  });

  // ---- audit log --------------------------------------------------------------------------

  async function loadAudit() {
    const result = await api("GET", "/api/v1/admin/review/audit?limit=50");
    if (!result.ok) return;
    const body = $("audit-list");
    body.replaceChildren();
    for (const event of result.data) {
      const row = element("tr");
      row.appendChild(element("td", null, formatDate(event.created_at)));
      row.appendChild(element("td", null, event.actor));
      row.appendChild(element("td", null, ACTIONS[event.action] || event.action));
      const detail = event.detail || {};
      const what = [event.target, detail.title, detail.text ? "« " + detail.text + " »" : null]
        .filter(Boolean)
        .join(" · ");
      row.appendChild(element("td", null, what));
      body.appendChild(row);
    }
  }

  // What admin-editor.js shares with this file.
  const shared = {
    api,
    element,
    button,
    setStatus,
    formatDate,
    errorMessage,
    loadAudit,
    domains,
    onStart: [],
    onShow: {},
    token: staff.token,
  };
  window.AdminConsole = shared;
  // Wait for the other scripts of the page (deferred, in order) before starting.
  document.addEventListener("DOMContentLoaded", staff.resume);
})();
