// Starts the vendored Swagger UI on /schema: no inline script, no request elsewhere
// (validatorUrl null: Swagger UI would otherwise ask validator.swagger.io for a badge).
"use strict";
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
  });
});
