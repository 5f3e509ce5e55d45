using Mnemosyne.AuthService;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAuthService();

var app = builder.Build();
app.MapAuthService();
app.Run();
