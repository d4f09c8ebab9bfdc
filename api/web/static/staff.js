// Shared by the staff consoles (advisors, review): a DOM helper, the API client carrying the
// staff member's token, and the login / logout of the page (the form of _login.html).
// Every text is inserted with textContent (escaped).
(function () {
  "use strict";

  const FALLBACK_ERROR = "Le service est momentanément indisponible. Réessayez dans quelques instants.";
  const $ = (id) => document.getElementById(id);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // prefix: sessionStorage keys; role: the role the page needs; refusal: what others are told;
  // statusId: the status line; onStart / onLogout: show and tear down the workspace.
  function session({ prefix, role, refusal, statusId, onStart, onLogout }) {
    const tokenKey = prefix + ".token";
    const nameKey = prefix + ".username";
    const statusLine = $(statusId);
    let token = window.sessionStorage.getItem(tokenKey);
    let username = window.sessionStorage.getItem(nameKey);

    function setStatus(text) {
      statusLine.textContent = text || "";
    }

    // Never throws: a network failure is { ok: false, status: 0 }.
    async function api(method, path, body) {
      const headers = {};
      if (body) headers["Content-Type"] = "application/json";
      if (token) headers.Authorization = "Bearer " + token;
      let response;
      try {
        response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
      } catch (error) {
        return { ok: false, status: 0, data: null };
      }
      let data = null;
      try {
        data = await response.json();
      } catch (error) {
        data = null;
      }
      if (response.status === 401 && token) logout("Votre session a expiré : reconnectez-vous.");
      return { ok: response.ok, status: response.status, data };
    }

    function errorMessage(result) {
      return (result.data && result.data.message) || FALLBACK_ERROR;
    }

    function start() {
      $("login").hidden = true;
      $("workspace").hidden = false;
      onStart();
    }

    function logout(message) {
      token = null;
      window.sessionStorage.removeItem(tokenKey);
      window.sessionStorage.removeItem(nameKey);
      onLogout();
      $("workspace").hidden = true;
      $("login").hidden = false;
      setStatus(message || "");
    }

    $("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = $("login-username").value.trim();
      const password = $("login-password").value;
      if (!name || !password) return setStatus("Saisissez votre identifiant et votre mot de passe.");
      $("login-submit").disabled = true;
      const result = await api("POST", "/api/v1/auth/token", { username: name, password });
      $("login-submit").disabled = false;
      if (!result.ok) return setStatus(errorMessage(result));
      if (!result.data.roles.includes(role)) return setStatus(refusal);
      token = result.data.access_token;
      username = name;
      window.sessionStorage.setItem(tokenKey, token);
      window.sessionStorage.setItem(nameKey, username);
      $("login-password").value = "";
      setStatus("");
      start();
    });

    $("logout").addEventListener("click", () => logout("Vous êtes déconnecté."));

    return {
      api,
      errorMessage,
      setStatus,
      logout,
      token: () => token,
      username: () => username,
      // Start at once when the page is reloaded with a token still in the tab's storage.
      resume() {
        if (token) start();
      },
    };
  }

  window.Staff = { element, session };
})();
