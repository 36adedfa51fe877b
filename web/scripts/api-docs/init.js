// Swagger UI over the server's own OpenAPI document (served from the build, never a CDN).
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });
