// Review console, model: the live model (name, training date, held-out score), the examples
// staged from the inbox, a button that trains and loads a new model in the background (refused
// when it does worse on the held-out set), and the recent runs, followed while one is active.
// Every text is inserted with textContent (escaped).
(function () {
  "use strict";

  const { api, element, button, setStatus, errorMessage, formatDate, loadAudit, onShow, domains } =
    window.AdminConsole;
  const $ = (id) => document.getElementById(id);
  const STATUSES = {
    queued: "en file d'attente",
    training: "entraînement en cours",
    evaluating: "comparaison avec le modèle en service",
    loading: "chargement dans l'assistant",
    loaded: "en service",
    promoted: "chargé au prochain démarrage de l'assistant",
    unchanged: "inchangé : le modèle en service a déjà ces exemples",
    refused: "refusé : moins bon que le modèle en service",
    failed: "échec",
  };
  const ACTIVE = new Set(["queued", "training", "evaluating", "loading"]);
  const POLL_MS = 3000;
  let labels = {};
  let timer = null;

  onShow.model = [load];

  function percent(value) {
    return value === null || value === undefined
      ? "—"
      : (value * 100).toLocaleString("fr-FR", { maximumFractionDigits: 1 }) + " %";
  }

  async function load() {
    clearTimeout(timer);
    try {
      labels = Object.fromEntries((await domains()).map((d) => [d.id, d.label || d.id]));
    } catch (error) {
      setStatus(error.message);
    }
    const result = await api("GET", "/api/v1/admin/model");
    if (!result.ok) return setStatus(errorMessage(result));
    render(result.data);
    const running = result.data.runs.find((run) => ACTIVE.has(run.status));
    if (running && !$("model").hidden) timer = setTimeout(load, POLL_MS);
  }

  function render(state) {
    const live = $("model-live");
    live.replaceChildren();
    const add = (term, value) => {
      live.appendChild(element("dt", null, term));
      live.appendChild(element("dd", null, value));
    };
    if (state.live) {
      add("Modèle en service", state.live.name);
      add("Entraîné le", state.live.trained_at ? formatDate(state.live.trained_at) : "date inconnue");
      add("Phrases de contrôle reconnues", percent(state.live.score));
    } else {
      add("Modèle en service", "aucun modèle entraîné");
    }
    add("Assistant", state.rasa_reachable ? "en marche" : "arrêté : le modèle sera chargé au démarrage");
    add("Exemples en attente", String(state.pending_examples));

    const running = state.runs.find((run) => ACTIVE.has(run.status));
    $("model-train").disabled = Boolean(running);
    $("model-progress").textContent = running
      ? "Entraînement n° " + running.id + " : " + STATUSES[running.status] + "…"
      : "";
    renderExamples(state.examples);
    renderRuns(state.runs);
  }

  function renderExamples(examples) {
    const body = $("model-examples");
    body.replaceChildren();
    $("model-examples-caption").textContent =
      "Exemples ajoutés par l'équipe support (" + examples.length + ")";
    for (const example of examples) {
      const row = element("tr");
      row.appendChild(element("td", null, example.text));
      row.appendChild(element("td", null, labels[example.intent] || example.intent));
      row.appendChild(element("td", null, example.staged_by + ", le " + formatDate(example.staged_at)));
      row.appendChild(
        element("td", null, example.trained_in ? "appris (modèle " + example.trained_in + ")" : "en attente")
      );
      const cell = element("td");
      cell.appendChild(
        button("Retirer", "fr-btn--tertiary", async () => {
          const result = await api("DELETE", "/api/v1/admin/model/examples/" + example.id);
          if (!result.ok) return setStatus(errorMessage(result));
          setStatus("Exemple retiré : le prochain modèle sera entraîné sans lui.");
          loadAudit();
          load();
        })
      );
      row.appendChild(cell);
      body.appendChild(row);
    }
  }

  function renderRuns(runs) {
    const body = $("model-runs");
    body.replaceChildren();
    for (const run of runs) {
      const row = element("tr");
      row.appendChild(element("td", null, formatDate(run.requested_at)));
      row.appendChild(element("td", null, run.requested_by));
      row.appendChild(element("td", null, STATUSES[run.status] || run.status));
      row.appendChild(element("td", null, String(run.examples)));
      row.appendChild(element("td", null, percent(run.score) + " / " + percent(run.live_score)));
      row.appendChild(element("td", null, [run.model ? "modèle " + run.model : "", run.detail].filter(Boolean).join(" · ")));
      body.appendChild(row);
    }
  }

  $("model-refresh").addEventListener("click", load);
  $("model-train").addEventListener("click", async () => {
    $("model-train").disabled = true;
    const result = await api("POST", "/api/v1/admin/model/runs");
    if (!result.ok) {
      $("model-train").disabled = false;
      return setStatus(errorMessage(result));
    }
    setStatus("Entraînement lancé : le nouveau modèle sera chargé s'il est au moins aussi bon.");
    loadAudit();
    load();
  });
})();
