// Review console, knowledge editor: list, filter and search entries; edit one with its version
// history (who, when, what changed) and restore an older version; retire and put back.
// Every text is inserted with textContent (escaped).
(function () {
  "use strict";

  const { api, element, button, setStatus, formatDate, errorMessage, loadAudit, onStart } =
    window.AdminConsole;
  const $ = (id) => document.getElementById(id);
  const KINDS = { knowledge: "Fiche de connaissance", major_incident: "Incident majeur" };
  const ACTIONS = {
    import: "reprise de l'existant",
    yaml: "chargée des fichiers YAML",
    create: "création",
    update: "modification",
    retire: "retrait",
    reactivate: "rétablissement",
    restore: "restauration d'une version",
    teach: "formulation apprise",
    untaught: "formulation retirée",
  };
  const FIELDS = {
    application: "Application",
    domain: "Domaine",
    title: "Titre",
    answer: "Réponse",
    error_messages: "Messages d'erreur",
    reformulations: "Reformulations",
    keywords: "Mots-clés",
    buttons: "Boutons",
    follow_up: "Question de suivi",
    proposes_fsd: "Propose une FSD",
    overview: "Fiche de synthèse",
    kind: "Type",
    incident: "Incident majeur",
  };
  let domains = [];
  let current = null; // the entry being edited, as read

  onStart.push(async () => {
    const result = await api("GET", "/api/v1/kb/domains");
    if (!result.ok) return;
    domains = result.data;
    for (const select of [$("filter-domain"), $("edit-domain")]) {
      for (const domain of domains) {
        const option = element("option", null, domain.label);
        option.value = domain.id;
        select.appendChild(option);
      }
    }
    loadEntries();
  });

  function domainLabel(id) {
    const found = domains.find((d) => d.id === id);
    return found ? found.label : id;
  }

  $("editor-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadEntries();
  });

  async function loadEntries() {
    const params = new URLSearchParams();
    if ($("filter-domain").value) params.set("domain", $("filter-domain").value);
    if ($("filter-kind").value) params.set("kind", $("filter-kind").value);
    if ($("filter-q").value.trim()) params.set("q", $("filter-q").value.trim());
    if ($("filter-retired").checked) params.set("include_retired", "true");
    const result = await api("GET", "/api/v1/admin/kb/entries?" + params.toString());
    if (!result.ok) return setStatus(errorMessage(result));
    const body = $("entries-list");
    body.replaceChildren();
    $("entries-caption").textContent = result.data.length + " fiche(s)";
    for (const entry of result.data) {
      const row = element("tr");
      row.dataset.entry = entry.id;
      row.appendChild(element("td", null, entry.title));
      row.appendChild(element("td", null, domainLabel(entry.domain)));
      row.appendChild(element("td", null, KINDS[entry.kind] || entry.kind));
      row.appendChild(element("td", null, String(entry.version)));
      row.appendChild(element("td", null, entry.retired ? "Retirée" : "Active"));
      const cell = element("td");
      cell.appendChild(button("Modifier", "fr-btn--tertiary", () => openEntry(entry.id)));
      row.appendChild(cell);
      body.appendChild(row);
    }
  }

  async function openEntry(entryId) {
    const result = await api("GET", "/api/v1/admin/kb/entries/" + encodeURIComponent(entryId));
    if (!result.ok) return setStatus(errorMessage(result));
    fill(result.data);
    $("edit-panel").hidden = false;
    $("edit-title").focus();
    loadHistory();
  }

  function fill(entry) {
    current = entry;
    $("edit-meta").textContent =
      entry.id + " · version " + entry.version + " · " + (entry.retired ? "retirée" : "active") +
      " · modifiée le " + formatDate(entry.updated_at);
    $("edit-entry-title").value = entry.title;
    $("edit-domain").value = entry.domain;
    $("edit-application").value = entry.application;
    $("edit-kind").value = entry.kind;
    $("edit-answer").value = entry.answer;
    $("edit-errors").value = entry.error_messages.join("\n");
    $("edit-reformulations").value = entry.reformulations.join("\n");
    $("edit-keywords").value = entry.keywords.join("\n");
    $("edit-buttons").value = entry.buttons.map((b) => b.title + " | " + b.entry_id).join("\n");
    $("edit-proposes-fsd").checked = entry.proposes_fsd;
    $("edit-overview").checked = entry.overview;
    const incident = entry.incident || {};
    $("edit-incident-status").value = incident.status || "";
    $("edit-incident-workaround").value = incident.workaround || "";
    $("edit-incident-date").value = incident.reported_on || "";
    $("edit-incident").hidden = entry.kind !== "major_incident";
    $("edit-retire").hidden = entry.retired;
    $("edit-reactivate").hidden = !entry.retired;
  }

  $("edit-kind").addEventListener("change", () => {
    $("edit-incident").hidden = $("edit-kind").value !== "major_incident";
  });

  function lines(id) {
    return $(id).value.split("\n").map((l) => l.trim()).filter(Boolean);
  }

  function edited() {
    const incident =
      $("edit-kind").value === "major_incident" && $("edit-incident-status").value.trim()
        ? {
            status: $("edit-incident-status").value.trim(),
            workaround: $("edit-incident-workaround").value.trim() || null,
            reported_on: $("edit-incident-date").value || null,
          }
        : null;
    return {
      application: $("edit-application").value,
      domain: $("edit-domain").value,
      title: $("edit-entry-title").value.trim(),
      answer: $("edit-answer").value.trim(),
      error_messages: lines("edit-errors"),
      reformulations: lines("edit-reformulations"),
      keywords: lines("edit-keywords"),
      buttons: lines("edit-buttons").map((l) => {
        const [title, entryId] = l.split("|").map((p) => p.trim());
        return { title, entry_id: entryId };
      }),
      follow_up: current.follow_up,
      proposes_fsd: $("edit-proposes-fsd").checked,
      overview: $("edit-overview").checked,
      kind: $("edit-kind").value,
      incident,
    };
  }

  function entryPath(suffix) {
    return "/api/v1/admin/kb/entries/" + encodeURIComponent(current.id) + (suffix || "");
  }

  async function afterChange(result, message) {
    if (!result.ok) return setStatus(errorMessage(result));
    fill(result.data);
    setStatus(message);
    loadHistory();
    loadEntries();
    loadAudit();
  }

  $("edit-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    const result = await api("PUT", entryPath(), edited());
    afterChange(result, "Fiche enregistrée (version " + (result.data && result.data.version) + ") : elle répond dès le prochain message.");
  });

  $("edit-retire").addEventListener("click", async () => {
    afterChange(await api("DELETE", entryPath()), "Fiche retirée : elle ne répond plus.");
  });

  $("edit-reactivate").addEventListener("click", async () => {
    afterChange(await api("POST", entryPath("/reactivate")), "Fiche rétablie : elle répond de nouveau.");
  });

  $("edit-close").addEventListener("click", () => {
    $("edit-panel").hidden = true;
    current = null;
  });

  // ---- history ----------------------------------------------------------------------------

  function show(value) {
    if (value === null || value === undefined || value === "") return "(vide)";
    if (typeof value === "boolean") return value ? "oui" : "non";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function changeItem(change) {
    const item = element("li", "admin-change");
    item.appendChild(element("strong", null, (FIELDS[change.field] || change.field) + " : "));
    if (change.added.length || change.removed.length) {
      for (const value of change.removed) item.appendChild(element("del", null, "− " + show(value) + " "));
      for (const value of change.added) item.appendChild(element("ins", null, "+ " + show(value) + " "));
    } else {
      item.appendChild(element("del", null, show(change.before)));
      item.appendChild(document.createTextNode(" → "));
      item.appendChild(element("ins", null, show(change.after)));
    }
    return item;
  }

  async function loadHistory() {
    const result = await api("GET", entryPath("/history"));
    const list = $("edit-history");
    list.replaceChildren();
    if (!result.ok) return setStatus(errorMessage(result));
    result.data.forEach((version, index) => {
      const item = element("li");
      item.appendChild(
        element(
          "p",
          null,
          "Version " + version.version + " · " + (ACTIONS[version.action] || version.action) +
            " · par " + version.actor + " · le " + formatDate(version.created_at)
        )
      );
      const changes = element("ul");
      for (const change of version.changes) changes.appendChild(changeItem(change));
      if (version.changes.length) item.appendChild(changes);
      if (index > 0) {
        item.appendChild(
          button("Restaurer cette version", "fr-btn--tertiary", async () => {
            afterChange(
              await api("POST", entryPath("/versions/" + version.id + "/restore")),
              "Version " + version.version + " restaurée."
            );
          })
        );
      }
      list.appendChild(item);
    });
  }
})();
