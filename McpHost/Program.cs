using Mnemosyne.McpHost;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddMcpHost();

var app = builder.Build();
app.MapMcpHost();
app.Run();
