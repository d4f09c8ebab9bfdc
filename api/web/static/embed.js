// Assistant Chorus in a portal's pages, with one tag:
//   <script src="https://assistant.example/static/embed.js" data-application="chorus_pro"
//           data-ministry-code="MIN06" data-identity-token="<JWT signed by the portal>" defer></script>
// A launcher button opens a panel with the chat (our /embed page in a frame: its styles and
// scripts never mix with the portal's). The portal's origin must be in EMBED_ORIGINS. The signed
// profile goes to the frame by postMessage, never in a URL; AssistantChorus.setIdentityToken()
// renews it.
(function () {
  "use strict";

  const script =
    document.currentScript || document.querySelector('script[src*="/static/embed.js"]');
  if (!script || window.AssistantChorus) return;
  const origin = new URL(script.src, window.location.href).origin;
  const label = script.dataset.label || "Assistant Chorus";
  let identityToken = script.dataset.identityToken || null;
  const FONT = '"Marianne", arial, sans-serif';
  const ACCENT = "#000091";
  const LAYER = "2147483000";

  function css(node, rules) {
    Object.assign(node.style, rules);
    return node;
  }

  function button(text, aria) {
    const made = document.createElement("button");
    made.type = "button";
    made.textContent = text;
    if (aria) made.setAttribute("aria-label", aria);
    return css(made, {
      font: "700 0.875rem/1.5 " + FONT,
      color: ACCENT,
      background: "#ffffff",
      border: "1px solid " + ACCENT,
      borderRadius: "0.25rem",
      padding: "0.25rem 0.75rem",
      cursor: "pointer",
    });
  }

  const launcher = css(document.createElement("button"), {
    position: "fixed",
    right: "1.5rem",
    bottom: "1.5rem",
    zIndex: LAYER,
    padding: "0.75rem 1.25rem",
    border: "2px solid #ffffff",
    borderRadius: "2rem",
    background: ACCENT,
    color: "#ffffff",
    font: "700 1rem/1.5 " + FONT,
    boxShadow: "0 6px 18px rgba(0, 0, 18, 0.32)",
    cursor: "pointer",
  });
  launcher.type = "button";
  launcher.className = "assistant-chorus-launcher";
  launcher.textContent = label;
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "assistant-chorus-panel");

  const panel = css(document.createElement("div"), {
    position: "fixed",
    zIndex: LAYER,
    display: "none",
    flexDirection: "column",
    boxSizing: "border-box",
    background: "#ffffff",
    border: "1px solid #929292",
    boxShadow: "0 6px 18px rgba(0, 0, 18, 0.32)",
  });
  panel.id = "assistant-chorus-panel";
  panel.className = "assistant-chorus-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", label);

  const bar = css(document.createElement("div"), {
    display: "flex",
    alignItems: "center",
    gap: "0.5rem",
    padding: "0.5rem 0.75rem",
    borderBottom: "1px solid #dddddd",
  });
  const title = css(document.createElement("p"), {
    flex: "1",
    margin: "0",
    font: "700 1rem/1.5 " + FONT,
    color: "#161616",
  });
  title.textContent = label;
  const enlarge = button("Agrandir", "Agrandir l'assistant en plein écran");
  const close = button("Fermer", "Fermer l'assistant");
  bar.append(title, enlarge, close);
  panel.appendChild(bar);

  let frame = null;
  let full = false;

  function place() {
    const narrow = window.innerWidth < 640;
    if (narrow || full) {
      css(panel, { top: "0", right: "0", bottom: "0", left: "0", width: "100vw", height: "100dvh" });
    } else {
      css(panel, {
        top: "auto",
        left: "auto",
        right: "1.5rem",
        bottom: "5.5rem",
        width: "min(28rem, calc(100vw - 3rem))",
        height: "min(44rem, calc(100vh - 7.5rem))",
      });
    }
    enlarge.hidden = narrow;
    enlarge.textContent = full ? "Réduire" : "Agrandir";
    enlarge.setAttribute("aria-label", full ? "Réduire l'assistant" : "Agrandir l'assistant en plein écran");
  }

  function sendIdentity() {
    if (frame && frame.contentWindow && identityToken) {
      frame.contentWindow.postMessage({ type: "assistant-chorus:identity", token: identityToken }, origin);
    }
  }

  function open() {
    if (!frame) {
      const query = new URLSearchParams();
      if (script.dataset.application) query.set("application", script.dataset.application);
      if (script.dataset.ministryCode) query.set("ministere", script.dataset.ministryCode);
      frame = css(document.createElement("iframe"), { flex: "1", width: "100%", border: "0" });
      frame.title = label;
      frame.src = origin + "/embed" + (query.toString() ? "?" + query : "");
      panel.appendChild(frame);
    }
    place();
    panel.style.display = "flex";
    launcher.setAttribute("aria-expanded", "true");
    launcher.style.display = window.innerWidth < 640 ? "none" : "block";
    frame.focus();
  }

  function shut() {
    panel.style.display = "none";
    launcher.style.display = "block";
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.style.display === "flex" ? shut() : open()));
  close.addEventListener("click", shut);
  enlarge.addEventListener("click", () => {
    full = !full;
    place();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") shut();
  });
  window.addEventListener("resize", () => {
    if (panel.style.display === "flex") place();
  });
  // The frame says when it is ready for the profile, and when the user pressed Escape in it.
  window.addEventListener("message", (event) => {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
    const data = event.data || {};
    if (data.type === "assistant-chorus:ready") sendIdentity();
    else if (data.type === "assistant-chorus:close") shut();
  });

  function mount() {
    document.body.append(launcher, panel);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.AssistantChorus = {
    open: open,
    close: shut,
    setIdentityToken: function (token) {
      identityToken = token || null;
      sendIdentity();
    },
  };
})();
