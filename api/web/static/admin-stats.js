// Review console, statistics: a period, by day or week, optionally one application or ministry;
// a chart (the State's chart components) with its table, thumbs by entry, the LiveChat figures,
// messages per hour of the week; CSV export. Every text is inserted with textContent (escaped).
(function () {
  "use strict";

  const { api, element, setStatus, errorMessage, onShow, token } = window.AdminConsole;
  const $ = (id) => document.getElementById(id);
  const DAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"];
  const COLUMNS = ["conversations", "messages", "answered", "misunderstood", "handoffs", "fsds"];
  const SERIES = { messages: "Messages", answered: "Réponses d'une fiche", misunderstood: "Non traités" };
  const OUTCOMES = {
    resolved: "résolu",
    fsd_needed: "FSD nécessaire",
    redirected: "réorienté",
    no_reply: "sans réponse",
    cancelled: "abandonné",
    other: "autre",
  };
  let loaded = false;

  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }

  onShow.stats = [
    () => {
      if (loaded) return;
      const today = new Date();
      $("stats-end").value = isoDay(today);
      $("stats-start").value = isoDay(new Date(today.getTime() - 29 * 86400000));
      load();
    },
  ];

  function query() {
    const params = new URLSearchParams({
      start: $("stats-start").value,
      end: $("stats-end").value,
      granularity: $("stats-granularity").value,
    });
    if ($("stats-application").value) params.set("application", $("stats-application").value);
    if ($("stats-ministry").value.trim()) params.set("ministry", $("stats-ministry").value.trim());
    return params.toString();
  }

  $("stats-form").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });

  async function load() {
    const result = await api("GET", "/api/v1/admin/stats?" + query());
    if (!result.ok) return setStatus(errorMessage(result));
    loaded = true;
    render(result.data);
  }

  function render(stats) {
    const t = stats.totals;
    $("stats-summary").textContent =
      t.conversations + " conversation(s), " + t.messages + " message(s) d'usagers, " +
      t.answered + " réponse(s) d'une fiche, " + t.misunderstood + " message(s) non traité(s), " +
      t.handoffs + " demande(s) de conseiller, " + t.fsds + " FSD ouverte(s).";
    renderChart(stats.buckets);
    const body = $("stats-table");
    body.replaceChildren();
    for (const bucket of stats.buckets) {
      const row = element("tr");
      row.appendChild(element("td", null, bucket.start));
      for (const column of COLUMNS) row.appendChild(element("td", null, String(bucket[column])));
      body.appendChild(row);
    }
    const feedback = $("stats-feedback");
    feedback.replaceChildren();
    for (const entry of stats.feedback_by_entry) {
      const row = element("tr");
      row.appendChild(element("td", null, entry.title || entry.entry_id));
      row.appendChild(element("td", null, String(entry.up)));
      row.appendChild(element("td", null, String(entry.down)));
      feedback.appendChild(row);
    }
    renderHandoffs(stats);
    renderHours(stats.hour_of_week);
  }

  function renderChart(buckets) {
    const chart = $("stats-chart");
    chart.replaceChildren();
    const bar = document.createElement("bar-chart");
    const names = Object.keys(SERIES);
    bar.setAttribute("x", JSON.stringify([buckets.map((b) => b.start)]));
    bar.setAttribute("y", JSON.stringify(names.map((n) => buckets.map((b) => b[n]))));
    bar.setAttribute("name", JSON.stringify(names.map((n) => SERIES[n])));
    bar.setAttribute("selected-palette", "categorical");
    chart.appendChild(bar);
  }

  function renderHandoffs(stats) {
    const list = $("stats-handoffs");
    list.replaceChildren();
    const add = (term, value) => {
      list.appendChild(element("dt", null, term));
      list.appendChild(element("dd", null, value));
    };
    const outcomes = Object.entries(stats.handoffs_by_outcome)
      .map(([k, n]) => (OUTCOMES[k] || k) + " : " + n)
      .join(", ");
    const categories = Object.entries(stats.handoffs_by_category)
      .map(([k, n]) => k + " : " + n)
      .join(", ");
    add("Issue des échanges", outcomes || "aucun échange");
    add("Catégories", categories || "aucune");
    add(
      "Attente moyenne avant la prise en charge",
      stats.average_wait_seconds === null ? "—" : Math.round(stats.average_wait_seconds) + " s"
    );
    add("Note moyenne de l'assistant", stats.bot_stars === null ? "—" : stats.bot_stars + " / 5");
    add("Note moyenne des conseillers", stats.advisor_stars === null ? "—" : stats.advisor_stars + " / 5");
  }

  function renderHours(week) {
    const head = $("stats-hours-head");
    head.replaceChildren(element("th", null, "Jour"));
    for (let hour = 0; hour < 24; hour++) {
      const th = element("th", null, hour + " h");
      th.scope = "col";
      head.appendChild(th);
    }
    const body = $("stats-hours");
    body.replaceChildren();
    week.forEach((hours, day) => {
      const row = element("tr");
      const th = element("th", null, DAYS[day]);
      th.scope = "row";
      row.appendChild(th);
      for (const count of hours) row.appendChild(element("td", null, String(count)));
      body.appendChild(row);
    });
  }

  // The CSV needs the token: fetched, then saved through a temporary link.
  $("stats-csv").addEventListener("click", async () => {
    let response;
    try {
      response = await fetch("/api/v1/admin/stats/csv?" + query(), {
        headers: { Authorization: "Bearer " + token() },
      });
    } catch (error) {
      return setStatus("Le service est momentanément indisponible. Réessayez dans quelques instants.");
    }
    if (!response.ok) return setStatus("Le fichier n'a pas pu être produit.");
    const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    const link = element("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = name ? name[1] : "statistiques.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });
})();
