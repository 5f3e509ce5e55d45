using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mnemosyne.Testing;

/// <summary>
/// A stand-in Neo4j that refuses every request as a real one refuses wrong credentials: 401 with the documented
/// error body. (No Neo4j can run here; recorded responses are how Neo4j is tested.)
/// </summary>
public sealed class RefusingNeo4j : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RefusingNeo4j(WebApplication app) => _app = app;

    public string ConnectionString => $"Endpoint={_app.Urls.Single()};Username=neo4j;Password=wrong-password;Database=neo4j";

    public static async Task<RefusingNeo4j> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(
                """{"errors":[{"code":"Neo.ClientError.Security.Unauthorized","message":"The client is unauthorized due to authentication failure."}]}""");
        });
        await app.StartAsync();
        return new RefusingNeo4j(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
