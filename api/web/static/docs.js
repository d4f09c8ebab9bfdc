// The OpenAPI page: Swagger UI served from this server's own files (works offline, no inline
// script, so the Content-Security-Policy holds).
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: root.dataset.openapiUrl, domNode: root, deepLinking: true });
})();
