// Starts the vendored Swagger UI on /schema: no inline script, no request elsewhere
// (validatorUrl null: Swagger UI would otherwise ask validator.swagger.io for a badge).
"use strict";
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    // Without deep links: Swagger UI puts them as links inside each operation's button,
    // which screen readers do not announce (axe: nested-interactive).
    deepLinking: false,
    validatorUrl: null,
    onComplete: function () {
      // The server chooser has no label of its own.
      var servers = document.getElementById("servers");
      if (servers) { servers.setAttribute("aria-label", "Server"); }
    },
  });
});
