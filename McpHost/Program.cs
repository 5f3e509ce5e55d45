// The MCP server and its auth middleware arrive with the McpHost issue; for now the host only reports health.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
