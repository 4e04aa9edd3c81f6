// Swagger UI over the served description; "Authorize" takes a token from
// `dabba token` and is remembered across reloads.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  tryItOutEnabled: true,
});
