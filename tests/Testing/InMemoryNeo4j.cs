using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mnemosyne.Testing;

/// <summary>
/// A stand-in Neo4j for where none can run (GROUND: no server package, no container here): an HTTP server on
/// loopback answering Neo4j's Query API v2 — <c>POST /db/neo4j/query/v2</c> <c>{"statement","parameters"}</c>, Basic
/// auth — in its documented shapes, with real answers from a library graph it holds in memory
/// (<see cref="InMemoryNeo4jGraph"/>), for the statements the library store and the library directory send. So both
/// services can run on Neo4j as their library store, and a <see cref="FaultProxy"/> can stand between them and it
/// (the fault harness). Wrong credentials get 401 as from a real Neo4j; a statement it does not know, Neo4j's error
/// body. Not a Cypher engine: what it proves is the services' side of the wire, not Neo4j's.
/// </summary>
public sealed class InMemoryNeo4j : IAsyncDisposable
{
    private const string Database = "neo4j";
    private readonly WebApplication _app;
    private readonly string _password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
    private readonly InMemoryNeo4jGraph _graph = new();

    private InMemoryNeo4j(WebApplication app) => _app = app;

    public int Port => new Uri(_app.Urls.Single()).Port;

    /// <summary><c>ConnectionStrings__neo4j</c> for it (CONTRACT §1).</summary>
    public string ConnectionString => ConnectionStringAt(Port);

    /// <summary>The connection string with another port: to reach it through a <see cref="FaultProxy"/>.</summary>
    public string ConnectionStringAt(int port) =>
        $"Endpoint=http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)};Username=neo4j;Password={_password};Database={Database}";

    public static async Task<InMemoryNeo4j> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var neo4j = new InMemoryNeo4j(app);
        app.MapPost("/db/{database}/query/v2", neo4j.QueryAsync);
        await app.StartAsync();
        return neo4j;
    }

    private async Task QueryAsync(HttpContext context, string database)
    {
        if (context.Request.Headers.Authorization.ToString() != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("neo4j:" + _password)))
        {
            await ErrorAsync(context, StatusCodes.Status401Unauthorized, "Neo.ClientError.Security.Unauthorized",
                "The client is unauthorized due to authentication failure.");
            return;
        }

        if (database != Database)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "Neo.ClientError.Database.DatabaseNotFound",
                $"Graph not found: {database}");
            return;
        }

        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var statement = body.RootElement.GetProperty("statement").GetString()!;
        var parameters = body.RootElement.TryGetProperty("parameters", out var given) ? given : default;
        InMemoryNeo4jGraph.Result result;
        try
        {
            result = _graph.Run(statement, parameters);
        }
        catch (InMemoryNeo4jGraph.UnknownStatementException exception)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "Neo.ClientError.Statement.SyntaxError", exception.Message);
            return;
        }

        var values = new JsonArray([.. result.Rows.Select(row => new JsonArray([.. row.Select(Value)]))]);
        var answer = new JsonObject
        {
            ["data"] = new JsonObject { ["fields"] = new JsonArray([.. result.Fields.Select(f => (JsonNode)f)]), ["values"] = values },
            ["bookmarks"] = new JsonArray(),
        };
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }

    private static JsonNode? Value(object? value) => value switch
    {
        string text => text,
        int number => number,
        bool flag => flag,
        null => null,
        _ => throw new InvalidOperationException($"No JSON for a {value.GetType().Name}."),
    };

    private static Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var errors = new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }) };
        return context.Response.WriteAsync(errors.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
